"""Enrolment photos: the reference face a student's sessions are compared with.

A photo is biometric data: it needs the student's `biometric_identity` consent (and a guardian's for a
minor), it must show exactly one face, and only its embedding and a re-encoded JPEG are kept.
"""

import threading
from uuid import UUID

import numpy as np
from sqlmodel import Session, select

from cognify.errors import Forbidden, NotFound, ValidationFailed
from cognify.models import utcnow
from cognify.security import Actor
from cognify.storage import get_store
from domain.identity.models import User
from domain.privacy.consent import Purpose, has_consent, require_consent
from proctoring.detectors import MediaPipeFaceDetector
from proctoring.detectors.face_identity import Embedding, FaceEmbedder
from proctoring.errors import UnreadableFrame
from proctoring.models import Enrolment
from proctoring.segmenter import encode_jpeg
from proctoring.sources import decode_jpeg

# Models take ~0.5 s to load and are not thread-safe: one set per API worker thread.
_models = threading.local()


def _models_of_thread() -> tuple[MediaPipeFaceDetector, MediaPipeFaceDetector, FaceEmbedder]:
    # Enrolment photos are mostly close-ups (a selfie, an ID photo), which the full-range model misses
    # (4 of 8 eval faces at 320 px of 480): the short-range model first, the full-range one for a small face.
    if not hasattr(_models, "set"):
        _models.set = (MediaPipeFaceDetector("short_range", 0.5), MediaPipeFaceDetector("full_range", 0.5),
                       FaceEmbedder())
    return _models.set


def photo_key(tenant_id: UUID, user_id: UUID) -> str:
    """Where a student's enrolment photo is stored."""
    return f"{tenant_id}/proctoring/enrolments/{user_id}.jpg"


def embed_photo(data: bytes) -> tuple[Embedding, bytes]:
    """The embedding of the one face in a photo and the photo re-encoded; 422 otherwise."""
    try:
        image = decode_jpeg(data)
    except UnreadableFrame as error:
        raise ValidationFailed("The enrolment photo is not a decodable image",
                               code="unreadable_photo") from error
    close_up, far, embedder = _models_of_thread()
    faces = close_up.detect(image) or far.detect(image)
    if len(faces) != 1:
        raise ValidationFailed(f"The enrolment photo must show exactly one face; it shows {len(faces)}",
                               code="enrolment_face_count", details={"faces": len(faces)})
    return embedder.embed(image, faces[0]), encode_jpeg(image)


def set_enrolment(session: Session, actor: Actor, user_id: UUID, data: bytes) -> Enrolment:
    """Set (or replace) a student's enrolment photo: the student themself, or a proctor or admin."""
    if user_id != actor.user_id and not actor.can("proctor"):
        raise Forbidden("Only the student or a proctor can set an enrolment photo")
    if session.get(User, user_id) is None:
        raise NotFound("No such user")
    require_consent(session, actor.tenant_id, user_id, Purpose.biometric_identity)
    embedding, jpeg = embed_photo(data)
    key = photo_key(actor.tenant_id, user_id)
    get_store().put(key, jpeg, "image/jpeg")
    row = enrolment_of(session, user_id) or Enrolment(tenant_id=actor.tenant_id, user_id=user_id,
                                                      photo_key=key, embedding=[])
    row.photo_key, row.embedding = key, [float(value) for value in embedding]
    row.uploaded_by, row.updated_at = actor.user_id, utcnow()
    session.add(row)
    session.flush()
    return row


def enrolment_of(session: Session, user_id: UUID) -> Enrolment | None:
    """The student's enrolment (the tenant is the session's)."""
    return session.exec(select(Enrolment).where(Enrolment.user_id == user_id)).first()


def visible_enrolment(session: Session, actor: Actor, user_id: UUID, action: str = "see") -> Enrolment:
    """A student's enrolment, for the student or a proctor; 403 for others, 404 when there is none."""
    if user_id != actor.user_id and not actor.can("proctor"):
        raise Forbidden(f"Only the student or a proctor can {action} an enrolment photo")
    row = enrolment_of(session, user_id)
    if row is None:
        raise NotFound("No enrolment photo")
    return row


def reference_embedding(session: Session, tenant_id: UUID, user_id: UUID) -> Embedding | None:
    """The embedding this student's sessions are compared with; None without an enrolment photo or
    once the `biometric_identity` consent is withdrawn."""
    row = enrolment_of(session, user_id)
    if row is None or not has_consent(session, tenant_id, user_id, Purpose.biometric_identity):
        return None
    return np.asarray(row.embedding, dtype=np.float32)


def remove_enrolment(session: Session, actor: Actor, user_id: UUID) -> None:
    """Delete a student's enrolment photo and embedding (the student, or a proctor or admin)."""
    row = visible_enrolment(session, actor, user_id, "remove")
    get_store().delete(row.photo_key)
    session.delete(row)
    session.flush()
