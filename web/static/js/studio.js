// The host studio: camera preview and publishing, start/end the show, pin products,
// launch a flash deal, moderate chat, watch the live numbers.

import { ApiError, api, pageData } from "./api.js";
import { ChatView, applyChatEvent, bindChatForm } from "./chat.js";
import { serverNow } from "./countdown.js";
import { el, onSubmit, showMessage, yuanToCents } from "./dom.js";
import { errorText } from "./errors.js";
import { GiftLane } from "./gifts.js";
import { compactNumber, t } from "./i18n.js";
import { publish } from "./media.js";
import { connectRoom } from "./roomsocket.js";
import { applyEvent, initialState } from "./roomstate.js";
import { renderPinned, renderSaleBanner, renderShelf } from "./shelf.js";
import { mountDashboard } from "./dashboard.js";
import { connectionStatus, renderStatus, renderViewers, videoPlayer } from "./stage.js";
import { bindChatRules, orderNumbers } from "./studio-tools.js";
import { toast } from "./toast.js";

const $ = (id) => document.getElementById(id);
const data = pageData();
const state = initialState(data.room);
const roomId = state.room.id;
const message = $("studio-message");
const video = $("video");
let camera = null;
let publisher = null;
// Moderators get chat moderation and the pin only; the template leaves the rest out.
const runsRoom = Boolean(pageData().runs_room);
// Until this studio publishes, it shows the programme viewers see (a test pattern, OBS).
const programme = videoPlayer(roomId, video);

const MODERATION = { delete: "moderation.delete", mute: "moderation.mute", ban: "moderation.ban" };
// Only the host, the merchant and admins appoint moderators; a moderator's studio has no
// such button (the API would refuse it).
const me = data.user ?? {};
const appoints = me.id === state.room.host_id || me.id === state.room.merchant_id || me.role === "admin";
const moderators = appoints ? new Set(data.room.moderator_ids ?? []) : null;

async function appoint(userId, make) {
  try {
    if (make) await api("POST", `/api/rooms/${roomId}/moderators`, { user_id: userId });
    else await api("DELETE", `/api/rooms/${roomId}/moderators/${userId}`);
  } catch (err) {
    toast(errorText(err), { error: true });
  }
}

function moderate(action, msg) {
  const userId = msg.user_id ?? msg.user?.id;
  if (action === "make_moderator" || action === "unmake_moderator") {
    appoint(userId, action === "make_moderator");  // the event relabels the buttons
    return;
  }
  const payload = action === "delete" ? { message_id: msg.id } : { user: userId, ...(action === "mute" ? { seconds: 300 } : {}) };
  socket.send(MODERATION[action], payload);
  if (action === "delete") chat.remove(msg.id);
}

const chat = new ChatView($("chat-list"), { me: data.user, hostId: state.room.host_id, moderate, moderators });

function moderatorEvent(event) {
  const userId = event.data?.user?.id;
  if (!moderators || userId === undefined) return;
  if (event.type === "moderation.moderator_added") moderators.add(userId);
  else if (event.type === "moderation.moderator_removed") moderators.delete(userId);
  else return;
  chat.moderatorChanged(userId);
}

async function pin(product) {
  const pinned = state.pinned?.id === product.id;
  try {
    if (pinned) await api("DELETE", `/api/rooms/${roomId}/pin`);
    else await api("PUT", `/api/rooms/${roomId}/pin`, { product_id: product.id });
    // The socket confirms too; drawing now keeps the button honest if the socket lags.
    state.pinned = pinned ? null : product;
    draw.pinned();
  } catch (err) {
    showMessage(message, errorText(err));
  }
}

function pinButton(product) {
  const pinned = state.pinned?.id === product.id;
  return el("button", { type: "button", class: `btn btn-sm ${pinned ? "btn-ghost" : "btn-primary"}`, "data-testid": "pin-btn",
    disabled: state.status === "ended", onclick: () => pin(product) }, pinned ? t("studio.unpin") : t("studio.pin"));
}

function show(id, visible) {
  const node = $(id);
  if (node) node.hidden = !visible;
}

/** The show is over: nothing of going live is left on the page, and the camera is off. */
function stopCamera() {
  for (const track of camera?.getTracks() ?? []) track.stop();
  camera = null;
  if (video.srcObject) video.srcObject = null;
  video.classList.remove("playing");
}

function labelProgramme() {
  show("programme-label", !camera && state.status === "live" && video.classList.contains("playing"));
}

function drawControls() {
  const ended = state.status === "ended";
  if (ended) {
    stopCamera();
    programme.update("ended");
    if (publisher) { publisher.close(); publisher = null; }
  } else if (!camera) {
    programme.update(state.status);
  }
  show("studio-ended", ended);
  show("camera-btn", runsRoom && !ended && !camera);
  show("golive-btn", runsRoom && (state.status === "scheduled" || (state.status === "live" && camera && !publisher)));
  show("end-btn", runsRoom && state.status === "live");
  show("recordable-label", runsRoom && !ended);
  show("studio-deal-form", runsRoom && !ended);
  show("chat-rules", !ended);
  labelProgramme();
  if (ended) showMessage(message, "");
}

const draw = {
  status() {
    renderStatus(state);
    drawControls();
    if (camera) $("stage-placeholder").hidden = true;
    draw.pinned();
    draw.sales();
  },
  pinned() { renderPinned($("pinned-card"), state, null); renderShelf($("studio-shelf"), state, pinButton); },
  sales() { renderSaleBanner($("sale-banner"), state, () => {}); renderShelf($("studio-shelf"), state, pinButton); },
  viewers() { renderViewers(state); },
  likes() { $("num-likes").textContent = compactNumber(state.likes); $("like-count").textContent = compactNumber(state.likes); },
  orders() { numbers.refresh(); },
  all() { draw.status(); draw.viewers(); draw.likes(); draw.orders(); },
};

async function startCamera() {
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: true });
  } catch (err) {
    showMessage(message, t("studio.camera_failed", { error: err.message || err.name }));
    return;
  }
  programme.update("ended");  // the preview replaces the programme
  camera = stream;
  video.srcObject = camera;
  video.classList.add("playing");
  await video.play().catch(() => {});
  $("camera-btn").hidden = true;
  if (state.status === "live") await startPublishing();
  draw.status();
}

async function startPublishing() {
  if (!camera || publisher) return;
  showMessage(message, t("studio.publishing"), true);
  try {
    publisher = await publishOrTakeOver();
    if (publisher) showMessage(message, t("studio.published"), true);
    else showMessage(message, t("studio15.takeover_declined"));
  } catch (err) {
    // A refused WHIP offer has our code; a browser WebRTC failure has only its own text.
    showMessage(message, t("studio.publish_failed", { error: err instanceof ApiError ? errorText(err) : err.message }));
  }
  draw.status();
}

/** Publish; if another publish holds the room (the demo's test pattern, OBS), ask before
 * replacing it. Resolves to null when the host keeps the other one on air. */
async function publishOrTakeOver() {
  try {
    return await publish(roomId, camera);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== "already_publishing") throw err;
    if (!confirm(t("studio15.confirm_takeover"))) return null;
    return publish(roomId, camera, { takeover: true });
  }
}

async function goLive() {
  try {
    if (state.status === "scheduled") {
      await api("POST", `/api/rooms/${roomId}/start`);
      state.status = "live";
    }
    await startPublishing();
    draw.status();
  } catch (err) {
    showMessage(message, errorText(err));
  }
}

async function endShow() {
  if (!confirm(t("studio.confirm_end"))) return;
  try {
    await publisher?.close();
    publisher = null;
    await api("POST", `/api/rooms/${roomId}/end`);
    state.status = "ended";
    state.pinned = null;
    draw.status();
    showMessage(message, t("studio15.ended_title"), true);
  } catch (err) {
    showMessage(message, errorText(err));
  }
}

async function launchDeal(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const out = $("deal-message");
  const fields = new FormData(form);
  const priceCents = yuanToCents(fields.get("price"));
  const minutes = Number(fields.get("minutes"));
  if (!(priceCents > 0)) return showMessage(out, `${t("console.deal_price")}: > 0`);
  // Start a moment from now on the server's clock, so the deal is never "in the past".
  const start = serverNow() + 3000;
  const payload = {
    product_id: Number(fields.get("product_id")), price_cents: priceCents,
    quantity: Number(fields.get("quantity")), per_user_limit: Number(fields.get("per_user_limit")),
    starts_at: new Date(start).toISOString(), ends_at: new Date(start + minutes * 60_000).toISOString(),
  };
  try {
    const sale = await api("POST", `/api/rooms/${roomId}/sales`, payload);
    showMessage(out, t("console.deal_created", { id: sale?.id ?? "" }), true);
  } catch (err) {
    showMessage(out, errorText(err));
  }
}

function onEvent(event) {
  if (event.type === "room.snapshot") chat.replace(event.data?.chat ?? []);
  else applyChatEvent(chat, event);
  moderatorEvent(event);
  if (event.type === "error") toast(errorText(event.data), { error: true });
  if (event.type === "stream.started" && !camera) programme.streamStarted();
  if (event.type === "stream.ended" && !camera) programme.streamEnded();
  if (event.type.startsWith("order.")) numbers.refresh();
  rules.onEvent(event);
  giftLane.onEvent(event);
  const changed = applyEvent(state, event);
  if (changed) draw[changed]();
}

for (const name of ["playing", "emptied"]) video.addEventListener(name, labelProgramme);
const giftLane = new GiftLane($("gift-lane"));
const numbers = orderNumbers(roomId, $("num-orders"), $("num-paid"));
const socket = connectRoom(roomId, { onEvent, onStatus: connectionStatus });
const rules = bindChatRules($("chat-rules"), socket);
bindChatForm($("chat-form"), socket);
if (runsRoom) {
  $("camera-btn").addEventListener("click", startCamera);
  $("golive-btn").addEventListener("click", goLive);
  $("end-btn").addEventListener("click", endShow);
  onSubmit($("studio-deal-form"), launchDeal);
  mountDashboard($("dashboard"), { roomId, titles: new Map(data.room.shelf.map((p) => [p.id, p.title])) });
}
$("like-btn").hidden = false;
$("shelf-btn").hidden = true;
chat.replace([]);
draw.all();
