"""HLS playlists (RFC 8216, version 7: fMP4 with EXT-X-MAP) for a recording's segments."""

from __future__ import annotations

import math
from collections.abc import Sequence
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


INIT_NAME = "init.mp4"
PLAYLIST_NAME = "index.m3u8"
MASTER_NAME = "master.m3u8"


def master_playlist(*, codecs: str, resolution: tuple[int, int], bandwidth: int) -> str:
    """A multivariant playlist naming the one media playlist, with its CODECS.

    Players that check CODECS before loading (Safari, AVPlayer) learn from it that
    there is AAC audio beside the H.264 video.
    """
    width, height = resolution
    return (
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        f'#EXT-X-STREAM-INF:BANDWIDTH={max(bandwidth, 1)},CODECS="{codecs}",'
        f"RESOLUTION={width}x{height}\n{PLAYLIST_NAME}\n"
    )


def playlist(
    segments: Sequence[SegmentEntry],
    *,
    origin: datetime,
    ended: bool,
    prefix: str = "",
    live: bool = False,
) -> str:
    """A media playlist of ``segments``; ``prefix`` goes before every URI.

    The recording's own playlist is an EVENT playlist (every segment, ENDLIST once
    ended); the live one is a sliding window of the last ``LIVE_WINDOW`` segments.
    """
    shown = list(segments[-LIVE_WINDOW:] if live else segments)
    target = max((math.ceil(s.duration) for s in shown), default=2)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{target}",
        f"#EXT-X-MEDIA-SEQUENCE:{shown[0].sequence if shown else 1}",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    if not live:
        lines.append("#EXT-X-PLAYLIST-TYPE:EVENT")
    lines.append(f'#EXT-X-MAP:URI="{prefix}{INIT_NAME}"')
    for segment in shown:
        when = origin + timedelta(seconds=segment.start)
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_iso(when)}")
        lines.append(f"#EXTINF:{segment.duration:.3f},")
        lines.append(prefix + segment_name(segment.sequence))
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def with_dateranges(text: str, dateranges: Sequence[str]) -> str:
    """``text`` with EXT-X-DATERANGE lines (pins, deals) before its first segment.

    They go after the first EXT-X-PROGRAM-DATE-TIME is known to follow (RFC 8216 requires
    one in any playlist with dateranges), so players map their START-DATE to media time.
    """
    if not dateranges or "#EXT-X-PROGRAM-DATE-TIME:" not in text:
        return text
    head, marker, tail = text.partition("#EXT-X-PROGRAM-DATE-TIME:")
    return head + "".join(line + "\n" for line in dateranges) + marker + tail
