"""A real nginx cache in front of a node, as the README's scaled deployment puts it.

Debian's nginx, started as a foreground child (``daemon off``) with its prefix, config,
logs, temp files and cache all in one temporary directory, so any user can run it and
nothing outside that directory is touched. The config is :func:`config`, the same text
the README shows with only the ports and paths filled in.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

NGINX = "/usr/sbin/nginx"

HTTP_BLOCK = """\
proxy_cache_path {cache} levels=1:2 keys_zone=hls:16m max_size=2g inactive=10m
                 use_temp_path=off;

map $http_upgrade $connection_upgrade {{ default upgrade; "" ""; }}

upstream media_node {{
    server {upstream};
    keepalive 32;
}}

server {{
    listen {listen};

    # Segments are immutable and the live playlist says max-age=1: nginx honours the
    # node's Cache-Control, so nothing here repeats those lifetimes.
    location /media/ {{
        proxy_pass http://media_node;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_cache hls;
        # A thousand viewers asking for the same new segment make one upstream request.
        proxy_cache_lock on;
        proxy_cache_lock_timeout 5s;
        # While a playlist refreshes, the others get the one just expired, not a wait.
        proxy_cache_use_stale updating error timeout;
        proxy_cache_background_update on;
        add_header X-Cache-Status $upstream_cache_status always;
    }}

    # Everything else (pages, API, WHIP/WHEP, WebSockets) passes through uncached.
    location / {{
        proxy_pass http://media_node;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header Host $host;
    }}
}}
"""

MAIN = """\
{user}daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    log_format cache '$request_uri $status $upstream_cache_status';
    access_log {root}/access.log cache;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
{http}}}
"""


def config(upstream: str, listen: str, cache: Path) -> str:
    """The ``http {}`` block's contents: a cache for ``/media/`` in front of ``upstream``."""
    return HTTP_BLOCK.format(upstream=upstream, listen=listen, cache=cache)


@dataclass
class Nginx:
    url: str
    root: Path
    process: subprocess.Popen[bytes]

    def access_log(self) -> list[tuple[str, str, str]]:
        """(request URI, status, cache status) of every request so far."""
        lines = (self.root / "access.log").read_text().splitlines()
        return [tuple(line.split(" ", 2)) for line in lines]  # type: ignore[misc]

    def log(self) -> str:
        return (self.root / "error.log").read_text(errors="replace")


def require_nginx() -> str:
    """Debian's nginx; missing, it skips locally and fails under CI (like the services)."""
    found = NGINX if os.access(NGINX, os.X_OK) else shutil.which("nginx")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("nginx is not installed; CI must run the nginx cache tests")
    pytest.skip("nginx is not installed")


@contextmanager
def running_nginx(binary: str, upstream: str, port: int, root: Path) -> Iterator[Nginx]:
    """nginx on 127.0.0.1:``port`` caching ``upstream`` (``host:port``), until exit."""
    root.mkdir(parents=True, exist_ok=True)
    http = config(upstream, f"127.0.0.1:{port}", root / "cache")
    # As root, nginx's workers would run as nobody, who cannot enter a private temp dir.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    (root / "nginx.conf").write_text(MAIN.format(user=user, root=root, http=http))
    command = [binary, "-p", str(root), "-e", str(root / "error.log"), "-c", "nginx.conf"]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=(root / "stderr.log").open("wb"))  # fmt: skip
    nginx = Nginx(f"http://127.0.0.1:{port}", root, process)
    try:
        _wait_listening(nginx, port)
        yield nginx
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_listening(nginx: Nginx, port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if nginx.process.poll() is not None:
            stderr = (nginx.root / "stderr.log").read_text(errors="replace")
            raise RuntimeError(f"nginx exited: {stderr}{nginx.log()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nginx not listening on {port}: {nginx.log()}")
