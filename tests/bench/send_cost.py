"""What one frame to one socket costs this machine: a loopback TCP send, nothing else.

The floor under any fan-out that writes each socket separately (ours and websockets'
``broadcast()`` alike): 10,000 viewers at 20 frames a second is 200,000 such sends.

    python -m tests.bench.send_cost --sockets 2000 --size 800 --rounds 5
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import statistics
import time


def _pairs(count: int) -> tuple[list[socket.socket], list[socket.socket]]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(count)
    clients, servers = [], []
    for _ in range(count):
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
        client.setblocking(False)
        server.setblocking(False)
        clients.append(client)
        servers.append(server)
    listener.close()
    return clients, servers


def _drain(clients: list[socket.socket]) -> None:
    for client in clients:
        with contextlib.suppress(BlockingIOError):
            client.recv(1 << 16)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--size", type=int, default=800, help="frame bytes")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    clients, servers = _pairs(args.sockets)
    frame = b"x" * args.size
    cpu_us = []
    for _ in range(args.rounds):
        started = time.process_time()
        for server in servers:
            server.send(frame)
        cpu_us.append((time.process_time() - started) / len(servers) * 1e6)
        _drain(clients)
    print(f"CPU per send: median {statistics.median(cpu_us):.1f} us over {args.rounds} rounds")
    print(f"10,000 viewers x 20 frames/s would need {statistics.median(cpu_us) * 0.2:.2f} cores")


if __name__ == "__main__":
    main()
