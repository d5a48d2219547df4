"""DTLS with a peer whose certificate is RSA, as GStreamer's webrtcbin has (aiortc_hooks 4)."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator

import pytest
from aiortc import RTCCertificate, RTCPeerConnection, RTCSessionDescription
from aiortc.rtcdtlstransport import SRTPProtectionProfile
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from OpenSSL import SSL

from livecommerce.media.aiortc_hooks import widen_dtls_ciphers
from livecommerce.media.peers import new_peer

# gst-plugins-bad's DTLS agent: OpenSSL's whole list, its certificate RSA.
GSTREAMER_CIPHERS = b"ALL:!ADH:!LOW:!EXP:!MD5:!RC4:@STRENGTH"


class RsaCertificate(RTCCertificate):
    """A DTLS endpoint configured the way GStreamer's is."""

    @classmethod
    def make(cls) -> RsaCertificate:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "gstreamer")])
        now = datetime.datetime.now(tz=datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256())
        )
        return cls(key=key, cert=cert)  # type: ignore[arg-type]

    def _create_ssl_context(self, srtp_profiles: list[SRTPProtectionProfile]) -> SSL.Context:
        context = super()._create_ssl_context(srtp_profiles)
        context.set_cipher_list(GSTREAMER_CIPHERS)
        return context


@pytest.fixture
async def pcs() -> AsyncIterator[list[RTCPeerConnection]]:
    made: list[RTCPeerConnection] = []
    yield made
    for pc in made:
        await pc.close()


def rsa_offerer() -> RTCPeerConnection:
    """The offering side (so the DTLS server, with a=setup:actpass) holding an RSA cert."""
    pc = RTCPeerConnection()
    pc._RTCPeerConnection__certificates = [RsaCertificate.make()]  # type: ignore[attr-defined]
    pc.createDataChannel("probe")
    return pc


async def handshake(offerer: RTCPeerConnection, answerer: RTCPeerConnection) -> str:
    """Negotiate and return the answerer's connection state once it settles."""
    await offerer.setLocalDescription(await offerer.createOffer())
    offer = offerer.localDescription
    await answerer.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type="offer"))
    await answerer.setLocalDescription(await answerer.createAnswer())
    assert "a=setup:active" in answerer.localDescription.sdp  # aiortc is the DTLS client
    settled = asyncio.Event()

    @answerer.on("connectionstatechange")
    def changed() -> None:
        if answerer.connectionState in ("connected", "failed", "closed"):
            settled.set()

    await offerer.setRemoteDescription(answerer.localDescription)
    async with asyncio.timeout(20):
        await settled.wait()
    return answerer.connectionState


async def test_node_peers_handshake_with_an_rsa_dtls_server(
    pcs: list[RTCPeerConnection],
) -> None:
    """The node's peer connection (the DTLS client) connects to a GStreamer-like RSA server."""
    offerer, answerer = rsa_offerer(), new_peer(1, "host", []).pc
    pcs += [offerer, answerer]
    assert await handshake(offerer, answerer) == "connected"


async def test_plain_aiortc_cannot_handshake_with_an_rsa_dtls_server(
    pcs: list[RTCPeerConnection],
) -> None:
    """Without the hook aiortc offers ECDSA suites only: the handshake fails. When this
    passes no more, aiortc offers RSA suites itself and hook 4 can go."""
    offerer, answerer = rsa_offerer(), RTCPeerConnection()
    pcs += [offerer, answerer]
    assert await handshake(offerer, answerer) == "failed"


async def test_widened_peers_still_handshake_with_ecdsa_peers(
    pcs: list[RTCPeerConnection],
) -> None:
    """Browsers and aiortc hold ECDSA certificates; the wider list still meets them."""
    offerer, answerer = RTCPeerConnection(), RTCPeerConnection()
    widen_dtls_ciphers(answerer)
    offerer.createDataChannel("probe")
    pcs += [offerer, answerer]
    assert await handshake(offerer, answerer) == "connected"
