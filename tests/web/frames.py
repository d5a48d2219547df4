"""What a test reads off a playing <video>: its time, size and how light its frame is."""

from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import Page


def frame_probe(video_id: str) -> str:
    """A script for ``page.evaluate``: the video's currentTime, width, mean and max light
    of a 64x48 copy of its frame (black frames have a low max), and its transport."""
    return f"""
() => {{
  const video = document.getElementById("{video_id}");
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 48;
  const g = canvas.getContext("2d", {{willReadFrequently: true}});
  g.drawImage(video, 0, 0, canvas.width, canvas.height);
  const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
  let sum = 0, max = 0;
  for (let i = 0; i < d.length; i += 4) {{
    const light = (d[i] + d[i + 1] + d[i + 2]) / 3;
    sum += light; max = Math.max(max, light);
  }}
  return {{time: video.currentTime, width: video.videoWidth, mean: sum / (d.length / 4), max,
          transport: video.dataset.transport || null}};
}}
""".strip()


async def playing(page: Page, probe: str, *, seconds: float = 30) -> dict[str, Any]:
    """The probe's reading once the picture plays: its clock has moved on by a second
    since its first frame with a size. ``probe`` is a ``page.evaluate`` script that
    returns at least ``time`` and ``width``, such as :func:`frame_probe`'s."""
    first: dict[str, Any] | None = None
    async with asyncio.timeout(seconds):
        while True:
            found: dict[str, Any] = await page.evaluate(probe)
            if found["width"] and first is None and found["time"] > 0:
                first = found
            elif first is not None and found["time"] > first["time"] + 1:
                return found
            await asyncio.sleep(0.25)
