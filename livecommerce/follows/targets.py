"""Which webhook URLs the server will call: http(s) to public addresses only.

A merchant's URL is resolved and every address it resolves to is checked, at creation and
again before each attempt (a name may be pointed elsewhere later). Private, loopback,
link-local, multicast and reserved addresses are refused, so a webhook cannot make the
server call into its own network; loopback only with ``webhook_allow_loopback`` (tests, a
receiver on the same machine).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from livecommerce.errors import WebhookUrlRefused

MAX_URL = 500
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parts(url: str) -> tuple[str, int]:
    if len(url) > MAX_URL:
        raise WebhookUrlRefused(f"a webhook URL has at most {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookUrlRefused(f"not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookUrlRefused("a webhook URL is http:// or https:// with a host")
    if parts.username or parts.password:
        raise WebhookUrlRefused("a webhook URL carries no credentials; it is signed instead")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def refused(address: Address, *, allow_loopback: bool) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return not allow_loopback
    return not address.is_global or address.is_multicast


async def resolve(host: str, port: int) -> list[Address]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookUrlRefused(f"cannot resolve {host}: {exc}") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


async def check_url(url: str, *, allow_loopback: bool) -> None:
    """Raise ``WebhookUrlRefused`` unless the server may post to ``url``."""
    host, port = _parts(url)
    addresses = await resolve(host, port)
    bad = [str(a) for a in addresses if refused(a, allow_loopback=allow_loopback)]
    if bad or not addresses:
        raise WebhookUrlRefused(
            f"{host} resolves to an address the server does not call: {', '.join(bad)}"
        )
