"""The blob stores behind recordings: a local directory and a real S3-compatible server
(moto's server mode, started on a loopback port), held to the same contract."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from livecommerce.media.blobs import BlobStore, LocalBlobStore, S3BlobStore
from tests.servers import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        log.close()


@pytest.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    if request.param == "local":
        yield LocalBlobStore(tmp_path / "blobs")
        return
    url: str = request.getfixturevalue("s3_server")
    s3 = S3BlobStore(bucket=f"rec-{time.monotonic_ns()}", endpoint_url=url,
                     access_key="test", secret_key="test")  # fmt: skip
    s3._client.create_bucket(Bucket=s3.bucket)
    yield s3


async def test_put_get_list_and_delete_a_prefix(store: BlobStore) -> None:
    await store.put("recordings/1/a/init.mp4", b"init", content_type="video/mp4")
    await store.put("recordings/1/a/seg_00001.m4s", b"\x00" * 1000, content_type="video/mp4")
    await store.put("recordings/1/a/seg_00001.m4s", b"\x01" * 10, content_type="video/mp4")
    await store.put("recordings/12/b/init.mp4", b"other", content_type="video/mp4")
    assert await store.get("recordings/1/a/seg_00001.m4s") == b"\x01" * 10
    assert await store.get("recordings/1/a/missing.m4s") is None
    assert await store.keys("recordings/1/") == [
        "recordings/1/a/init.mp4",
        "recordings/1/a/seg_00001.m4s",
    ]
    assert await store.delete_prefix("recordings/1/") == 2
    assert await store.keys("recordings/") == ["recordings/12/b/init.mp4"]


async def test_keys_cannot_leave_the_store(store: BlobStore) -> None:
    for key in ("../etc/passwd", "/abs", "a//b", "a/../b"):
        with pytest.raises(ValueError):
            await store.put(key, b"x", content_type="text/plain")
