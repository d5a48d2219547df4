"""Lip sync without the sender's clock: each track's RTP timestamps mapped to arrival time.

Audio and video RTP clocks start at unrelated values, so the recorder places the first
audio packet by when it arrived relative to the first video frame. Each track's mapping
is its least-delayed frame seen so far (network jitter only ever adds delay), less the
time aiortc's jitter buffer holds that kind of frame before handing it on.
"""

from __future__ import annotations

# aiortc hands an audio frame on once 4 later frames (20 ms each) have arrived, and a
# video frame once the next frame's first packet has.
AUDIO_HELD = 4 * 0.020
VIDEO_HELD = 1 / 30


class ArrivalClock:
    """One track's RTP timestamps on the event loop's clock (seconds)."""

    def __init__(self, clock_rate: int, held: float) -> None:
        self._rate = clock_rate
        self._held = held
        self._offset = float("inf")

    @property
    def known(self) -> bool:
        return self._offset != float("inf")

    def note(self, timestamp: int, arrived: float) -> None:
        self._offset = min(self._offset, arrived - self._held - timestamp / self._rate)

    def time_of(self, timestamp: int) -> float:
        return timestamp / self._rate + self._offset
