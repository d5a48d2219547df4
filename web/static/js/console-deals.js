// Console: flash deals (POST /api/rooms/{id}/sales); the orders are console-order-list.js.
import { api } from "./api.js";
import { clear, el, fill, localInputToIso, onSubmit, showMessage, toLocalInput, yuanToCents } from "./dom.js";
import { countdown } from "./countdown.js";
import { errorText } from "./errors.js";
import { currentLang, money, t } from "./i18n.js";

const form = document.getElementById("deal-form");
const deals = document.getElementById("deal-list");
let productTitles = new Map();
let shelfRequest = 0;
const message = form.querySelector(".form-message");

function fillSelect(select, options) {
  const previous = select.value;
  clear(select);
  for (const [value, label] of options) select.append(el("option", { value }, label));
  if (options.some(([value]) => String(value) === previous)) select.value = previous;
}

export function setRooms(rooms) {
  const open = rooms.filter((r) => r.status !== "ended");
  fillSelect(form.elements.room_id, open.map((r) => [r.id, r.title]));
  roomChanged();
}

export function setProducts(products) {
  productTitles = new Map(products.map((p) => [p.id, p.title]));
  loadShelf();
}

/** Offer only the chosen show's shelf: a deal is on a product the viewers can see. */
async function loadShelf() {
  const roomId = form.elements.room_id.value;
  const select = form.elements.product_id;
  const request = ++shelfRequest;  // a slower answer for a show picked earlier is dropped
  // Held until the shelf is read: a deal sent before would be told "create products first".
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  let shelf = [];
  if (roomId) {
    try {
      shelf = (await api("GET", `/api/rooms/${roomId}`)).shelf;
    } catch (err) {
      showMessage(message, errorText(err));
    }
  }
  if (request !== shelfRequest) return;
  button.disabled = false;
  fillSelect(select, shelf.map((p) => [p.id, `${p.title} · ${money(p.price_cents, p.currency)}`]));
  if (roomId && shelf.length === 0) showMessage(message, t("console15.no_shelf"));
  else if (message.textContent === t("console15.no_shelf")) showMessage(message, "");
}

function roomChanged() {
  loadShelf();
  loadDeals();
}

function readForm() {
  const data = new FormData(form);
  const priceCents = yuanToCents(data.get("price"));
  const quantity = Number(data.get("quantity"));
  const limit = Number(data.get("per_user_limit"));
  const startsAt = localInputToIso(String(data.get("starts_at") ?? ""));
  const endsAt = localInputToIso(String(data.get("ends_at") ?? ""));
  if (!data.get("room_id") || !data.get("product_id")) return { error: t("console.no_shelf_products") };
  if (!(priceCents > 0)) return { error: `${t("console.deal_price")}: > 0` };
  if (!Number.isInteger(quantity) || quantity < 1) return { error: `${t("console.deal_quantity")}: ≥ 1` };
  if (!Number.isInteger(limit) || limit < 1) return { error: `${t("console.deal_limit")}: ≥ 1` };
  if (!startsAt || !endsAt || endsAt <= startsAt) return { error: `${t("console.deal_ends")} > ${t("console.deal_starts")}` };
  return {
    roomId: Number(data.get("room_id")),
    payload: { product_id: Number(data.get("product_id")), price_cents: priceCents, quantity,
      per_user_limit: limit, starts_at: startsAt, ends_at: endsAt },
  };
}

async function submit(event) {
  event.preventDefault();
  const { roomId, payload, error } = readForm();
  if (error) return showMessage(message, error);
  try {
    const sale = await api("POST", `/api/rooms/${roomId}/sales`, payload);
    showMessage(message, t("console.deal_created", { id: sale?.id ?? "" }), true);
    await loadDeals();
  } catch (err) {
    showMessage(message, errorText(err));
  }
}

const when = (iso) => new Intl.DateTimeFormat(currentLang() === "zh" ? "zh-CN" : "en", {
  month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(iso));

async function cancelDeal(sale) {
  try {
    await api("POST", `/api/sales/${sale.id}/cancel`);
    await loadDeals();
  } catch (err) {
    showMessage(message, errorText(err));
  }
}

function dealRow(sale) {
  const timer = el("b", { class: "deal-timer", "data-testid": "deal-timer" }, "");
  if (sale.status === "live") countdown(timer, sale.ends_at, "", () => loadDeals());
  if (sale.status === "scheduled") countdown(timer, sale.starts_at, "", () => loadDeals());
  return el("div", { class: "deal-row", "data-testid": "deal-row" },
    el("div", { class: "show-main" },
      el("b", {}, `${productTitles.get(sale.product_id) ?? `#${sale.product_id}`} · ${money(sale.price_cents)}`),
      el("small", { class: "muted" }, `${when(sale.starts_at)} – ${when(sale.ends_at)} · `,
        t("console.deal_sold", { sold: sale.sold, quantity: sale.quantity }))),
    timer,
    el("span", { class: `badge badge-sale-${sale.status}` }, t(`sale.status_${sale.status}`)),
    sale.status === "scheduled"
      ? el("button", { type: "button", class: "btn btn-ghost btn-sm", onclick: () => cancelDeal(sale) }, t("console.deal_cancel"))
      : el("span"));
}

/** The deals of the show picked in the form. */
export async function loadDeals() {
  const roomId = form.elements.room_id.value;
  if (!roomId) return fill(deals, el("div", { class: "empty" }, t("console.no_deals")));
  try {
    const { sales } = await api("GET", `/api/rooms/${roomId}/sales`);
    if (sales.length === 0) fill(deals, el("div", { class: "empty" }, t("console.no_deals")));
    else fill(deals, ...sales.map(dealRow));
  } catch (err) {
    fill(deals, el("div", { class: "empty" }, errorText(err)));
  }
}

export function initDeals() {
  const start = new Date(Date.now() + 10 * 60_000);
  start.setSeconds(0, 0);
  form.elements.starts_at.value = toLocalInput(start);
  form.elements.ends_at.value = toLocalInput(new Date(start.getTime() + 10 * 60_000));
  onSubmit(form, submit);
  form.elements.room_id.addEventListener("change", roomChanged);
}
