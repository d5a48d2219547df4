from __future__ import annotations

import pathlib

from livecommerce.loadtest.media import run_load
from tests.servers import running


async def test_media_load_counts_relayed_frames(
    server_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    """Against a real node, every viewer joins and counts video and audio frames."""
    with running(server_env, tmp_path) as node:
        report = await run_load(node.url, viewers=3, duration=1.5, ramp=20)
    assert report["watching"] == 3
    assert report["errors"] == "none"
    assert report["baseline_host_video_fps"] > 0
    assert report["viewer_video_fps"]["min"] > 0
    assert report["viewer_audio_fps_p50"] > 0
    assert report["relayed_mbit_per_s"] > 0
