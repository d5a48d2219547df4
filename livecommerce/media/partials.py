"""The live edge of a recording: fMP4 fragments grouped into LL-HLS parts and segments.

Every fragment the muxer writes is a partial segment; a segment is the run of parts from
one keyframe-led part to the next one at least most of ``segment_seconds`` later, so a
segment's bytes are exactly its parts' bytes one after the other. The parts of the last
few segments stay in memory for the live playlist; segments go to the blob store.

A blocking playlist reload (RFC 8216bis 6.2.5.2) waits here for a part to be published.
A part counts as published once it is here; a segment once the recorder has stored it,
so a playlist never names a segment that a reader cannot fetch yet.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass

from livecommerce.media.fmp4 import Fragment
from livecommerce.media.hls import PartEntry

# A segment ends at a keyframe this much of ``segment_seconds`` after it began: keyframes
# come on the recorder's requests, one per ``segment_seconds``, give or take jitter.
_SEGMENT_FILL = 0.75
ADVANCE_PART_LIMIT = 3  # RFC 8216bis: a request further ahead than this is refused
# Segments whose parts are listed (besides the one in progress), and served: a few more
# than listed, for players that read a playlist just before it moved on.
LISTED_SEGMENTS = 2
KEPT_SEGMENTS = 4


@dataclass(frozen=True, slots=True)
class Part(PartEntry):
    data: bytes


@dataclass(frozen=True, slots=True)
class Segment:
    """A complete segment: its parts' bytes concatenated."""

    sequence: int
    data: bytes
    start: float
    duration: float


class TooFarAhead(ValueError):
    """A blocking reload asked for a part further ahead than the spec lets a server wait."""


class LiveEdge:
    """Groups fragments into segments and keeps the recent parts; wakes blocked readers."""

    def __init__(self, *, segment_seconds: float, part_target: float) -> None:
        self.segment_seconds = segment_seconds
        self.part_target = part_target
        self.parts: OrderedDict[int, list[Part]] = OrderedDict()  # by segment sequence
        self.stored = 0  # the last sequence the recorder has stored
        self.ended = False
        self._open: list[Fragment] = []
        self._sequence = 1  # of the open segment
        self._changed = asyncio.Event()

    # --- the recorder's side ------------------------------------------------------
    def add(self, fragment: Fragment) -> Segment | None:
        """Take one fragment as the next part; return the segment it closed, if any."""
        done = None
        if fragment.independent and self._open and self._long_enough():
            done = self._close_open()
        if not self._open and not fragment.independent:
            return done  # a segment starts on a keyframe (only the very first can lack one)
        self._open.append(fragment)
        part = Part(fragment.duration, fragment.independent, fragment.data)
        self.parts.setdefault(self._sequence, []).append(part)
        self._trim()
        self._wake()
        return done

    def close(self) -> Segment | None:
        """The last, partial segment of a show that ended."""
        return self._close_open() if self._open else None

    def mark_stored(self, sequence: int) -> None:
        self.stored = max(self.stored, sequence)
        self._wake()

    def end(self) -> None:
        self.ended = True
        self._wake()

    def _long_enough(self) -> bool:
        return sum(f.duration for f in self._open) >= _SEGMENT_FILL * self.segment_seconds

    def _close_open(self) -> Segment:
        fragments, self._open = self._open, []
        data = b"".join(f.data for f in fragments)
        duration = sum(f.duration for f in fragments)
        segment = Segment(self._sequence, data, fragments[0].start, duration)
        self._sequence += 1
        return segment

    def _trim(self) -> None:
        while len(self.parts) > KEPT_SEGMENTS + 1:
            self.parts.popitem(last=False)

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # --- the readers' side --------------------------------------------------------
    def listed_parts(self) -> dict[int, list[Part]]:
        """The parts a playlist lists now: of the last stored segments and the one after."""
        first = self.stored - LISTED_SEGMENTS + 1
        return {seq: parts for seq, parts in self.parts.items() if first <= seq <= self.stored + 1}

    def next_part(self) -> tuple[int, int]:
        """(sequence, index) of the part to come after the last one listed."""
        sequence = self.stored + 1
        return sequence, len(self.parts.get(sequence, ()))

    def part(self, sequence: int, index: int) -> Part | None:
        parts = self.parts.get(sequence, []) if sequence <= self.stored + 1 else []
        return parts[index] if 0 <= index < len(parts) else None

    def has(self, msn: int, part: int | None) -> bool:
        """Whether a playlist now holds segment ``msn`` (or its part ``part``) or later."""
        if self.ended:
            return True
        if msn <= self.stored:
            return part is None or self._past(msn, part)
        if msn > self.stored + 1 or part is None:
            return False
        return len(self.parts.get(msn, ())) > part

    def _past(self, msn: int, part: int) -> bool:
        # One past a stored segment's last part means the next segment's first part
        # (RFC 8216bis 6.2.5.2).
        parts = self.parts.get(msn)
        if parts is None or part < len(parts):
            return True
        return self.has(msn + 1, 0)

    def check_ahead(self, msn: int, part: int | None) -> None:
        """Refuse a request the spec lets a server answer 400 at once: a segment more
        than two past the last complete one, a part more than three past the last."""
        sequence, index = self.next_part()
        if msn > sequence + 1:
            raise TooFarAhead(f"segment {msn} is more than two past {sequence - 1}")
        if part is None or msn < sequence:
            return
        ahead = part - index + 1 if msn == sequence else part + 1
        if ahead > ADVANCE_PART_LIMIT:
            raise TooFarAhead(f"part {part} of segment {msn} is too far ahead")

    async def wait_for(self, msn: int, part: int | None) -> None:
        """Return once ``has(msn, part)`` (callers bound the wait); TooFarAhead at once
        for a request too far ahead."""
        self.check_ahead(msn, part)
        while not self.has(msn, part):
            await self._changed.wait()
