"""Object storage: a local directory by default, any S3-compatible service when configured."""

import re
from functools import lru_cache
from pathlib import Path
from typing import Protocol
from uuid import UUID

from cognify.errors import BadRequest, NotFound
from cognify.settings import get_settings

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,511}$")


def check_key(key: str) -> str:
    """Refuse keys that could escape the store (absolute, `..`, odd characters)."""
    if not _KEY.match(key) or ".." in key.split("/"):
        raise BadRequest(f"invalid storage key: {key!r}", code="invalid_key")
    return key


class ObjectStore(Protocol):
    """Put, get and delete blobs by key."""

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def keys(self, prefix: str) -> list[str]: ...


class LocalObjectStore:
    """Blobs as files under one directory."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Write atomically (temp file + rename)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)

    def get(self, key: str) -> bytes:
        """The blob, or NotFound."""
        path = self._path(key)
        if not path.is_file():
            raise NotFound("Object not found")
        return path.read_bytes()

    def delete(self, key: str) -> None:
        """Remove the blob if present."""
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str) -> list[str]:
        """Every key under a prefix (a folder such as `<tenant>/`), sorted."""
        base = self._path(prefix.rstrip("/"))
        if not base.is_dir():
            return []
        return sorted(str(path.relative_to(self.root)) for path in base.rglob("*")
                      if path.is_file() and not path.name.startswith("."))


class S3ObjectStore:
    """Blobs in an S3-compatible bucket (AWS S3, R2, MinIO)."""

    def __init__(self, bucket: str, endpoint_url: str | None = None, region: str | None = None) -> None:
        import boto3

        self.bucket = bucket
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Upload a blob."""
        self.client.put_object(Bucket=self.bucket, Key=check_key(key), Body=data,
                               ContentType=content_type)

    def get(self, key: str) -> bytes:
        """Download a blob, or NotFound."""
        try:
            return self.client.get_object(Bucket=self.bucket, Key=check_key(key))["Body"].read()
        except self.client.exceptions.NoSuchKey as exc:
            raise NotFound("Object not found") from exc

    def delete(self, key: str) -> None:
        """Remove a blob."""
        self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def keys(self, prefix: str) -> list[str]:
        """Every key under a prefix, sorted."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                      Prefix=check_key(prefix))
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


class RegionalStore:
    """One store per region: a key's first segment is its tenant's id, which names the region."""

    def __init__(self, home: ObjectStore, regions: dict[str, ObjectStore]) -> None:
        self.home, self.regions = home, regions

    def store_for(self, key: str) -> ObjectStore:
        """The store of the tenant the key belongs to (keys that name no tenant: home)."""
        from cognify.regions import region_of

        try:
            tenant_id = UUID(key.split("/", 1)[0])
        except ValueError:
            return self.home
        region = region_of(tenant_id)
        return self.regions[region] if region is not None else self.home

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.store_for(key).put(key, data, content_type)

    def get(self, key: str) -> bytes:
        return self.store_for(key).get(key)

    def delete(self, key: str) -> None:
        self.store_for(key).delete(key)

    def keys(self, prefix: str) -> list[str]:
        return self.store_for(prefix).keys(prefix)


def _store(storage_dir: Path | None, bucket: str | None, endpoint: str | None, region: str | None,
           default_dir: Path) -> ObjectStore:
    if bucket:
        return S3ObjectStore(bucket, endpoint, region)
    return LocalObjectStore(storage_dir or default_dir)


@lru_cache
def get_store() -> ObjectStore:
    """The configured store: S3 when COGNIFY_S3_BUCKET is set, else the local media directory; with
    COGNIFY_REGIONS, each region's tenants' files go to that region's store."""
    settings = get_settings()
    home = _store(None, settings.s3_bucket, settings.s3_endpoint_url, settings.s3_region, settings.media_dir)
    if not settings.regions:
        return home
    return RegionalStore(home, {
        name: _store(cfg.storage_dir, cfg.s3_bucket, cfg.s3_endpoint_url, cfg.s3_region, settings.media_dir)
        for name, cfg in settings.regions.items()})
