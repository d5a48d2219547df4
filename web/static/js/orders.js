// "My orders": the buyer's orders, each with its timeline (placed, paid, shipped with
// tracking, delivered, return, refund) and the actions that apply now: pay or cancel
// while unpaid, confirm receipt once shipped, ask for a return after delivery. A group
// seat says how its group is doing (waiting for N more, complete, failed and refunded).
import { api, getIfChanged } from "./api.js";
import { countdown } from "./countdown.js";
import { el, fill, thumb } from "./dom.js";
import { errorText } from "./errors.js";
import { seatState } from "./groups.js";
import { currentLang, money, t } from "./i18n.js";
import { toast } from "./toast.js";

const list = document.getElementById("orders");
const products = new Map();
let seats = new Map(); // order id -> its group seat (GET /api/me/group-seats)

async function product(id) {
  if (!products.has(id)) {
    products.set(id, api("GET", `/api/products/${id}`).catch(() => ({ id, title: `#${id}`, price_cents: 0 })));
  }
  return products.get(id);
}

const when = (iso) => new Intl.DateTimeFormat(currentLang() === "zh" ? "zh-CN" : "en", {
  month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(iso));

const DONE = { pay: "buy.paid", receipt: "oc.received", return: "oc.return_sent" };

async function act(order, action, body) {
  if (action === "cancel" && !confirm(t("orders.confirm_cancel"))) return;
  try {
    await api("POST", `/api/orders/${order.id}/${action}`, action === "pay" ? {} : body);
    if (DONE[action]) toast(t(DONE[action]));
    await load();
  } catch (err) {
    toast(errorText(err), { error: true });
  }
}

function pendingActions(order) {
  const timer = el("b", {}, "--:--");
  countdown(timer, order.expires_at, "00:00", () => load());
  return el("div", { class: "order-actions" },
    el("small", { class: "muted" }, `${t("orders.pay_within")} `, timer),
    el("button", { type: "button", class: "btn btn-ghost btn-sm", onclick: () => act(order, "cancel") }, t("orders.cancel")),
    el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "order-pay", onclick: () => act(order, "pay") }, t("buy.pay")));
}

function afterPaymentActions(order) {
  if (order.status === "shipped") {
    return el("div", { class: "order-actions" },
      el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "order-receipt", onclick: () => act(order, "receipt") }, t("oc.confirm_receipt")));
  }
  const left = order.quantity - order.refunded_quantity;
  if ((order.status === "delivered" || order.status === "partially_refunded") && left > 0) {
    const units = el("input", { type: "number", min: 1, max: left, value: left, class: "input-sm", "aria-label": t("oc.return_units"), "data-testid": "return-quantity" });
    return el("div", { class: "order-actions" }, units,
      el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "order-return",
        onclick: () => act(order, "return", { quantity: Number(units.value) }) }, t("oc.request_return")));
  }
  return null;
}

// A paid order refunded without a return asked for: by the system when its group failed,
// by the buyer when they left the group, by the merchant when they cancelled it.
const UNASKED_REFUND = { system: "oc.step_refunding_group_failed", buyer: "oc.step_refunding_left_group",
  merchant: "oc.step_refunding_merchant_cancelled" };
// The audit row tags a cancellation's reason in English for the logs; the label says it.
const CANCEL_TAG = "cancelled: ";

function stepLabel(step) {
  const unasked = step.status === "refunding" && step.from === "paid" && UNASKED_REFUND[step.actor];
  return t(unasked || `oc.step_${step.status}`);
}

function stepText(step, order) {
  const label = stepLabel(step);
  if (step.status === "shipped" && order.tracking_number) {
    return `${label} · ${t("oc.tracking", { carrier: order.carrier, number: order.tracking_number })}`;
  }
  if (!step.reason || step.actor !== "merchant") return label;
  const reason = step.from === "paid" ? step.reason.replace(CANCEL_TAG, "") : step.reason;
  return `${label} · ${reason}`;
}

async function timeline(order) {
  try {
    const { timeline: steps } = await api("GET", `/api/orders/${order.id}/timeline`);
    return el("ol", { class: "order-timeline", "data-testid": "order-timeline" },
      ...steps.map((step) => el("li", { "data-step": step.status },
        el("small", { class: "muted" }, when(step.at)), " ", stepText(step, order))));
  } catch {
    return null;
  }
}

function groupLine(order) {
  const seat = seats.get(order.id);
  if (!seat) return null;
  // A failed group's refund gives the seat back: the group's end is still its story.
  const state = seat.active || seat.group.status !== "open" && seat.paid ? seatState(seat.group, seat.paid) : t("grp.seat_given_back");
  return el("a", { class: `order-group group-${seat.group.status}`, href: seat.group.share_path, "data-testid": "order-group" },
    `👥 ${t("grp.order_line", { state })} · ${t("grp.joined_of", { taken: seat.group.seats_taken, size: seat.group.size })}`);
}

async function leaveGroup(seat) {
  if (!confirm(t("grp.confirm_leave"))) return;
  try {
    await api("POST", `/api/groups/${seat.group.id}/leave`, {});
    toast(t("grp.left"));
    await load();
  } catch (err) {
    toast(errorText(err), { error: true });
  }
}

/** "Leave group" while the buyer's seat is held and the group is still open. */
function groupActions(order) {
  const seat = seats.get(order.id);
  if (!seat?.active || seat.group.status !== "open") return null;
  return el("div", { class: "order-actions" },
    el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "order-leave-group",
      onclick: () => leaveGroup(seat) }, t("grp.leave")));
}

async function card(order) {
  const item = await product(order.product_id);
  const refunded = order.refunded_cents > 0
    ? el("small", { class: "muted", "data-testid": "order-refunded" }, t("oc.refunded_amount", { amount: money(order.refunded_cents) }))
    : null;
  return el("article", { class: "order-card", "data-testid": "order-card", dataset: { orderId: order.id } },
    thumb(item),
    el("div", { class: "order-main" },
      el("div", { class: "order-top" }, el("b", {}, item.title),
        el("span", { class: `badge badge-order-${order.status}`, "data-testid": "order-status" }, t(`orders.status_${order.status}`))),
      el("small", { class: "muted" }, `#${order.id} · ${t("orders.placed_at", { when: when(order.created_at) })}`),
      el("div", { class: "order-top" },
        el("span", {}, money(order.unit_price_cents), " ", el("small", { class: "muted" }, t("orders.quantity", { count: order.quantity }))),
        el("b", { class: "price" }, money(order.total_cents ?? order.unit_price_cents * order.quantity))),
      groupLine(order),
      refunded,
      await timeline(order),
      order.status === "pending_payment" ? pendingActions(order) : afterPaymentActions(order),
      groupActions(order)));
}

// Orders whose next step is someone else's (the shop ships or cancels, a group fills or
// fails, a refund settles): while one shows, a visible page re-reads the list. The
// answer is 304 until something changed, and only then are the cards redrawn.
const WAITING = new Set(["pending_payment", "paid", "shipped", "refund_requested", "refunding"]);
const REFRESH_MS = 10_000;
let etag = null;
let waiting = false;
let timer = null;

async function load() {
  clearTimeout(timer);
  try {
    const changed = await getIfChanged("/api/orders", etag);
    if (changed !== null) {
      const { orders } = changed.data;
      const mine = await api("GET", "/api/me/group-seats").catch(() => ({ seats: [] }));
      seats = new Map(mine.seats.map((seat) => [seat.order_id, seat]));
      waiting = orders.some((order) => WAITING.has(order.status));
      if (orders.length === 0) fill(list, el("div", { class: "empty empty-lg" }, t("orders.empty")));
      else fill(list, ...(await Promise.all(orders.map(card))));
      etag = changed.etag;
    }
  } catch (err) {
    if (etag === null) fill(list, el("div", { class: "empty" }, errorText(err)));
  }
  if (waiting && !document.hidden) timer = setTimeout(load, REFRESH_MS);
}

document.addEventListener("visibilitychange", () => { if (!document.hidden && waiting) load(); });
load();
