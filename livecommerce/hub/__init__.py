"""Real-time fan-out of room events; knows nothing of FastAPI or SQLAlchemy.

Import rule: this package imports only ``livecommerce.storage.keys`` and
``livecommerce.errors``.
"""

from livecommerce.hub.event import Event
from livecommerce.hub.hub import Hub
from livecommerce.hub.outbox import CLOSE_GOING_AWAY, CLOSE_RESUME, Outbox, Sink
from livecommerce.hub.presence import PresenceStats

__all__ = ["CLOSE_GOING_AWAY", "CLOSE_RESUME", "Event", "Hub", "Outbox", "PresenceStats", "Sink"]
