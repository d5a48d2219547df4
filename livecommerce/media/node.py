"""What the rest of the application may ask of a media node.

Routes and the room lifecycle talk to this protocol only, so the built-in relay
(``livecommerce.media.relay.RelayNode``) can be swapped for an adapter in front of an
external SFU without touching them. Room ids are the database ids; SDP travels as text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from livecommerce.media.recording import Recorder

# Called with the room id when the host's stream ends for any reason other than the
# node shutting down (DELETE, connection failure, the host hanging up).
StreamEndedCallback = Callable[[int], Awaitable[None]]


@dataclass(slots=True)
class MediaStats:
    """Counters for /metrics; gauges are filled in by ``MediaNode.stats``."""

    publishers: int = 0
    viewers: int = 0
    publishes_total: int = 0
    watches_total: int = 0
    frames_received: int = 0
    frames_forwarded: int = 0
    bytes_forwarded: int = 0
    frames_skipped: int = 0
    keyframe_requests: int = 0
    peers_failed: int = 0
    peers_timed_out: int = 0


@dataclass(frozen=True, slots=True)
class RecordingStatus:
    """Whether a room's stream on this node is being recorded, and if not, why."""

    recording_id: str | None
    reason: str | None = None
    """Set when not recording: "codec_not_h264", "no_video", "recording_disabled",
    "not_recordable"."""


class MediaNode(Protocol):
    # Settable after construction, so the app can wire it to objects built later.
    on_stream_ended: StreamEndedCallback | None

    async def publish(
        self, room_id: int, offer_sdp: str, *, replace: bool = False, record: bool = True
    ) -> tuple[str, str]:
        """Accept the host's WHIP offer; return (resource id, answer SDP).

        Raises InvalidInput for an unusable offer, AlreadyPublishing if the room already
        has a publisher, unless ``replace`` (a takeover) ends that one first. ``record``
        False (a show marked not recordable) relays the stream without recording it.
        """

    async def end_room(self, room_id: int) -> bool:
        """The show ended: end the room's publish on this node, if it holds one."""

    async def unpublish(self, resource_id: str) -> None:
        """End a publish and every viewer of it. Raises NotFound for an unknown id."""

    async def watch(self, room_id: int, offer_sdp: str) -> tuple[str, str]:
        """Accept a viewer's WHEP offer; return (resource id, answer SDP).

        Raises InvalidInput for an unusable offer (including one that cannot receive the
        host's codec), NotFound when nothing is published in the room, Unavailable (with
        retry_after) when the node is at its viewer cap.
        """

    async def leave(self, resource_id: str) -> None:
        """End one viewer's session. Raises NotFound for an unknown id."""

    def room_of(self, resource_id: str) -> int | None:
        """The room a live resource belongs to, so routes can check the URL matches."""

    def is_publishing(self, room_id: int) -> bool:
        """Whether this node holds a publish for the room."""

    def stats(self) -> MediaStats:
        """A snapshot of the counters."""

    def recording_status(self, room_id: int) -> RecordingStatus | None:
        """The recording of the room's stream on this node; None if it holds none."""

    def live_playlist(self, room_id: int) -> str | None:
        """The live HLS playlist of the room, once a first segment is stored."""

    def live_recorder(self, room_id: int) -> Recorder | None:
        """The recorder of the room's live stream, once it has stored a first segment:
        its live edge answers LL-HLS part and blocking playlist requests."""

    async def close(self) -> None:
        """Close every peer connection; used at shutdown (no ended callbacks fire)."""
