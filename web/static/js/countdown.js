// The server is the clock: countdowns use server time = local time + offset. The offset
// starts from the page's render timestamp and is refined by the room socket's time.sync.

let offsetMs = 0;
let bestRoundTrip = Infinity;

(function initFromPage() {
  const meta = document.querySelector('meta[name="server-time"]');
  const rendered = meta ? Number(meta.content) : NaN;
  // The page took some time to arrive; this is only a first guess until time.sync answers.
  if (Number.isFinite(rendered)) offsetMs = rendered - Date.now();
})();

export function serverNow() {
  return Date.now() + offsetMs;
}

/** Take a time.sync answer; keep the sample with the shortest round trip (the least noisy). */
export function syncClock(clientSentMs, serverTimeMs, receivedMs = Date.now()) {
  const roundTrip = receivedMs - clientSentMs;
  if (roundTrip < 0 || roundTrip > bestRoundTrip) return;
  bestRoundTrip = roundTrip;
  offsetMs = serverTimeMs - (clientSentMs + roundTrip / 2);
}

export function setServerTime(serverTimeMs) {
  if (bestRoundTrip === Infinity) offsetMs = serverTimeMs - Date.now();
}

export function toMs(value) {
  if (typeof value === "number") return value;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : NaN;
}

/** "1d 02:03:04" / "02:03:04" / "03:04" */
export function formatDuration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n) => String(n).padStart(2, "0");
  const clock = h > 0 || days > 0 ? `${pad(h)}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
  return days > 0 ? `${days}d ${clock}` : clock;
}

const watched = new Set();
let timer = null;

function tick() {
  const now = serverNow();
  for (const entry of watched) {
    // A countdown may be set up just before its element is inserted; it is dropped once
    // the element has left the page (or never arrived within a few ticks).
    if (entry.el.isConnected) entry.seen = true;
    else if (entry.seen || ++entry.orphanTicks > 8) { watched.delete(entry); continue; }
    const left = entry.target - now;
    if (left <= 0) {
      entry.el.textContent = entry.done;
      watched.delete(entry);
      entry.onDone?.();
    } else {
      entry.el.textContent = formatDuration(left);
    }
  }
  if (watched.size === 0) { clearInterval(timer); timer = null; }
}

/** Count `el` down to `target` (ISO string or ms); show `done` text at zero. */
export function countdown(el, target, done = "", onDone = null) {
  const entry = { el, target: toMs(target), done, onDone, seen: false, orphanTicks: 0 };
  if (!Number.isFinite(entry.target)) return;
  watched.add(entry);
  if (timer === null) timer = setInterval(tick, 250);
  tick();
}

/** Start every `[data-countdown-to]` inside `root`. */
export function startCountdowns(root = document) {
  for (const el of root.querySelectorAll("[data-countdown-to]")) {
    const value = el.querySelector(".countdown-value") ?? el;
    countdown(value, el.dataset.countdownTo, el.dataset.countdownDone ?? "", () => {
      el.querySelector(".countdown-label")?.remove();
    });
  }
}

/** Show `<time data-local-time datetime=...>` in the visitor's time zone and language. */
export function localizeTimes(root = document, lang = "en") {
  const format = new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en", {
    month: "short", day: "numeric", weekday: "short", hour: "2-digit", minute: "2-digit",
  });
  for (const el of root.querySelectorAll("time[data-local-time]")) {
    const ms = toMs(el.getAttribute("datetime"));
    if (Number.isFinite(ms)) el.textContent = format.format(new Date(ms));
  }
}
