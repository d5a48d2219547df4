// The viewer's room: video, chat, likes, pinned card, shelf, flash deal and buy sheet,
// kept live by the room socket.

import { pageData } from "./api.js";
import { Beacon } from "./beacon.js";
import { BuySheet } from "./buy.js";
import { ChatView, applyChatEvent, bindChatForm, closeChatForm } from "./chat.js";
import { CouponCards } from "./coupons.js";
import { el } from "./dom.js";
import { DrawCard } from "./draws.js";
import { errorText } from "./errors.js";
import { GiftLane, GiftPanel } from "./gifts.js";
import { GroupBuys } from "./groups.js";
import { FollowBar } from "./follow.js";
import { t } from "./i18n.js";
import { Likes } from "./likes.js";
import { connectRoom } from "./roomsocket.js";
import { audienceStats, bannedNotice, loadSold, replayLink, showNotice, soldNotice } from "./roomnotice.js";
import { applyEvent, initialState } from "./roomstate.js";
import { PictureClock } from "./picture-clock.js";
import { renderPinned, renderSaleBanner, renderShelf } from "./shelf.js";
import { connectionStatus, drawers, renderStatus, renderViewers, videoPlayer } from "./stage.js";
import { toast } from "./toast.js";

// The close code of a banned viewer's socket (livecommerce/hub/outbox.py CLOSE_BANNED).
const CLOSE_BANNED = 4403;

const $ = (id) => document.getElementById(id);
const page = pageData();
const me = page.me ?? {};
const state = initialState(page.room);
const roomId = state.room.id;
let sold = page.sold ?? null; // what an ended show sold, per product

const chat = new ChatView($("chat-list"), { me: page.user, hostId: state.room.host_id });
const sheets = drawers();
const buy = new BuySheet($("buy-sheet"), sheets.scrim, {
  loggedIn: Boolean(page.user),
  loginUrl: `/login?next=${encodeURIComponent(location.pathname)}`,
  roomId,
});
const couponBox = el("div", { class: "coupon-cards", id: "coupon-cards", hidden: true, "data-testid": "coupon-cards" });
$("sale-banner").after(couponBox);
const coupons = new CouponCards(couponBox, { roomId, loggedIn: Boolean(page.user),
  loginUrl: `/login?next=${encodeURIComponent(location.pathname)}` });
// Group buys: a share link (?group=ID) lands on its group; logging in comes back to it.
const focusGroup = Number(new URLSearchParams(location.search).get("group")) || null;
const groupPill = el("button", { type: "button", class: "group-pill", id: "group-pill", hidden: true, "data-testid": "group-pill" });
couponBox.after(groupPill);
const groups = new GroupBuys({ roomId, loggedIn: Boolean(page.user), focusId: focusGroup, pill: groupPill,
  loginUrl: `/login?next=${encodeURIComponent(location.pathname + location.search)}`,
  onOpen: (productId) => {
    const product = state.shelf.find((p) => p.id === productId);
    if (product && state.status !== "ended") openBuy(product);
  },
  onChange: () => { draw.pinned(); buy.refresh(state); } });
buy.groups = groups;
const player = videoPlayer(roomId, $("video"));
const pictureClock = new PictureClock(() => player.playingDate(), applyNow);
// The picture's date, for whoever checks cards against it (the browser tests).
$("video").pictureDate = () => player.playingDate();
const giftLane = new GiftLane($("gift-lane"), page.user?.id ?? null);
new GiftPanel($("gift-panel"), $("gift-btn"), { roomId, lane: giftLane, loggedIn: Boolean(page.user),
  loginUrl: `/login?next=${encodeURIComponent(location.pathname)}` });
const followBar = new FollowBar(
  { host: document.querySelector(".host-chip"), stage: document.querySelector(".stage-placeholder-inner") },
  page.follow ?? {}, { loggedIn: Boolean(page.user), loginUrl: `/login?next=${encodeURIComponent(location.pathname)}`,
    roomId, isHost: page.user?.id === state.room.host_id });
const drawCard = new DrawCard($("draw-card"), { roomId, me: page.user, follows: followBar });

function openBuy(product) {
  beacon?.click(product.id);
  sheets.open($("buy-sheet"));
  buy.open(state, product);
}

function shelfAction(product) {
  if (state.status === "ended") {
    const units = sold?.find((line) => line.product_id === product.id)?.units ?? 0;
    return el("small", { class: "muted", "data-testid": "shelf-sold" }, t("viewer.sold_units", { count: units }));
  }
  return el("span", { class: "shelf-actions" }, groups.tag(product, openBuy),
    el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "shelf-buy",
      onclick: () => openBuy(product) }, t("room.buy")));
}

const draw = {
  status() {
    renderStatus(state);
    player.update(state.banned ? "banned" : state.status);
    followBar.status(state.status);
    if (state.status === "ended") ended();
    draw.pinned();
    draw.sales();
  },
  pinned() {
    drawPinned();
    if (!$("pinned-card").hidden) beacon?.impression(state.pinned?.id);
    draw.shelf();
  },
  shelf() {
    renderShelf($("shelf-list"), state, shelfAction);
    $("shelf-count").textContent = String(state.shelf.length);
    $("shelf-total").textContent = String(state.shelf.length);
  },
  sales() { renderSaleBanner($("sale-banner"), state, openBuy); draw.shelf(); drawPinned(); buy.refresh(state); },
  viewers() { renderViewers(state); },
  likes() { likes.show(state.likes); },
  orders() {},
  all() { draw.status(); draw.viewers(); draw.likes(); },
};

/** The pinned card, with the product's group price when it has a group offer. */
function drawPinned() {
  const card = $("pinned-card");
  renderPinned(card, state, openBuy);
  const tag = card.hidden ? null : groups.tag(state.pinned, openBuy);
  if (tag) card.querySelector(".pinned-body").append(tag);
}

/** The show is over: chat turns read-only and the stage says what the show sold. */
async function ended() {
  closeChatForm(document.querySelector(".chat-panel"), t("viewer.chat_ended"));
  if (state.banned) return;
  if (sold === null) {
    try { sold = await loadSold(roomId); } catch { return; }
    draw.shelf();
  }
  showNotice($("stage-notice"), ...soldNotice(sold));
  const link = await replayLink(roomId);
  if (link && !state.banned) $("stage-notice").append(link);
}

/** This viewer is banned: nothing to watch or say here until the ban runs out. */
function banned(until = null) {
  if (state.banned) return;
  state.banned = true;
  socket?.close();
  document.querySelector(".stage").classList.add("banned");
  $("chat-viewers").parentElement.hidden = true; // a count this viewer no longer gets
  closeChatForm(document.querySelector(".chat-panel"), t("viewer.chat_banned"));
  showNotice($("stage-notice"), ...bannedNotice(until));
  draw.status();
}

function onEvent(event) {
  if (event.type === "room.snapshot") chat.replace(event.data?.chat ?? []);
  else applyChatEvent(chat, event);
  if (event.type === "error") toast(errorText(event.data), { error: true });
  // Only this buyer's sockets get their own order news (on any node, any tab). The buy
  // sheet already shows its own order; a toast over it would sit on "Pay now".
  if (event.type === "order.updated" && !buy.holds(event.data?.order_id)) {
    toast(`${t("orders.order")} #${event.data?.order_id}: ${t(`orders.status_${event.data?.status}`)}`);
  }
  if (event.type === "moderation.banned" && page.user && event.data?.user?.id === page.user.id) {
    banned(event.data.until);
  }
  coupons.onEvent(event);
  groups.onEvent(event);
  followBar.onEvent(event);
  if (event.type === "stream.started") player.streamStarted();
  if (event.type === "stream.ended") player.streamEnded();
  giftLane.onEvent(event);
  if (event.type === "room.snapshot" || event.type.startsWith("draw.")) drawCard.onEvent(event);
  if (!pictureClock.holds(event)) applyNow(event);
}

function applyNow(event) {
  const changed = applyEvent(state, event);
  if (changed) draw[changed]();
}

function onStatus(status, detail = {}) {
  if (status === "closed" && detail.code === CLOSE_BANNED && page.user) banned();
  // The notice says why the socket is gone; the connection banner would only say "⚠".
  if (state.banned) $("connection-banner").hidden = true;
  else connectionStatus(status, detail);
}

chat.replace(page.chat ?? []);
let socket = null;
if (me.banned) banned(me.banned_until);
else socket = connectRoom(roomId, { onEvent, onStatus });
const beacon = socket ? new Beacon(roomId, socket) : null;
buy.onOpen = (product) => beacon?.sheetOpen(product.id);
const likes = new Likes($("like-btn"), $("like-count"), $("hearts"), page.user ? socket : null, $("like-login"));
bindChatForm($("chat-form"), socket);
$("shelf-btn").addEventListener("click", () => {
  sheets.open($("shelf-drawer"));
  for (const product of state.shelf) beacon?.impression(product.id);
});
audienceStats(roomId, $("audience-stats"));
draw.all();
coupons.load();
groups.load();
