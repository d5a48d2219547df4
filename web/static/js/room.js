// The viewer's room: video, chat, likes, pinned card, shelf, flash deal and buy sheet,
// kept live by the room socket.

import { pageData } from "./api.js";
import { BuySheet } from "./buy.js";
import { ChatView, applyChatEvent, bindChatForm } from "./chat.js";
import { el } from "./dom.js";
import { DrawCard } from "./draws.js";
import { errorText } from "./errors.js";
import { t } from "./i18n.js";
import { Likes } from "./likes.js";
import { connectRoom } from "./roomsocket.js";
import { applyEvent, initialState } from "./roomstate.js";
import { renderPinned, renderSaleBanner, renderShelf } from "./shelf.js";
import { connectionStatus, drawers, renderStatus, renderViewers, videoPlayer } from "./stage.js";
import { toast } from "./toast.js";

const $ = (id) => document.getElementById(id);
const data = pageData();
const state = initialState(data.room);
const roomId = state.room.id;

const chat = new ChatView($("chat-list"), { me: data.user, hostId: state.room.host_id });
const sheets = drawers();
const buy = new BuySheet($("buy-sheet"), sheets.scrim, {
  loggedIn: Boolean(data.user),
  loginUrl: `/login?next=${encodeURIComponent(location.pathname)}`,
});
const player = videoPlayer(roomId, $("video"));
const drawCard = new DrawCard($("draw-card"), { roomId, me: data.user });

function openBuy(product) {
  sheets.open($("buy-sheet"));
  buy.open(state, product);
}

function buyButton(product) {
  return el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "shelf-buy",
    onclick: () => openBuy(product) }, t("room.buy"));
}

const draw = {
  status() { renderStatus(state); player.update(state.status); draw.pinned(); draw.sales(); },
  pinned() { renderPinned($("pinned-card"), state, openBuy); draw.shelf(); },
  shelf() {
    renderShelf($("shelf-list"), state, buyButton);
    $("shelf-count").textContent = String(state.shelf.length);
    $("shelf-total").textContent = String(state.shelf.length);
  },
  sales() { renderSaleBanner($("sale-banner"), state, openBuy); draw.shelf(); renderPinned($("pinned-card"), state, openBuy); buy.refresh(state); },
  viewers() { renderViewers(state); },
  likes() { likes.show(state.likes); },
  orders() {},
  all() { draw.status(); draw.viewers(); draw.likes(); },
};

function onEvent(event) {
  if (event.type === "room.snapshot") chat.replace(event.data?.chat ?? []);
  else applyChatEvent(chat, event);
  if (event.type === "error") toast(errorText(event.data), { error: true });
  // Only this buyer's sockets get their own order news (on any node, any tab).
  if (event.type === "order.updated") {
    toast(`${t("orders.order")} #${event.data?.order_id}: ${t(`orders.status_${event.data?.status}`)}`);
  }
  if (event.type === "stream.started") player.streamStarted();
  if (event.type === "stream.ended") player.streamEnded();
  if (event.type === "room.snapshot" || event.type.startsWith("draw.")) drawCard.onEvent(event);
  const changed = applyEvent(state, event);
  if (changed) draw[changed]();
}

const socket = connectRoom(roomId, { onEvent, onStatus: connectionStatus });
const likes = new Likes($("like-btn"), $("like-count"), $("hearts"), data.user ? socket : null);
bindChatForm($("chat-form"), socket);
$("shelf-btn").addEventListener("click", () => sheets.open($("shelf-drawer")));
chat.replace([]);
draw.all();
