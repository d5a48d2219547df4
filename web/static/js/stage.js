// What the viewer room and the host studio share: status, counters, the video player
// lifecycle, drawers and the connection banner.

import { countdown } from "./countdown.js";
import { compactNumber, t } from "./i18n.js";
import { watchHls } from "./hls-player.js";
import { trackPlaying, watch } from "./media.js";

const $ = (id) => document.getElementById(id);

export function renderStatus(state) {
  const stage = document.querySelector(".stage");
  stage.dataset.status = state.status;
  const badge = $("room-status-badge");
  badge.className = `badge badge-${state.status}`;
  badge.textContent = t(`room.${state.status}`);
  const text = { live: $("stage-status-text").dataset.liveText, scheduled: "", ended: t("room.ended_text") }[state.status] ?? "";
  $("stage-status-text").textContent = text;
  $("stage-status-text").hidden = !text;
  const clock = $("stage-countdown");
  clock.hidden = state.status !== "scheduled";
  if (!clock.hidden) {
    const value = clock.querySelector("[data-countdown-to]");
    countdown(value, value.dataset.countdownTo, value.dataset.countdownDone);
  }
}

export function renderViewers(state) {
  for (const id of ["viewer-count", "chat-viewers", "num-viewers"]) {
    const node = $(id);
    if (node) node.textContent = compactNumber(state.viewers);
  }
}

export function connectionStatus(status, detail = {}) {
  const banner = $("connection-banner");
  if (!banner) return;
  banner.hidden = status === "open";
  if (status === "closed") banner.textContent = detail.reason ? `⚠ ${detail.reason}` : "⚠";
  else banner.textContent = status === "reconnecting" ? t("room.reconnecting") : t("room.connecting");
}

/** Drawers (shelf, buy sheet) over a scrim; Escape or the scrim closes them. */
export function drawers(onClose = () => {}) {
  const scrim = $("scrim");
  const all = () => document.querySelectorAll(".drawer");
  const closeAll = () => {
    for (const drawer of all()) drawer.hidden = true;
    scrim.hidden = true;
    onClose();
  };
  scrim.addEventListener("click", closeAll);
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeAll(); });
  for (const button of document.querySelectorAll(".drawer [data-close]")) button.addEventListener("click", closeAll);
  return {
    scrim,
    open(drawer) {
      for (const other of all()) other.hidden = other !== drawer;
      drawer.hidden = false;
      scrim.hidden = false;
    },
    closeAll,
  };
}

/**
 * Keep the viewer's <video> on the room's WHEP stream while the room is live.
 * `update(status)` follows the room; `streamStarted()` / `streamEnded()` follow the
 * server's stream.started / stream.ended events, so the picture comes up as soon as the
 * host publishes. Between them a failed attempt is retried with a slow backoff, in case
 * an event was missed while the socket was reconnecting.
 *
 * WebRTC first; when the node is full (WHEP 503) or the page has `?hls=1`, the same
 * attempt plays the room's live HLS playlist instead (a few seconds behind).
 */
export function videoPlayer(roomId, video) {
  const playing = trackPlaying(video, (on) => {
    video.classList.toggle("playing", on);
    $("stage-placeholder").hidden = on;
    $("unmute").hidden = !on || !video.muted;
  });
  let current = null;
  // One negotiation at a time: the page asks for the stream from several places at
  // start (first draw, snapshot, stream.started) while the first offer is still out.
  let negotiating = false;
  // Bumped by stop(): a negotiation that finishes after it is stale and hung up.
  let generation = 0;
  let wanted = false;
  let delay = 2000;
  let timer = null;
  const preferHls = new URLSearchParams(window.location.search).get("hls") === "1";

  async function attempt() {
    if (!wanted || current || negotiating) return;
    clearTimeout(timer);
    negotiating = true;
    const mine = generation;
    let session;
    try {
      session = await open(mine);
    } catch {
      if (mine !== generation) return;
      negotiating = false;
      timer = setTimeout(attempt, delay);
      delay = Math.min(delay * 2, 15000);
      return;
    }
    if (mine !== generation) {
      session.close();
      return;
    }
    negotiating = false;
    if (!wanted) {
      session.close();
      return;
    }
    current = session;
    delay = 2000;
    if (session.pc) {
      video.srcObject = session.stream;
      session.pc.addEventListener("connectionstatechange", () => {
        if (current === session && ["failed", "closed", "disconnected"].includes(session.pc.connectionState)) stop(true);
      });
    } else {
      session.onFailed(() => { if (current === session) stop(true); });
    }
    video.dataset.transport = session.pc ? "webrtc" : "hls";
    await video.play().catch(() => {});
  }

  // WebRTC, or HLS when asked for or when the node has no room for another peer.
  async function open(mine) {
    if (!preferHls) {
      try {
        return await watch(roomId);
      } catch (err) {
        if (err?.status !== 503 || mine !== generation) throw err;
      }
    }
    video.srcObject = null;
    return await watchHls(roomId, video);
  }

  function stop(retry = false) {
    generation += 1;
    negotiating = false;
    clearTimeout(timer);
    current?.close();
    current = null;
    video.srcObject = null;
    delete video.dataset.transport;
    playing();
    if (retry && wanted) timer = setTimeout(attempt, delay);
  }

  $("unmute").addEventListener("click", () => { video.muted = false; $("unmute").hidden = true; });
  return {
    /** The wall time the HLS picture shows now (EXT-X-PROGRAM-DATE-TIME); null on WebRTC. */
    playingDate() {
      if (!current || current.pc) return null;
      const date = current.hls ? current.hls.playingDate : video.getStartDate?.();
      if (!date || Number.isNaN(date.getTime())) return null;
      return current.hls ? date : new Date(date.getTime() + video.currentTime * 1000);
    },
    update(status) {
      wanted = status === "live";
      if (wanted) attempt();
      else stop();
    },
    streamStarted() {
      if (!wanted) return;
      stop();
      delay = 2000;
      attempt();
    },
    streamEnded() {
      stop();
      delay = 15000;
      if (wanted) timer = setTimeout(attempt, delay);
    },
  };
}
