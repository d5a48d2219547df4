// An ended show's shoppable replay: the recording (HLS), a scrub bar marked at each pin
// and deal, the shelf and pinned card as they were at the picture's moment, chat in
// time (toggleable), and the products buyable now at their shelf price.
//
// The page gets every event of the show with `t`, its second in the recording; the
// state at time T is roomstate.js's applyEvent folded over the events up to T (from
// scratch after a backward seek), so the replay shows what the live room showed.

import { pageData } from "./api.js";
import { BuySheet } from "./buy.js";
import { ChatView, applyChatEvent, boughtText } from "./chat.js";
import { el, fill } from "./dom.js";
import { t } from "./i18n.js";
import { applyEvent, initialState } from "./roomstate.js";
import { renderPinned, renderShelf } from "./shelf.js";
import { drawers } from "./stage.js";

const $ = (id) => document.getElementById(id);
const page = pageData();
const events = page.events ?? [];
const clips = page.clips ?? [];
const video = $("replay-video");
const sheets = drawers();
const chat = new ChatView($("chat-list"), { me: page.user, hostId: page.room.host_id });
const buy = new BuySheet($("buy-sheet"), sheets.scrim, { loggedIn: Boolean(page.user),
  loginUrl: `/login?next=${encodeURIComponent(location.pathname)}`, roomId: page.room.id });

let state = null;
let applied = 0; // how many events `state` has folded in

function fresh() {
  const room = { ...page.room, pinned_product: null, status: "live" };
  state = initialState(room);
  applied = 0;
  chat.clear();
  chat.replace([]);
}

/** Bring the page to the recording's time `now` (seconds). */
function showAt(now) {
  if (state === null || (applied > 0 && events[applied - 1].t > now)) fresh();
  let changed = false;
  while (applied < events.length && events[applied].t <= now) {
    const event = events[applied++];
    applyEvent(state, event);
    applyChatEvent(chat, event);
    changed = true;
  }
  state.status = "live"; // a replay always shows its cards, even past room.ended
  if (changed || !drawn) draw();
  drawBurst(now);
}

const BURST_SECONDS = 4;
const bursts = events.filter((e) => e.type === "order.placed.summary");

/** "N bought" over the picture for a few seconds after orders came in at that moment. */
function drawBurst(now) {
  const recent = bursts.filter((e) => e.t <= now && now - e.t < BURST_SECONDS).at(-1);
  const burst = $("bought-burst");
  burst.hidden = !recent;
  if (recent) burst.textContent = boughtText(recent.data?.count ?? 1);
}

let drawn = false;
function draw() {
  drawn = true;
  const now = today(state);
  renderPinned($("pinned-card"), now, openBuy);
  const card = $("pinned-card");
  const clip = clipOf(state.pinned?.id);
  if (!card.hidden && clip) card.append(explainLink(clip));
  renderShelf($("shelf-list"), now, shelfAction);
  card.dataset.productId = state.pinned?.id ?? "";
}

/** The state at the picture's moment, priced as the shop is today: the show's deals are
 * over, and a card must never show a price its Buy button does not charge. */
function today(at) {
  const current = (product) => page.room.shelf.find((p) => p.id === product.id) ?? product;
  return { ...at, pinned: at.pinned ? current(at.pinned) : null, shelf: at.shelf.map(current), sales: new Map() };
}

function clipOf(productId) {
  return productId === undefined ? null : clips.find((c) => c.product_id === productId) ?? null;
}

function explainLink(clip) {
  return el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "explain-clip",
    onclick: () => seek(clip.start) }, t("replay.watch_explain"));
}

function shelfAction(product) {
  const clip = clipOf(product.id);
  return el("span", { class: "shelf-actions" },
    clip ? explainLink(clip) : null,
    el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "shelf-buy",
      onclick: () => openBuy(product) }, t("room.buy")));
}

/** Buying follows the shop now: the current shelf price, not a deal that has ended. */
function openBuy(product) {
  const current = page.room.shelf.find((p) => p.id === product.id) ?? product;
  const now = initialState({ ...page.room, status: "live" });
  sheets.open($("buy-sheet"));
  buy.open(now, current);
}

function seek(seconds) {
  video.currentTime = Math.max(0, seconds + 0.05);
  video.play?.().catch(() => {});
}

function drawMarks() {
  const duration = page.recording?.duration || video.duration || 0;
  const marks = $("replay-marks");
  if (!duration || !Number.isFinite(duration)) return;
  const items = events.filter((e) => e.type === "product.pinned" || e.type === "sale.started").map((e) => {
    const deal = e.type === "sale.started";
    const mark = el("button", { type: "button", class: `replay-mark mark-${deal ? "deal" : "pin"}`,
      "data-testid": "replay-mark", "data-kind": deal ? "deal" : "pin",
      title: deal ? t("replay.deal") : e.data?.product?.title ?? "", onclick: () => seek(e.t) });
    // CSSOM, not a style attribute: the pages' CSP has no 'unsafe-inline' for styles.
    mark.style.left = `${Math.min(100, (e.t / duration) * 100)}%`;
    return mark;
  });
  fill(marks, ...items);
}

async function play() {
  const url = page.recording?.url;
  if (!url) {
    $("replay-missing").hidden = false;
    return;
  }
  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = url;
    return;
  }
  try {
    const { playHls } = await import("./hls-player.js");
    await playHls(video, url);
  } catch {
    $("replay-missing").hidden = false;
  }
}

$("chat-toggle").addEventListener("click", () => {
  const panel = document.querySelector(".chat-panel");
  panel.hidden = !panel.hidden;
  $("chat-toggle").setAttribute("aria-pressed", String(!panel.hidden));
});
for (const name of ["timeupdate", "seeked", "seeking", "loadedmetadata"]) {
  video.addEventListener(name, () => showAt(video.currentTime));
}
video.addEventListener("loadedmetadata", drawMarks);
$("shelf-btn").addEventListener("click", () => sheets.open($("shelf-drawer")));
fresh();
showAt(0);
drawMarks();
play();
window.replay = { showAt, seek }; // for the console and the browser tests
