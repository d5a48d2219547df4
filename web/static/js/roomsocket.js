// The room's real-time connection: WS /ws/rooms/{id}?since=SEQ (DESIGN sections 5 and 14).
//
// Server frames carry one event {type, room, seq, at, data} or a JSON array of them.
// The socket remembers the highest seq it delivered and resumes with ?since=<seq> after
// a drop, so the server can replay what was missed (or send a fresh room.snapshot).
// Events at or below the last seq are duplicates from a replay and are skipped.

import { setServerTime, syncClock, toMs } from "./countdown.js";

// Aggregated counters and replies carry no meaningful seq; they are never deduplicated.
const UNSEQUENCED = new Set(["viewers.count", "likes.count", "time.synced", "error"]);
// Close codes after which reconnecting cannot help (routes/errors.py maps them).
const FATAL_CLOSES = new Set([4400, 4401, 4403, 4404]);
// 4008: this client fell behind (or the server missed events); resume right away with ?since=.
const RESUME_CLOSE = 4008;
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const TIME_SYNC_EVERY_MS = 60_000;

export class RoomSocket {
  /**
   * @param {number} roomId
   * @param {{onEvent: (event) => void, onStatus?: (status, detail) => void}} handlers
   *   status is "connecting" | "open" | "reconnecting" | "closed".
   */
  constructor(roomId, { onEvent, onStatus = () => {} }) {
    this.roomId = roomId;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.lastSeq = 0;
    this.ws = null;
    this.attempt = 0;
    this.stopped = false;
    this.retryTimer = null;
    this.syncTimer = null;
    this.queue = [];
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const since = this.lastSeq > 0 ? `?since=${this.lastSeq}` : "";
    return `${scheme}//${location.host}/ws/rooms/${this.roomId}${since}`;
  }

  connect() {
    this.stopped = false;
    clearTimeout(this.retryTimer);
    this.onStatus(this.attempt === 0 ? "connecting" : "reconnecting");
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.addEventListener("open", () => this.opened(ws));
    ws.addEventListener("message", (message) => this.received(message.data));
    ws.addEventListener("close", (close) => this.closed(ws, close));
    ws.addEventListener("error", () => { /* a close event follows; handled there */ });
    return this;
  }

  opened(ws) {
    if (ws !== this.ws) return;
    this.onStatus("open");
    for (const frame of this.queue.splice(0)) ws.send(frame);
    this.syncTime();
    clearInterval(this.syncTimer);
    this.syncTimer = setInterval(() => this.syncTime(), TIME_SYNC_EVERY_MS);
  }

  received(raw) {
    let parsed;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return; // a frame we cannot read is not worth dropping the room for
    }
    // A delivered frame proves the connection works: the next drop starts backoff afresh.
    this.attempt = 0;
    for (const event of Array.isArray(parsed) ? parsed : [parsed]) this.deliver(event);
  }

  deliver(event) {
    if (!event || typeof event.type !== "string") return;
    const data = event.data ?? {};
    if (event.type === "room.snapshot") {
      this.lastSeq = Number(data.seq ?? event.seq ?? 0);
      if (data.server_time !== undefined) setServerTime(toMs(data.server_time));
    } else if (event.type === "time.synced") {
      syncClock(Number(data.client_time), toMs(data.server_time));
    } else if (!UNSEQUENCED.has(event.type) && Number.isFinite(event.seq) && event.seq > 0) {
      if (event.seq <= this.lastSeq) return;
      this.lastSeq = event.seq;
    }
    try {
      this.onEvent(event);
    } catch (err) {
      console.error("room event handler failed", event.type, err);
    }
  }

  closed(ws, close) {
    if (ws !== this.ws) return;
    clearInterval(this.syncTimer);
    this.ws = null;
    if (this.stopped || FATAL_CLOSES.has(close.code)) {
      this.onStatus("closed", { code: close.code, reason: close.reason });
      return;
    }
    const base = close.code === RESUME_CLOSE ? 200 : BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    // Jitter spreads thousands of viewers reconnecting after a node restart.
    const delay = base / 2 + Math.random() * base / 2;
    this.onStatus("reconnecting", { code: close.code, delay });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Send a client message; queued while (re)connecting. Returns false if stopped. */
  send(type, data = {}) {
    if (this.stopped) return false;
    const frame = JSON.stringify({ type, data });
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
    else if (this.queue.length < 50) this.queue.push(frame);
    return true;
  }

  syncTime() {
    this.send("time.sync", { client_time: Date.now() });
  }

  /** Reconnect now (e.g. the network came back) instead of waiting out the backoff. */
  nudge() {
    if (!this.stopped && this.ws === null) {
      this.attempt = 0;
      this.connect();
    }
  }

  close() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.syncTimer);
    this.ws?.close(1000, "bye");
  }
}

/** Connect with the usual page wiring: reconnect when the network or the tab comes back. */
export function connectRoom(roomId, handlers) {
  const socket = new RoomSocket(roomId, handlers).connect();
  window.addEventListener("online", () => socket.nudge());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") socket.nudge();
  });
  window.addEventListener("pagehide", () => socket.close());
  return socket;
}
