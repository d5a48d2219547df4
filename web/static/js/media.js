// WebRTC video through WHIP (host publishes) and WHEP (viewers watch): an SDP offer is
// POSTed as application/sdp; the 201 answer carries the SDP and a Location to DELETE later.

import { ApiError, csrfToken } from "./api.js";

const ICE_GATHER_MS = 2000;

function iceGathered(pc) {
  // Non-trickle WHIP/WHEP: send the offer once candidates are in (or after a short wait).
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { if (pc.iceGatheringState === "complete") finish(); };
    const finish = () => { pc.removeEventListener("icegatheringstatechange", done); resolve(); };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(finish, ICE_GATHER_MS);
  });
}

async function negotiate(pc, url) {
  await pc.setLocalDescription(await pc.createOffer());
  await iceGathered(pc);
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/sdp", "X-CSRF-Token": csrfToken() },
    body: pc.localDescription.sdp,
  });
  if (response.status !== 201 && response.status !== 200) {
    // The code is what the page translates; the message stays for the console.
    let code = "error";
    let message = `${response.status}`;
    try { ({ code, message } = (await response.json()).error); } catch { /* not JSON */ }
    throw new ApiError(response.status, code, message);
  }
  const location = response.headers.get("Location");
  await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
  return location ? new URL(location, response.url).toString() : null;
}

function session(pc, resource, stream = null) {
  return {
    pc,
    stream,
    async close() {
      pc.close();
      if (resource) {
        await fetch(resource, { method: "DELETE", credentials: "same-origin",
          headers: { "X-CSRF-Token": csrfToken() } }).catch(() => {});
      }
    },
  };
}

/** Watch the room's video (WHEP). Resolves to {pc, stream, close()}; the caller puts
 * `stream` in its <video>, so a session it no longer wants never takes the picture. */
export async function watch(roomId) {
  const pc = new RTCPeerConnection();
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  const stream = new MediaStream();
  pc.addEventListener("track", (event) => stream.addTrack(event.track));
  try {
    return session(pc, await negotiate(pc, `/api/rooms/${roomId}/whep`), stream);
  } catch (err) {
    pc.close();
    throw err;
  }
}

/** Publish `stream` (camera) to the room (WHIP). Resolves to {pc, close()}.
 * `takeover` replaces a publish that holds the room (the server answers 409
 * already_publishing without it). */
export async function publish(roomId, stream, { takeover = false } = {}) {
  const pc = new RTCPeerConnection();
  for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
  try {
    return session(pc, await negotiate(pc, `/api/rooms/${roomId}/whip${takeover ? "?takeover=true" : ""}`));
  } catch (err) {
    pc.close();
    throw err;
  }
}

/** Mark the video as playing (CSS shows it) once frames arrive. */
export function trackPlaying(video, onChange) {
  const update = () => onChange(!video.paused && video.readyState >= 2 && video.videoWidth > 0);
  for (const name of ["playing", "loadeddata", "pause", "emptied", "resize"]) video.addEventListener(name, update);
  return update;
}
