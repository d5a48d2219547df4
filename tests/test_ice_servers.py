"""LIVECOMMERCE_MEDIA_ICE_SERVERS and LIVECOMMERCE_MEDIA_CORS_ORIGINS are checked at start."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from livecommerce.ice_servers import IceServer
from livecommerce.media.peers import new_peer
from livecommerce.settings import Settings

TURN = {"urls": ["turn:turn.example.net?transport=udp"], "username": "u", "credential": "p"}


def test_urls_and_turn_objects_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A JSON list mixes plain URLs and TURN objects with credentials."""
    monkeypatch.setenv(
        "LIVECOMMERCE_MEDIA_ICE_SERVERS",
        '["stun:stun.example.net:3478", {"urls": "turns:turn.example.net", '
        '"username": "u", "credential": "p"}]',
    )
    servers = Settings().media_ice_servers
    assert servers[0] == IceServer(urls=["stun:stun.example.net:3478"])
    assert servers[1] == IceServer(urls=["turns:turn.example.net"], username="u", credential="p")


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("stun:[::1]:3478", "IPv4 only"),
        ("stun:::1", "not a STUN/TURN URL"),
        ("http://stun.example.net", "not a STUN/TURN URL"),
        ("stun:stun.example.net:99999", "port"),
        ("stuns:stun.example.net", "stuns"),
        ("stun:stun.example.net?transport=udp", "no transport"),
        ("turn:turn.example.net", "username and a credential"),
        ({**TURN, "urls": ["turns:turn.example.net?transport=udp"]}, "tcp only"),
        ({**TURN, "credential": 'p"; rel="x'}, "quotes"),
        ({"urls": "stun:stun.example.net", "username": "u"}, "only TURN"),
    ],
)
def test_unusable_servers_fail_at_start_with_the_reason(entry: object, reason: str) -> None:
    """Each server the node could not use is refused when the settings load, saying why."""
    with pytest.raises(ValidationError) as refused:
        Settings(media_ice_servers=[entry])
    assert reason in str(refused.value)


async def test_node_peers_use_the_configured_turn_credentials() -> None:
    """The node's peer connections get the TURN username and credential."""
    stun, turn = IceServer.model_validate("stun:127.0.0.1:3478"), IceServer.model_validate(TURN)
    pc = new_peer(1, "host", [stun, turn]).pc
    # Adding a transceiver makes aiortc parse the servers into its ICE agent.
    gatherer = pc.addTransceiver("video").sender.transport.transport.iceGatherer
    agent = gatherer._connection
    assert agent.stun_server == ("127.0.0.1", 3478)
    assert agent.turn_server == ("turn.example.net", 3478)
    assert (agent.turn_username, agent.turn_password) == ("u", "p")
    await pc.close()


def test_cors_origins_take_commas_or_json(monkeypatch: pytest.MonkeyPatch) -> None:
    """Origins come as a comma list or JSON; the default lets any site's page in."""
    assert Settings().media_cors_origins == ["*"]
    monkeypatch.setenv("LIVECOMMERCE_MEDIA_CORS_ORIGINS", "https://a.example, http://b:8080")
    assert Settings().media_cors_origins == ["https://a.example", "http://b:8080"]
    monkeypatch.setenv("LIVECOMMERCE_MEDIA_CORS_ORIGINS", "[]")
    assert Settings().media_cors_origins == []


@pytest.mark.parametrize("entry", ["https://a.example/", "a.example", "https://a.example/path"])
def test_a_malformed_origin_fails_at_start(entry: str) -> None:
    """An origin with a path, a trailing slash or no scheme would never match: refused."""
    with pytest.raises(ValidationError, match="not an origin"):
        Settings(media_cors_origins=[entry])
