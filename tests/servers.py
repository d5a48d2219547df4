"""Real server processes on loopback ports, for browser and multi-node tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    env: dict[str, str],
    log_dir: Path,
    *,
    port: int | None = None,
    cwd: Path | None = None,
    timeout: float = 90.0,
) -> Server:
    """``livecommerce serve`` with ``LIVECOMMERCE_*`` settings from ``env``; waits until ready.

    ``cwd``: run it from another source tree (``python -m`` imports from there first).
    ``timeout``: seconds to wait for readiness (its start costs ~5 CPU seconds, which a
    benchmark sharing a busy box may not get within the default)."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = log_dir / f"server-{port}.log"
    full_env = {**os.environ, "LIVECOMMERCE_PUBLIC_URL": url, **env}
    command = [
        sys.executable,
        "-m",
        "livecommerce.cli",
        "serve",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            cwd=cwd,
        )
    server = Server(url, process, log_path)
    _wait_ready(server, timeout)
    return server


def _wait_ready(server: Server, timeout: float) -> None:
    # Generous: a loaded CI box (or a shared two-core one) takes over 30 s to import
    # and build the app; a server that truly hangs still fails the test.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server not ready after {timeout}s:\n{server.log()}")


@contextmanager
def running(env: dict[str, str], log_dir: Path) -> Iterator[Server]:
    server = start_server(env, log_dir)
    try:
        yield server
    finally:
        server.stop()
