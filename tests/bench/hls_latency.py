"""Glass-to-glass latency of HLS viewers (issue 20): plain HLS against LL-HLS.

Not a test. A real ``livecommerce serve`` (embedded shape, temporary SQLite and media
directory) takes an aiortc host publishing the H.264 test pattern, whose picture shows
the UTC clock of the moment each frame was drawn. Chromium plays the room's HLS with the
page's own hls.js player (``hls-player.js``), once as LL-HLS and once as plain HLS, in
pages side by side. For every frame Chromium presents (``requestVideoFrameCallback``)
the page reads the seven-segment clock from the decoded picture; the first frame showing
a new second was drawn within a frame of that second starting, so its presentation time
minus that second is one latency sample (one per second of video)::

    cd /work/wt-llhls && PYTHONPATH=$PWD /work/main/.venv/bin/python -m tests.bench.hls_latency \\
        --seconds 30 --runs 3

Prints one JSON line per run and mode, and the medians over runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import Error as PlaywrightError

from livecommerce.media.client import MediaSession, whip_publish
from livecommerce.media.testpattern import PatternVideoTrack, ToneAudioTrack
from tests import servers
from tests.servers import Server, start_server
from tests.web.conftest import CHROMIUM_ARGS
from tests.web.test_browser_room import make_show

CHROMIUM = "/usr/bin/chromium"

# The clock as testpattern.py and canvas.py draw it: "HH:MM:SS" at (8, 8), each digit a
# 5x9-unit seven-segment cell with 2-unit gaps, a unit being height // 60 pixels.
WATCH = """
async ([url, lowLatency]) => {
  const { playHls, hlsOf } = await import("/static/js/hls-player.js");
  const video = document.createElement("video");
  video.muted = true; video.autoplay = true; video.playsInline = true;
  // On screen and started by play(): Chromium pauses muted autoplay video out of view.
  video.style.cssText = "position:fixed;left:0;top:0;width:320px;z-index:9999";
  document.body.append(video);
  await playHls(video, url, { lowLatency });
  video.play().catch(() => {});
  const canvas = document.createElement("canvas");
  const g = canvas.getContext("2d", { willReadFrequently: true });
  const DIGITS = {abcdef: 0, bc: 1, abdeg: 2, abcdg: 3, bcfg: 4, acdfg: 5, acdefg: 6,
                  abc: 7, abcdefg: 8, abcdfg: 9};
  const state = { samples: [], last: null, frames: 0, unread: 0, latency: [] };
  window.bench = state;
  function segments(s, w, h) {
    const mid = Math.floor(h / 2);
    return { a: [0, 0, w, s], g: [0, mid - Math.floor(s / 2), w, s], d: [0, h - s, w, s],
             f: [0, 0, s, mid], b: [w - s, 0, s, mid], e: [0, mid, s, h - mid],
             c: [w - s, mid, s, h - mid] };
  }
  function read() {
    const height = video.videoHeight, width = video.videoWidth;
    const s = Math.max(Math.floor(height / 60), 1);
    const w = 5 * s, h = 9 * s, gap = 2 * s;
    // Only the clock's band is copied out of the picture: cheap enough for every frame.
    const stride = Math.min(width, 8 + 10 * (w + gap) + 8), rows = 8 + h + 3 * gap;
    canvas.width = stride; canvas.height = rows;
    g.drawImage(video, 0, 0, stride, rows, 0, 0, stride, rows);
    const band = g.getImageData(0, 0, stride, rows).data;
    const lit = (x, y) => band[4 * (y * stride + x)] > 128;
    let left = 8 + gap, digits = [];
    const boxes = segments(s, w, h);
    for (let i = 0; i < 8; i++) {
      if (i === 2 || i === 5) { left += s + gap; continue; }
      let on = "";
      for (const name of "abcdefg") {
        const [x, y, bw, bh] = boxes[name];
        if (lit(left + x + Math.floor(bw / 2), 8 + gap + y + Math.floor(bh / 2))) on += name;
      }
      if (!(on in DIGITS)) return null;
      digits.push(DIGITS[on]);
      left += w + gap;
    }
    return (digits[0] * 10 + digits[1]) * 3600 + (digits[2] * 10 + digits[3]) * 60
      + digits[4] * 10 + digits[5];
  }
  function onFrame(now) {
    state.frames += 1;
    const shown = performance.timeOrigin + now;
    const second = read();
    if (second === null) { state.unread += 1; }
    else {
      if (state.last !== null && second === state.last + 1) {
        const day = Math.floor(shown / 86400000) * 86400000;
        state.samples.push((shown - (day + second * 1000)) / 1000);
        const hls = hlsOf(video);
        if (hls) state.latency.push(hls.latency);
      }
      state.last = second;
    }
    video.requestVideoFrameCallback(onFrame);
  }
  video.requestVideoFrameCallback(onFrame);
  return true;
}
""".strip()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def go_live(server: Server, width: int, height: int) -> tuple[int, MediaSession]:
    show = await make_show(server, live=True)
    room_id: int = show.room["id"]
    client = httpx.AsyncClient(timeout=30.0)
    tracks = [PatternVideoTrack(width, height), ToneAudioTrack()]
    whip = f"{server.url}/api/rooms/{room_id}/whip"
    host = await whip_publish(
        whip, show.host_token, tracks, client=client, video_codec="video/H264"
    )
    host.owns_client = True
    async with httpx.AsyncClient(base_url=server.url, timeout=30.0) as api:
        for _ in range(120):  # three segments out, within a minute
            if (await api.get(f"/media/hls/{room_id}/live.m3u8")).text.count("#EXTINF") >= 3:
                break
            await asyncio.sleep(0.5)
    return room_id, host


async def watch(browser: Browser, server: Server, url: str, low_latency: bool) -> Page:
    context = await browser.new_context(base_url=server.url)
    page = await context.new_page()
    await page.goto("/")
    await page.evaluate(WATCH, [url, low_latency])
    return page


async def one_run(browser: Browser, server: Server, room_id: int, seconds: float) -> None:
    """Each mode in turn (one player at a time, so they do not share the CPU)."""
    url = f"/media/hls/{room_id}/master.m3u8"
    for mode, low_latency in (("ll-hls", True), ("plain", False)):
        page = await watch(browser, server, url, low_latency)
        await asyncio.sleep(6.0)  # start-up: the player settles at its target latency
        await page.evaluate("() => { window.bench.samples = []; window.bench.latency = []; }")
        await asyncio.sleep(seconds)
        state: dict[str, Any] = await page.evaluate("() => window.bench")
        samples = state["samples"]
        row: dict[str, Any] = {"mode": mode, "samples": len(samples), "frames": state["frames"],
                               "unread": state["unread"]}  # fmt: skip
        if samples:
            row |= {
                "median_s": round(statistics.median(samples), 3),
                "p95_s": round(percentile(samples, 0.95), 3),
                "hlsjs_latency_s": round(statistics.median(state["latency"] or [0.0]), 3),
            }
        print(json.dumps(row), flush=True)
        RESULTS.setdefault(mode, []).append(row)
        await page.context.close()


RESULTS: dict[str, list[dict[str, Any]]] = {}


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {"LIVECOMMERCE_DATA_DIR": tmp, "LIVECOMMERCE_SECRET_KEY": "bench-" + "x" * 32,
               "LIVECOMMERCE_PAYMENTS_SANDBOX": "true",
               "LIVECOMMERCE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db",
               "LIVECOMMERCE_PASSWORD_HASH_MEMORY_KIB": "1024"}  # fmt: skip
        servers._wait_ready.__defaults__ = (120.0,)  # a loaded machine starts slowly
        server = start_server(env, Path(tmp), port=args.port)
        try:
            room_id, host = await go_live(server, args.width, args.height)
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
                for _ in range(args.runs):
                    try:
                        await one_run(browser, server, room_id, args.seconds)
                    except PlaywrightError as exc:  # the host's stream dropped, say
                        print(json.dumps({"run_failed": str(exc).splitlines()[0]}), flush=True)
                await browser.close()
            await host.close()
        finally:
            server.stop()
    for mode, rows in RESULTS.items():
        medians = [r["median_s"] for r in rows if "median_s" in r]
        p95s = [r["p95_s"] for r in rows if "p95_s" in r]
        if medians:
            print(json.dumps({"mode": mode, "runs": len(medians),
                              "median_of_medians_s": statistics.median(medians),
                              "median_of_p95_s": statistics.median(p95s)}))  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    asyncio.run(main(parser.parse_args()))
