"""The places where the project reaches inside aiortc (1.16), kept together.

1. Receive side. ``RTCRtpReceiver`` reassembles encoded frames in its jitter buffer and
   puts ``(codec, JitterFrame)`` on a ``queue.Queue`` read by a decoder thread. We swap
   that queue, before ``receive()`` starts the thread, for a ``FrameTap`` whose ``put``
   hands each encoded frame straight to the relay on the event loop. Nothing is ever
   queued for the thread, so the publisher is never decoded; the thread idles in
   ``get()`` until the ``None`` the receiver sends on stop, then ends the remote track
   as usual.
2. Keyframe requests to the publisher: ``RTCRtpReceiver._send_rtcp_pli``.
3. Keyframe requests from a viewer: ``RTCRtpSender`` answers a PLI/FIR by setting a
   flag for its encoder, which packed frames ignore; we redirect ``_send_keyframe`` to
   the relay, which asks the publisher instead.
4. DTLS cipher suites. aiortc offers ECDSA suites only, so as the DTLS client (it is
   whenever it answers an offer, i.e. always on this node) it cannot handshake with a
   server holding an RSA certificate: GStreamer's webrtcbin, ZLMediaKit and others
   answer "no shared cipher". A peer connection's certificate is swapped for one whose
   DTLS context also offers ECDHE-RSA suites; our own certificate stays ECDSA, so as a
   DTLS server nothing changes. (aiortc PR #1392 proposes the same upstream.)

A test exercises each of them, so an aiortc upgrade that moves them fails loudly.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import Any, Protocol

from aiortc import RTCCertificate, RTCPeerConnection, RTCRtpReceiver, RTCRtpSender
from aiortc.rtcdtlstransport import SRTPProtectionProfile
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from OpenSSL import SSL

_DECODER_QUEUE = "_RTCRtpReceiver__decoder_queue"
_CERTIFICATES = "_RTCPeerConnection__certificates"

# aiortc's own four ECDSA suites first (what browsers pick), then ECDHE-RSA ones. Kept
# short: a long list fragments the ClientHello, which mbedTLS peers (OBS) cannot take.
DTLS_CIPHERS = (
    b"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
    b"ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:"
    b"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"
    b"ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA"
)


class FrameSink(Protocol):
    def on_frame(self, codec: RTCRtpCodecParameters, data: bytes, timestamp: int) -> None:
        """Take one complete encoded frame (timestamp in the codec clock, from 0)."""

    def on_end(self) -> None:
        """The receiver stopped: no more frames will come."""


class FrameTap(queue.Queue[Any]):
    """Stands in for the receiver's decoder queue and diverts frames to a sink."""

    def __init__(self, sink: FrameSink) -> None:
        super().__init__()
        self._sink = sink
        self._ended = False

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if item is None:
            # Let the idle decoder thread exit; it then ends the remote track.
            super().put(None, block, timeout)
            if not self._ended:
                self._ended = True
                self._sink.on_end()
            return
        codec, encoded_frame = item
        self._sink.on_frame(codec, encoded_frame.data, encoded_frame.timestamp)


def tap_receiver(receiver: RTCRtpReceiver, sink: FrameSink) -> None:
    """Divert a not-yet-started receiver's encoded frames to ``sink`` instead of decoding."""
    if not isinstance(getattr(receiver, _DECODER_QUEUE, None), queue.Queue):
        raise RuntimeError("this aiortc version has no receiver decoder queue to tap")
    setattr(receiver, _DECODER_QUEUE, FrameTap(sink))


async def request_keyframe(receiver: RTCRtpReceiver) -> None:
    """Send a Picture Loss Indication for every stream the receiver currently hears."""
    for source in receiver.getSynchronizationSources():
        await receiver._send_rtcp_pli(source.source)


def redirect_keyframe_requests(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call ``callback`` when the viewer behind ``sender`` asks for a keyframe."""
    sender._send_keyframe = callback  # type: ignore[method-assign]


class _WideCipherCertificate(RTCCertificate):
    def _create_ssl_context(self, srtp_profiles: list[SRTPProtectionProfile]) -> SSL.Context:
        context = super()._create_ssl_context(srtp_profiles)
        context.set_cipher_list(DTLS_CIPHERS)
        return context


def widen_dtls_ciphers(pc: RTCPeerConnection) -> None:
    """Let ``pc`` (not yet negotiated) handshake with DTLS servers holding RSA certificates."""
    certificates = getattr(pc, _CERTIFICATES, None)
    if not isinstance(certificates, list) or len(certificates) != 1:
        raise RuntimeError("this aiortc version keeps no certificate list to widen")
    current = certificates[0]
    setattr(pc, _CERTIFICATES, [_WideCipherCertificate(key=current._key, cert=current._cert)])
