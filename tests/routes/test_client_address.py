"""The client address behind (trusted) proxies."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from livecommerce.routes.client_address import client_address
from livecommerce.settings import Settings

PROXIES = Settings(trusted_proxies=["10.0.0.0/8", "::1"])


def _scope(peer: str | None, *headers: tuple[str, str]) -> dict[str, Any]:
    return {
        "type": "http",
        "client": (peer, 5000) if peer else None,
        "headers": [(k.lower().encode(), v.encode("latin-1")) for k, v in headers],
    }


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    """Anyone can send X-Forwarded-For: by default it changes nothing."""
    scope = _scope("198.51.100.1", ("X-Forwarded-For", "203.0.113.9"))
    assert client_address(scope, Settings()) == "198.51.100.1"


def test_an_untrusted_peer_cannot_pick_its_address() -> None:
    """With proxies configured, a peer that is not one of them is the client itself."""
    scope = _scope("198.51.100.1", ("X-Forwarded-For", "203.0.113.9"))
    assert client_address(scope, PROXIES) == "198.51.100.1"


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("203.0.113.9, 10.1.2.3", "203.0.113.9"),  # two trusted hops
        ("6.6.6.6, 203.0.113.9", "203.0.113.9"),  # what the client wrote comes first
        ("203.0.113.9:4711", "203.0.113.9"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:DB8:0::1", "2001:db8::1"),  # one spelling per address: one bucket
        ("not-an-ip", "10.0.0.2"),  # garbage: fall back to the proxy itself
        ("10.9.9.9", "10.9.9.9"),  # all trusted: the leftmost hop
        ("", "10.0.0.2"),
    ],
)
def test_a_trusted_proxy_names_the_client(forwarded: str, client: str) -> None:
    """From a trusted peer, the rightmost untrusted hop of the header is the client."""
    scope = _scope("10.0.0.2", ("X-Forwarded-For", forwarded))
    assert client_address(scope, PROXIES) == client


def test_repeated_headers_read_as_one_list() -> None:
    """Two copies of the header are one list of hops, in order."""
    scope = _scope("10.0.0.2", ("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "7.7.7.7"))
    assert client_address(scope, PROXIES) == "7.7.7.7"


def test_another_header_and_a_request() -> None:
    """The header is configurable, and a Starlette request works as well as a scope."""
    settings = Settings(trusted_proxies=["::1"], client_ip_header="X-Real-IP")
    scope = _scope("::1", ("X-Forwarded-For", "6.6.6.6"), ("X-Real-IP", "203.0.113.4"))
    assert client_address(Request(scope), settings) == "203.0.113.4"


def test_no_peer_is_unknown() -> None:
    """A server that gives no peer (a Unix socket) yields one shared ``unknown``."""
    assert client_address(_scope(None, ("X-Forwarded-For", "1.2.3.4")), PROXIES) == "unknown"


def test_bad_proxy_setting_fails_at_start() -> None:
    """A typo in the trusted proxies is an error when the settings are read."""
    with pytest.raises(ValueError, match=r"10\.0\.0\.300"):
        Settings(trusted_proxies="10.0.0.0/8, 10.0.0.300")
