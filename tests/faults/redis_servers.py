"""Private Redis servers that a fault test may stop, restart or fail over at will.

Never the shared Redis (6379) nor the suite's cluster (7000-7005): other tests are
running on them. Both kinds here keep no data on disk, so a restart comes back empty,
as a cache Redis without persistence does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import free_port

CLUSTER_SCRIPT = Path(__file__).parent.parent / "cluster.sh"


def require_redis_binaries() -> None:
    """Skip where redis-server is missing; under CI that is a failure (see services)."""
    if shutil.which("redis-server") and shutil.which("redis-cli"):
        return
    if os.environ.get("CI"):
        pytest.fail("redis-server/redis-cli not installed; CI must run the fault suite")
    pytest.skip("redis-server/redis-cli not installed")


def cli(port: int, *args: str) -> str:
    done = subprocess.run(
        ["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=30
    )
    return done.stdout.strip()


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} after {timeout}s")


@dataclass
class PrivateRedis:
    port: int
    data: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
                   "--save", "", "--appendonly", "no", "--dir", str(self.data)]  # fmt: skip
        log = (self.data / "redis.log").open("ab")
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        _wait_for(lambda: cli(self.port, "ping") == "PONG", "private redis not up")

    def stop(self) -> None:
        """Gone at once with all its data, as a crashed or restarted cache is."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.data, ignore_errors=True)


def private_redis() -> PrivateRedis:
    require_redis_binaries()
    server = PrivateRedis(free_port(), Path(tempfile.mkdtemp(prefix="lc-redis-")))
    server.start()
    return server


@dataclass
class PrivateCluster:
    """3 masters with one replica each on ``base``..``base+5`` (``tests/cluster.sh``)."""

    base: int
    data: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.base}/0"

    @property
    def ports(self) -> range:
        return range(self.base, self.base + 6)

    def start(self) -> None:
        subprocess.run(
            [str(CLUSTER_SCRIPT), str(self.base), str(self.data)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        # Every node must agree before the app reads the slot map.
        _wait_for(self._all_ok, "private cluster not ok")

    def _all_ok(self) -> bool:
        return all("cluster_state:ok" in cli(p, "cluster", "info") for p in self.ports)

    def _nodes(self) -> list[list[str]]:
        return [line.split() for line in cli(self.base, "cluster", "nodes").splitlines()]

    def master_and_replica_of(self, key: str) -> tuple[int, int]:
        """Ports of the master serving ``key``'s slot and of one of its replicas."""
        slot = int(cli(self.base, "cluster", "keyslot", key))
        nodes = self._nodes()
        for node in nodes:
            if "master" not in node[2]:
                continue
            for span in (s for s in node[8:] if not s.startswith("[")):
                low, _, high = span.partition("-")
                if int(low) <= slot <= int(high or low):
                    replica = next(r for r in nodes if r[3] == node[0])
                    return _port(node[1]), _port(replica[1])
        raise LookupError(f"no master serves slot {slot}")

    def fail_over(self, replica: int) -> None:
        """A manual failover: the replica becomes the master once it has caught up."""
        assert cli(replica, "cluster", "failover") == "OK"
        _wait_for(lambda: "role:master" in cli(replica, "info", "replication"), "no failover")
        _wait_for(self._all_ok, "cluster not ok after failover")

    def remove(self) -> None:
        for port in self.ports:
            with contextlib.suppress(subprocess.SubprocessError):
                cli(port, "shutdown", "nosave")
        shutil.rmtree(self.data, ignore_errors=True)


def _port(address: str) -> int:
    return int(address.split("@")[0].rsplit(":", 1)[1])


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_block(first: int) -> int:
    """A base port from ``first`` up (in tens) whose six ports and their cluster bus
    ports (+10000) are all free: a cluster left behind by a crashed run is not reused."""
    for base in range(first, first + 200, 10):
        if all(_bindable(p) and _bindable(p + 10000) for p in range(base, base + 6)):
            return base
    raise RuntimeError(f"no six free ports from {first}")


def private_cluster(first: int = 7100) -> PrivateCluster:
    require_redis_binaries()
    data = Path(tempfile.mkdtemp(prefix="lc-fault-cluster-"))
    cluster = PrivateCluster(_free_block(first), data)
    cluster.start()
    return cluster
