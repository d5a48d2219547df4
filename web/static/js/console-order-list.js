// Console: the merchant's orders (GET /api/merchant/orders) with filters, search and
// "load more" pages, the CSV exports (links carrying the same filters), and bulk
// shipping from a CSV file (POST /api/merchant/shipments). Each row's actions (ship,
// returns) come from console-orders.js when that module is there.
import { api, csrfToken } from "./api.js";
import { clear, el, fill, showMessage } from "./dom.js";
import { errorText } from "./errors.js";
import { currentLang, money, t } from "./i18n.js";

const filters = document.getElementById("order-filters");
const list = document.getElementById("order-list");
const more = document.getElementById("order-more");
const count = document.getElementById("order-count");
const upload = document.getElementById("ship-upload");
const shipErrors = document.getElementById("ship-errors");
let actions = null; // console-orders.js's orderActions, once loaded
let next = null;

const when = (iso) => new Intl.DateTimeFormat(currentLang() === "zh" ? "zh-CN" : "en", {
  month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(iso));

function fillOptions(select, options) {
  const previous = select.value;
  select.replaceChildren(select.options[0]);
  for (const [value, label] of options) select.append(el("option", { value }, label));
  if (options.some(([value]) => String(value) === previous)) select.value = previous;
}

export function setOrderRooms(rooms) {
  fillOptions(filters.elements.room_id, rooms.map((r) => [r.id, r.title]));
}

export function setOrderProducts(products) {
  fillOptions(filters.elements.product_id, products.map((p) => [p.id, p.title]));
}

/** The filters as query parameters; dates are whole local days. */
function query() {
  const data = new FormData(filters);
  const params = new URLSearchParams();
  for (const name of ["status", "room_id", "product_id", "q"]) {
    const value = String(data.get(name) ?? "").trim();
    if (value) params.set(name, value);
  }
  const since = data.get("since");
  const until = data.get("until");
  if (since) params.set("since", new Date(`${since}T00:00:00`).toISOString());
  if (until) params.set("until", new Date(new Date(`${until}T00:00:00`).getTime() + 86_400_000).toISOString());
  return params;
}

function orderRow(order) {
  const ship = order.address;
  return el("div", { class: "order-row order-row-tools", "data-testid": "order-row", dataset: { orderId: order.id } },
    el("b", {}, `#${order.id}`),
    el("div", { class: "show-main" },
      el("span", {}, `${order.product_title} × ${order.quantity}`),
      el("small", { class: "muted" }, `${order.buyer} · ${when(order.created_at)}`),
      ship ? el("small", { class: "muted", "data-testid": "order-address" }, `${ship.name} ${ship.phone} · ${ship.region} ${ship.detail}`) : null,
      order.tracking_number ? el("small", { class: "muted" }, `${order.carrier} ${order.tracking_number}`) : null),
    el("span", { class: "price" }, money(order.total_cents)),
    el("span", { class: `badge badge-order-${order.status}`, "data-testid": "order-row-status" }, t(`orders.status_${order.status}`)),
    actions ? actions(order, { onDone: () => loadOrders() }) : el("span"));
}

export async function loadOrders({ append = false } = {}) {
  const params = query();
  for (const [id, path] of [["export-orders", "orders"], ["export-refunds", "refunds"]]) {
    document.getElementById(id).href = `/api/merchant/exports/${path}.csv?${params}`;
  }
  if (append && next) params.set("before", next);
  try {
    const page = await api("GET", `/api/merchant/orders?${params}`);
    if (!append) clear(list);
    list.append(...page.orders.map(orderRow));
    if (list.children.length === 0) list.append(el("div", { class: "empty" }, t("console.no_orders")));
    next = page.next_before;
    more.hidden = next === null;
    count.textContent = t("mt.count", { shown: list.querySelectorAll("[data-testid=order-row]").length, total: page.total });
  } catch (err) {
    fill(list, el("div", { class: "empty" }, errorText(err)));
    more.hidden = true;
  }
}

async function shipFile(event) {
  event.preventDefault();
  const message = upload.querySelector(".form-message");
  const file = upload.elements.file.files[0];
  clear(shipErrors);
  if (!file) return showMessage(message, t("mt.pick_file"));
  const response = await fetch("/api/merchant/shipments", { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "text/csv", "X-CSRF-Token": csrfToken(), Accept: "application/json" }, body: file })
    .catch(() => null);
  const body = response ? await response.json().catch(() => ({})) : { error: { code: "network" } };
  if (response?.ok) {
    showMessage(message, t("mt.shipped", { count: body.shipped, skipped: body.skipped.length }), true);
    shipErrors.append(...body.skipped.map(rowError));
    return loadOrders();
  }
  showMessage(message, t(`error.${body.error?.code ?? "error"}`));
  shipErrors.append(...(body.error?.rows ?? []).map(rowError));
}

function rowError(row) {
  return el("li", { "data-testid": "ship-error" }, t("mt.row", { line: row.line }), " ", t(`mt.row_${row.code}`));
}

export function initOrderList() {
  const statuses = filters.dataset.statuses.split(",");
  fillOptions(filters.elements.status, statuses.map((s) => [s, t(`orders.status_${s}`)]));
  filters.addEventListener("submit", (event) => { event.preventDefault(); loadOrders(); });
  more.addEventListener("click", () => loadOrders({ append: true }));
  upload.addEventListener("submit", shipFile);
  import("./console-orders.js")
    .then((module) => { actions = module.orderActions ?? null; })
    .catch(() => { actions = null; })
    .finally(() => loadOrders());
}
