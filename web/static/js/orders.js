// "My orders": the buyer's orders, with pay and cancel for the ones awaiting payment.
import { api } from "./api.js";
import { countdown } from "./countdown.js";
import { el, fill, thumb } from "./dom.js";
import { errorText } from "./errors.js";
import { currentLang, money, t } from "./i18n.js";
import { toast } from "./toast.js";

const list = document.getElementById("orders");
const products = new Map();

async function product(id) {
  if (!products.has(id)) {
    products.set(id, api("GET", `/api/products/${id}`).catch(() => ({ id, title: `#${id}`, price_cents: 0 })));
  }
  return products.get(id);
}

const when = (iso) => new Intl.DateTimeFormat(currentLang() === "zh" ? "zh-CN" : "en", {
  month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(iso));

async function act(order, action) {
  if (action === "cancel" && !confirm(t("orders.confirm_cancel"))) return;
  try {
    await api("POST", `/api/orders/${order.id}/${action}`, action === "pay" ? {} : undefined);
    if (action === "pay") toast(t("buy.paid"));
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

async function card(order) {
  const item = await product(order.product_id);
  return el("article", { class: "order-card", "data-testid": "order-card", dataset: { orderId: order.id } },
    thumb(item),
    el("div", { class: "order-main" },
      el("div", { class: "order-top" }, el("b", {}, item.title),
        el("span", { class: `badge badge-order-${order.status}`, "data-testid": "order-status" }, t(`orders.status_${order.status}`))),
      el("small", { class: "muted" }, `#${order.id} · ${t("orders.placed_at", { when: when(order.created_at) })}`),
      el("div", { class: "order-top" },
        el("span", {}, money(order.unit_price_cents), " ", el("small", { class: "muted" }, t("orders.quantity", { count: order.quantity }))),
        el("b", { class: "price" }, money(order.total_cents ?? order.unit_price_cents * order.quantity))),
      order.status === "pending_payment" ? pendingActions(order) : null));
}

async function load() {
  try {
    const { orders } = await api("GET", "/api/orders");
    if (orders.length === 0) fill(list, el("div", { class: "empty empty-lg" }, t("orders.empty")));
    else fill(list, ...(await Promise.all(orders.map(card))));
  } catch (err) {
    fill(list, el("div", { class: "empty" }, errorText(err)));
  }
}

load();
