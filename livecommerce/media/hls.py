"""HLS playlists (RFC 8216, version 7: fMP4 with EXT-X-MAP) for a recording's segments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

LIVE_WINDOW = 6  # segments in the live playlist: ~12 s, hls.js starts 3 from the end


@dataclass(frozen=True, slots=True)
class SegmentEntry:
    sequence: int  # from 1; also the number in the segment's name
    start: float  # seconds from media time 0
    duration: float


def segment_name(sequence: int) -> str:
    return f"seg_{sequence:05d}.m4s"


def part_name(sequence: int, index: int) -> str:
    return f"part_{sequence:05d}_{index}.m4s"


@dataclass(frozen=True, slots=True)
class PartEntry:
    duration: float
    independent: bool


@dataclass(frozen=True, slots=True)
class LowLatency:
    """What an LL-HLS playlist adds: the recent segments' parts and the next part's hint."""

    part_target: float
    parts: Mapping[int, Sequence[PartEntry]]
    """By the parent segment's sequence; the one after the last segment is in progress."""
    prefix: str
    """Before every part's name."""
    next_part: tuple[int, int]
    """(sequence, index) of the part to come, for EXT-X-PRELOAD-HINT."""


# Players start this many part targets behind the live edge: more means fewer stalls
# when a part comes late, fewer a picture nearer live (RFC 8216bis asks for at least 2).
PART_HOLD_BACK = 3


INIT_NAME = "init.mp4"
PLAYLIST_NAME = "index.m3u8"
MASTER_NAME = "master.m3u8"


def master_playlist(
    *, codecs: str, resolution: tuple[int, int], bandwidth: int, uri: str = PLAYLIST_NAME
) -> str:
    """A multivariant playlist naming the one media playlist, with its CODECS.

    Players that check CODECS before loading (Safari, AVPlayer) learn from it that
    there is AAC audio beside the H.264 video.
    """
    width, height = resolution
    return (
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        f'#EXT-X-STREAM-INF:BANDWIDTH={max(bandwidth, 1)},CODECS="{codecs}",'
        f"RESOLUTION={width}x{height}\n{uri}\n"
    )


def playlist(
    segments: Sequence[SegmentEntry],
    *,
    origin: datetime,
    ended: bool,
    prefix: str = "",
    live: bool = False,
    low_latency: LowLatency | None = None,
) -> str:
    """A media playlist of ``segments``; ``prefix`` goes before every URI.

    The recording's own playlist is an EVENT playlist (every segment, ENDLIST once
    ended); the live one is a sliding window of the last ``LIVE_WINDOW`` segments.
    ``low_latency`` adds the parts of its last segments and of the one in progress.
    """
    shown = list(segments[-LIVE_WINDOW:] if live else segments)
    # RFC 8216 4.3.3.1: each EXTINF rounded to the nearest integer is at most the target.
    # Segments end on the first keyframe after their length, a frame or two past it; a
    # ceiling would make a 2.03 s segment's target 3 and plain HLS players sit 9 s back.
    target = max((max(round(s.duration), 1) for s in shown), default=2)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{target}",
        f"#EXT-X-MEDIA-SEQUENCE:{shown[0].sequence if shown else 1}",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    if not live:
        lines.append("#EXT-X-PLAYLIST-TYPE:EVENT")
    if low_latency is not None:
        lines += _server_control(low_latency.part_target)
    lines.append(f'#EXT-X-MAP:URI="{prefix}{INIT_NAME}"')
    for segment in shown:
        when = origin + timedelta(seconds=segment.start)
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_iso(when)}")
        if low_latency is not None:
            lines += _parts(low_latency, segment.sequence)
        lines.append(f"#EXTINF:{segment.duration:.3f},")
        lines.append(prefix + segment_name(segment.sequence))
    if low_latency is not None and not ended:
        sequence, index = low_latency.next_part
        if index and shown:
            # The segment in progress starts where the last one ended; its date lets
            # players (and parsers) place its parts like any segment.
            when = origin + timedelta(seconds=shown[-1].start + shown[-1].duration)
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_iso(when)}")
        lines += _parts(low_latency, sequence)
        hint = low_latency.prefix + part_name(sequence, index)
        lines.append(f'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="{hint}"')
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def _server_control(part_target: float) -> list[str]:
    hold_back = PART_HOLD_BACK * part_target
    return [
        f"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK={hold_back:.3f}",
        f"#EXT-X-PART-INF:PART-TARGET={part_target:.3f}",
    ]


def _parts(low_latency: LowLatency, sequence: int) -> list[str]:
    lines = []
    for index, part in enumerate(low_latency.parts.get(sequence, ())):
        uri = low_latency.prefix + part_name(sequence, index)
        independent = ",INDEPENDENT=YES" if part.independent else ""
        lines.append(f'#EXT-X-PART:DURATION={part.duration:.3f},URI="{uri}"{independent}')
    return lines


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def with_dateranges(text: str, dateranges: Sequence[str]) -> str:
    """``text`` with EXT-X-DATERANGE lines (pins, deals) before its first EXTINF.

    That is after the first EXT-X-PROGRAM-DATE-TIME (RFC 8216 requires one in any playlist
    with dateranges, so players map their START-DATE to media time) and after the first
    segment's parts, so parsers that file tags under what follows them (the ``m3u8``
    package) put the spans on a segment, not on a part.
    """
    if not dateranges or "#EXT-X-PROGRAM-DATE-TIME:" not in text or "#EXTINF:" not in text:
        return text
    head, marker, tail = text.partition("#EXTINF:")
    return head + "".join(line + "\n" for line in dateranges) + marker + tail
