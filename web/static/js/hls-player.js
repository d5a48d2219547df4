// HLS playback with hls.js (vendored, loaded only when needed): the live tier beyond the
// media node's WebRTC cap, and the replay page. Safari plays HLS natively instead.
// Live streams are low-latency HLS (parts, blocking playlist reload): hls.js then plays
// PART-HOLD-BACK (about 1.5 s) behind the live edge instead of three whole segments.

import { ApiError } from "./api.js";

const HLS_TYPE = "application/vnd.apple.mpegurl";
const players = new WeakMap();

/** The hls.js instance playing in `video`, if any (its `latency`, `playingDate`). */
export function hlsOf(video) {
  return players.get(video) ?? null;
}

/** Play the HLS playlist at `url` in `video`. Resolves to {close(), onFailed(cb)} once the
 * playlist answers; rejects with ApiError when it does not (no live HLS stream).
 * `lowLatency: false` plays whole segments only, as a player without LL-HLS would. */
export async function playHls(video, url, { lowLatency = true } = {}) {
  const probe = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  if (!probe.ok) throw new ApiError(probe.status, "not_found", `HLS playlist ${probe.status}`);
  const source = probe.url; // after any redirect to the node that holds the stream
  const { default: Hls } = await import("../vendor/hls.js/hls.light.min.mjs");
  let failed = () => {};
  let hls = null;
  if (Hls.isSupported()) {
    // No liveSyncDuration(Count) here: setting either makes hls.js ignore the playlist's
    // PART-HOLD-BACK. Its defaults play 3 target durations behind plain HLS.
    hls = new Hls({
      lowLatencyMode: lowLatency,
      // Back to the target latency after a stall, a little faster than real time.
      maxLiveSyncPlaybackRate: lowLatency ? 1.1 : 1,
      enableWorker: true,
    });
    hls.on(Hls.Events.ERROR, (_event, data) => { if (data.fatal) failed(); });
    hls.loadSource(source);
    hls.attachMedia(video);
    players.set(video, hls);
    if (lowLatency) video.addEventListener("playing", () => keepLive(hls, video));
  } else if (video.canPlayType(HLS_TYPE)) {
    video.src = source;
    video.addEventListener("error", () => failed(), { once: true });
  } else {
    throw new ApiError(0, "error", "this browser plays no HLS");
  }
  return {
    hls,
    onFailed(callback) { failed = callback; },
    close() {
      failed = () => {};
      players.delete(video);
      hls?.destroy();
      video.removeAttribute("src");
      video.load();
    },
  };
}

// hls.js speeds playback up to reach its target latency only when within one target
// duration of it; a slow start (or a long stall) leaves the picture further behind for
// good. Then it jumps to the live sync point instead: a skip beats staying seconds late.
const LIVE_SLACK = 2;

function keepLive(hls, video) {
  const target = hls.targetLatency, sync = hls.liveSyncPosition;
  if (target !== null && sync !== null && hls.latency > target + LIVE_SLACK) {
    video.currentTime = sync;
  }
}

/** The room's live HLS stream in `video` (see playHls), from its multivariant playlist,
 * whose CODECS tell players that check them (Safari) there is AAC beside the H.264. */
export function watchHls(roomId, video) {
  return playHls(video, `/media/hls/${roomId}/master.m3u8`);
}
