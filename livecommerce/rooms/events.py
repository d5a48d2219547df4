"""Events of rooms: lifecycle, the pinned card, the stream, chat and moderation."""

from __future__ import annotations

from livecommerce.events.base import RoomEvent
from livecommerce.events.delivery import Audience, Delivery
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
