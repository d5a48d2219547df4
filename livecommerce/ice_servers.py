"""STUN/TURN servers for the media node: checked when the settings load, not at the
first WHIP POST.

A server is a URL (RFC 7064 ``stun:``, RFC 7065 ``turn:``/``turns:``), or an object
in the shape of WebRTC's ``RTCIceServer``: ``{"urls": [...], "username", "credential"}``.
The node's own peer connections use them, and WHIP/WHEP clients are told of them in
``Link: <url>; rel="ice-server"`` headers (RFC 9725 section 4.6), credentials included.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

# scheme ":" host [":" port] ["?transport=" udp|tcp], the host a name or an IP literal.
_URL = re.compile(
    r"(?P<scheme>stuns?|turns?):(?P<host>\[[^\]]*\]|[^\[\]?:/@]+)(?::(?P<port>\d{1,5}))?"
    r"(?:\?transport=(?P<transport>[a-z]+))?"
)
_QUOTED_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\]')


class IceServer(BaseModel):
    """One entry of ``LIVECOMMERCE_MEDIA_ICE_SERVERS``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    urls: list[str]
    username: str | None = None
    credential: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_url(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"urls": [value]}
        if isinstance(value, dict) and isinstance(value.get("urls"), str):
            return {**value, "urls": [value["urls"]]}
        return value

    @field_validator("urls")
    @classmethod
    def _urls(cls, urls: list[str]) -> list[str]:
        if not urls:
            raise ValueError("an ICE server needs at least one URL")
        for url in urls:
            check_url(url)
        return urls

    @field_validator("username", "credential")
    @classmethod
    def _quotable(cls, value: str | None) -> str | None:
        # Sent inside a quoted-string of a Link header: no quotes, backslashes or controls.
        if value is not None and _QUOTED_UNSAFE.search(value):
            raise ValueError("must not contain quotes, backslashes or control characters")
        return value

    @model_validator(mode="after")
    def _turn_credentials(self) -> IceServer:
        turn = any(url.startswith("turn") for url in self.urls)
        if turn and (self.username is None or self.credential is None):
            raise ValueError(f"{self.urls[0]}: a TURN server needs a username and a credential")
        if not turn and (self.username is not None or self.credential is not None):
            raise ValueError(f"{self.urls[0]}: only TURN servers take a username and credential")
        return self

    def links(self) -> list[str]:
        """One ``Link`` field value per URL (RFC 9725 section 4.6)."""
        extra = ""
        if self.username is not None and self.credential is not None:
            extra = (
                f'; username="{self.username}"; credential="{self.credential}"'
                '; credential-type="password"'
            )
        return [f'<{url}>; rel="ice-server"{extra}' for url in self.urls]


def check_url(url: str) -> None:
    """Refuse, with the reason, a URL the node's ICE agent (aiortc, aioice) cannot use."""
    match = _URL.fullmatch(url)
    if match is None:
        raise ValueError(
            f"{url!r} is not a STUN/TURN URL: stun:HOST[:PORT] or "
            "turn:HOST[:PORT][?transport=udp|tcp] (also turns:)"
        )
    scheme, host, port, transport = match.group("scheme", "host", "port", "transport")
    if host.startswith("[") or _is_ipv6(host):
        # aioice resolves servers with gethostbyname and asks STUN from IPv4 sockets only;
        # aiortc's URL parser does not even accept a bracketed literal (every POST failed).
        raise ValueError(
            f"{url!r}: the media node reaches STUN/TURN servers over IPv4 only; "
            "give an IPv4 address or a host name with an A record"
        )
    if port is not None and not 0 < int(port) < 65536:
        raise ValueError(f"{url!r}: the port must be 1-65535")
    if scheme == "stuns":
        raise ValueError(f"{url!r}: aiortc does not use stuns: servers; use stun: or turns:")
    if scheme == "stun" and transport is not None:
        raise ValueError(f"{url!r}: a stun: URL takes no transport")
    if transport not in (None, "udp", "tcp") or (scheme == "turns" and transport == "udp"):
        raise ValueError(f"{url!r}: the transport must be udp or tcp (turns: tcp only)")


def _is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).version == 6
    except ValueError:
        return False
