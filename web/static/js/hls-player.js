// HLS playback with hls.js (vendored, loaded only when needed): the live tier beyond the
// media node's WebRTC cap, and the replay page. Safari plays HLS natively instead.

import { ApiError } from "./api.js";

const HLS_TYPE = "application/vnd.apple.mpegurl";

/** Play the HLS playlist at `url` in `video`. Resolves to {close(), onFailed(cb)} once the
 * playlist answers; rejects with ApiError when it does not (no live HLS stream). */
export async function playHls(video, url) {
  const probe = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  if (!probe.ok) throw new ApiError(probe.status, "not_found", `HLS playlist ${probe.status}`);
  const source = probe.url; // after any redirect to the node that holds the stream
  const { default: Hls } = await import("../vendor/hls.js/hls.light.min.mjs");
  let failed = () => {};
  let hls = null;
  if (Hls.isSupported()) {
    hls = new Hls({ liveSyncDurationCount: 3, enableWorker: true });
    hls.on(Hls.Events.ERROR, (_event, data) => { if (data.fatal) failed(); });
    hls.loadSource(source);
    hls.attachMedia(video);
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
      hls?.destroy();
      video.removeAttribute("src");
      video.load();
    },
  };
}

/** The room's live HLS stream in `video` (see playHls). */
export function watchHls(roomId, video) {
  return playHls(video, `/media/hls/${roomId}/live.m3u8`);
}
