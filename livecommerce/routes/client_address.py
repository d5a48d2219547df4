"""Who is on the other end: the client's IP address, believing proxies only if trusted.

Behind a reverse proxy every request comes from the proxy's address, so per-address
limits would count all users as one. The proxy names the real client in a header
(``X-Forwarded-For`` by default), but anyone can send that header: it is read only when
the direct peer is one of ``settings.trusted_proxies``. Then the client is the
rightmost address in the header that is not itself a trusted proxy (each proxy appends
the peer it saw; what the client wrote comes first and is not believed).

One function for HTTP and WebSocket, for requests and raw ASGI scopes alike.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import HTTPConnection
from starlette.types import Scope

from livecommerce.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "unknown"


@lru_cache(maxsize=16)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def _address(text: str) -> Address | None:
    """An IP from a header hop or peer: ``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``, ``::1``."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def _header(scope: Scope, name: bytes) -> list[str]:
    """Every hop of every copy of the header, first to last."""
    hops: list[str] = []
    for key, value in scope.get("headers", ()):
        if key == name:
            hops.extend(value.decode("latin-1").split(","))
    return hops


def client_address(scope_or_request: Scope | HTTPConnection, settings: Settings) -> str:
    """The client's IP address as text (canonical form), or ``"unknown"``."""
    scope = (
        scope_or_request.scope if isinstance(scope_or_request, HTTPConnection) else scope_or_request
    )
    peer = scope.get("client")
    direct = _address(peer[0]) if peer else None
    if direct is None:
        return str(peer[0]) if peer else UNKNOWN
    networks = _networks(tuple(settings.trusted_proxies))
    if not _trusted(direct, networks):
        return str(direct)
    header = settings.client_ip_header.strip().lower().encode("latin-1")
    for hop in reversed(_header(scope, header)):
        address = _address(hop)
        if address is None:
            break  # a proxy writes addresses; anything else came from the client
        if not _trusted(address, networks):
            return str(address)
        direct = address
    return str(direct)
