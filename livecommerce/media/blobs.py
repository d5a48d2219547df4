"""Where recordings and HLS segments are kept: a local directory or an S3-compatible bucket.

Keys are ``/``-separated paths (``recordings/{room}/{recording}/seg_00001.m4s``). A write
is all-or-nothing, so a reader (or a node killed mid-write) never sees half a segment.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from livecommerce.settings import Settings

_KEY = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")


class BlobStore(Protocol):
    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store ``data`` under ``key``, replacing what was there."""

    async def get(self, key: str) -> bytes | None:
        """The bytes under ``key``, or None when there are none."""

    async def keys(self, prefix: str) -> list[str]:
        """Every key starting with ``prefix``, sorted."""

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every key starting with ``prefix``; return how many went."""


def check_key(key: str) -> str:
    """Refuse keys that could leave the store's root (``..``, absolute paths)."""
    if not _KEY.fullmatch(key) or any(part in {".", ".."} for part in key.split("/")):
        raise ValueError(f"bad blob key {key!r}")
    return key


class LocalBlobStore:
    """Files under ``root``; writes go to a temporary file renamed into place."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        await asyncio.to_thread(self._put, self._path(key), data)

    async def get(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self._get, self._path(key))

    async def keys(self, prefix: str) -> list[str]:
        return await asyncio.to_thread(self._keys, prefix)

    async def delete_prefix(self, prefix: str) -> int:
        keys = await self.keys(prefix)
        for key in keys:
            await asyncio.to_thread(self._path(key).unlink, missing_ok=True)
        return len(keys)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    @staticmethod
    def _put(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @staticmethod
    def _get(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def _keys(self, prefix: str) -> list[str]:
        if not self.root.is_dir():
            return []
        keys = (
            path.relative_to(self.root).as_posix()
            for path in self.root.rglob("*")
            if path.is_file() and not path.name.startswith(".tmp-")
        )
        return sorted(key for key in keys if key.startswith(prefix))


class S3BlobStore:
    """An S3-compatible bucket (AWS, MinIO, Ceph, R2...) through boto3, off the event loop."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
    ) -> None:
        import boto3  # optional dependency: livecommerce[s3]

        self.bucket = bucket
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
        )

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        await asyncio.to_thread(
            self._client.put_object,
            Bucket=self.bucket,
            Key=check_key(key),
            Body=data,
            ContentType=content_type,
        )

    async def get(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self._get, check_key(key))

    async def keys(self, prefix: str) -> list[str]:
        return await asyncio.to_thread(self._keys, prefix)

    async def delete_prefix(self, prefix: str) -> int:
        keys = await self.keys(prefix)
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            await asyncio.to_thread(
                self._client.delete_objects, Bucket=self.bucket, Delete={"Objects": batch}
            )
        return len(keys)

    def _get(self, key: str) -> bytes | None:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key)
        except self._client.exceptions.NoSuchKey:
            return None
        body: bytes = response["Body"].read()
        return body

    def _keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", ()))
        return sorted(keys)


def build_blob_store(settings: Settings) -> BlobStore:
    """The store the settings name (``media_store``)."""
    if settings.media_store == "s3":
        return S3BlobStore(
            bucket=settings.media_s3_bucket,
            endpoint_url=settings.media_s3_endpoint_url or None,
            region=settings.media_s3_region,
            access_key=settings.media_s3_access_key or None,
            secret_key=settings.media_s3_secret_key or None,
        )
    return LocalBlobStore(Path(settings.media_dir or Path(settings.data_dir) / "media"))
