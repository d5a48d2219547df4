"""WHIP/WHEP signalling and the encoded-frame relay (aiortc).

Other packages use ``MediaNode`` (the interface) and build a ``RelayNode``.
"""

from livecommerce.media.node import MediaNode, MediaStats, StreamEndedCallback
from livecommerce.media.relay import RelayNode

__all__ = ["MediaNode", "MediaStats", "RelayNode", "StreamEndedCallback"]
