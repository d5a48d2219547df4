"""Events of rooms: lifecycle, the pinned card, the stream, chat and moderation."""

from __future__ import annotations

from livecommerce.events.base import RoomEvent
from livecommerce.events.delivery import Audience, Clock, Delivery
from livecommerce.events.shapes import ChatAuthor, ProductCard, UserRef


class RoomStarted(RoomEvent):
    """The host went live."""

    type = "room.started"
    durable = True
    started_at: str


class RoomEnded(RoomEvent):
    """The show is over; its deals have ended or been cancelled with it."""

    type = "room.ended"
    durable = True
    ended_at: str

    def clock(self) -> Clock:
        return Clock(None)


class ProductPinned(RoomEvent):
    """The host is explaining this product now (讲解卡)."""

    type = "product.pinned"
    durable = True
    product: ProductCard


class ProductUnpinned(RoomEvent):
    """No product is being explained now."""

    type = "product.unpinned"
    durable = True


class StreamStarted(RoomEvent):
    """The host's video is up: players (re)connect now instead of polling."""

    type = "stream.started"


class RecordingStarted(RoomEvent):
    """The stream is being recorded (and served as HLS): the media clock starts.

    ``media_origin`` is the wall time of media time 0 (the recording's first frame);
    from this event on, every event's ``media_t`` counts from it, the recording's
    ``currentTime`` is that media time, and its EXT-X-PROGRAM-DATE-TIME is
    ``media_origin + media time``."""

    type = "recording.started"
    recording_id: str
    media_origin: str

    def clock(self) -> Clock:
        return Clock(self.media_origin)


class RecordingEnded(RoomEvent):
    """The recording stopped (the host's publish ended): the media clock stops."""

    type = "recording.ended"
    recording_id: str

    def clock(self) -> Clock:
        return Clock(None)


class StreamEnded(RoomEvent):
    """The host's video stopped; players show the waiting card."""

    type = "stream.ended"


class ChatPosted(RoomEvent):
    """A chat message (弹幕); viewers may get a sample of them under load."""

    type = "chat.posted"
    delivery = Delivery.SAMPLED
    id: int
    user: ChatAuthor
    body: str
    at: str


class ChatDeleted(RoomEvent):
    """A moderator hid a message; clients remove it."""

    type = "chat.deleted"
    id: int


class UserMuted(RoomEvent):
    """The user may watch but not chat until ``until`` (null: the rest of the show)."""

    type = "moderation.muted"
    user: UserRef
    until: str | None


class UserBanned(RoomEvent):
    """The user's open sockets in the room are closed (4403) as the event passes."""

    type = "moderation.banned"
    user: UserRef
    until: str | None

    def audience(self) -> Audience:
        return Audience(self.user["id"], banned=True)


class RestrictionLifted(RoomEvent):
    """The user's mute or ban was lifted."""

    type = "moderation.lifted"
    user: UserRef


class SlowModeChanged(RoomEvent):
    """Each viewer may chat once per ``seconds`` (0: off)."""

    type = "moderation.slow_mode_changed"
    seconds: int


class BlockedWordsChanged(RoomEvent):
    """How many words the room blocks now; never which (that would advertise them)."""

    type = "moderation.blocked_words_changed"
    count: int


class ModeratorAdded(RoomEvent):
    """The user's open sockets switch to full chat at once."""

    type = "moderation.moderator_added"
    user: UserRef
    privileged: bool

    def audience(self) -> Audience:
        return Audience(self.user["id"], privileged=self.privileged)


class ModeratorRemoved(RoomEvent):
    """The user's open sockets go back to the viewers' sample, unless they run the room."""

    type = "moderation.moderator_removed"
    user: UserRef
    privileged: bool

    def audience(self) -> Audience:
        return Audience(self.user["id"], privileged=self.privileged)


class ShelfChanged(RoomEvent):
    """The merchant changed the show's shelf (小黄车): the whole shelf, in order."""

    type = "shelf.changed"
    durable = True
    shelf: list[ProductCard]
