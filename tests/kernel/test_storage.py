"""Local object storage: round trips, atomic writes, and keys that cannot escape the root."""

import pytest

from cognify.errors import BadRequest, NotFound
from cognify.storage import LocalObjectStore


def test_put_get_delete(tmp_path) -> None:
    store = LocalObjectStore(tmp_path)
    store.put("tenant-a/evidence/1.jpg", b"\xff\xd8jpeg")
    assert store.get("tenant-a/evidence/1.jpg") == b"\xff\xd8jpeg"
    assert not list(tmp_path.rglob(".*.tmp"))
    store.delete("tenant-a/evidence/1.jpg")
    with pytest.raises(NotFound):
        store.get("tenant-a/evidence/1.jpg")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../../b", "", "a b"])
def test_keys_cannot_escape(tmp_path, key) -> None:
    with pytest.raises(BadRequest):
        LocalObjectStore(tmp_path / "root").put(key, b"x")
    assert not (tmp_path / "etc").exists()


def test_keys_lists_one_prefix_only(tmp_path) -> None:
    store = LocalObjectStore(tmp_path)
    for key in ("tenant-a/frames/2.jpg", "tenant-a/1.pdf", "tenant-ab/x.jpg", "tenant-b/y.jpg"):
        store.put(key, b"x")
    assert store.keys("tenant-a/") == ["tenant-a/1.pdf", "tenant-a/frames/2.jpg"]
    assert store.keys("nobody/") == []
    with pytest.raises(BadRequest):
        store.keys("../")
