// The viewer's room: video, chat, likes, pinned card, shelf, flash deal and buy sheet,
// kept live by the room socket.

import { pageData } from "./api.js";
import { BuySheet } from "./buy.js";
import { ChatView, applyChatEvent, bindChatForm, closeChatForm } from "./chat.js";
import { CouponCards } from "./coupons.js";
import { el } from "./dom.js";
import { errorText } from "./errors.js";
import { GiftLane, GiftPanel } from "./gifts.js";
import { t } from "./i18n.js";
import { Likes } from "./likes.js";
import { connectRoom } from "./roomsocket.js";
import { audienceStats, bannedNotice, loadSold, showNotice, soldNotice } from "./roomnotice.js";
import { applyEvent, initialState } from "./roomstate.js";
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
const player = videoPlayer(roomId, $("video"));
const giftLane = new GiftLane($("gift-lane"), page.user?.id ?? null);
new GiftPanel($("gift-panel"), $("gift-btn"), { roomId, lane: giftLane, loggedIn: Boolean(page.user),
  loginUrl: `/login?next=${encodeURIComponent(location.pathname)}` });

function openBuy(product) {
  sheets.open($("buy-sheet"));
  buy.open(state, product);
}

function shelfAction(product) {
  if (state.status === "ended") {
    const units = sold?.find((line) => line.product_id === product.id)?.units ?? 0;
    return el("small", { class: "muted", "data-testid": "shelf-sold" }, t("viewer.sold_units", { count: units }));
  }
  return el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "shelf-buy",
    onclick: () => openBuy(product) }, t("room.buy"));
}

const draw = {
  status() {
    renderStatus(state);
    player.update(state.banned ? "banned" : state.status);
    if (state.status === "ended") ended();
    draw.pinned();
    draw.sales();
  },
  pinned() { renderPinned($("pinned-card"), state, openBuy); draw.shelf(); },
  shelf() {
    renderShelf($("shelf-list"), state, shelfAction);
    $("shelf-count").textContent = String(state.shelf.length);
    $("shelf-total").textContent = String(state.shelf.length);
  },
  sales() { renderSaleBanner($("sale-banner"), state, openBuy); draw.shelf(); renderPinned($("pinned-card"), state, openBuy); buy.refresh(state); },
  viewers() { renderViewers(state); },
  likes() { likes.show(state.likes); },
  orders() {},
  all() { draw.status(); draw.viewers(); draw.likes(); },
};

/** The show is over: chat turns read-only and the stage says what the show sold. */
async function ended() {
  closeChatForm(document.querySelector(".chat-panel"), t("viewer.chat_ended"));
  if (state.banned) return;
  if (sold === null) {
    try { sold = await loadSold(roomId); } catch { return; }
    draw.shelf();
  }
  showNotice($("stage-notice"), ...soldNotice(sold));
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
  if (event.type === "stream.started") player.streamStarted();
  if (event.type === "stream.ended") player.streamEnded();
  giftLane.onEvent(event);
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
const likes = new Likes($("like-btn"), $("like-count"), $("hearts"), page.user ? socket : null, $("like-login"));
bindChatForm($("chat-form"), socket);
$("shelf-btn").addEventListener("click", () => sheets.open($("shelf-drawer")));
audienceStats(roomId, $("audience-stats"));
draw.all();
coupons.load();
