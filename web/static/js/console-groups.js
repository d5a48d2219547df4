// Console: group buys. A group-offer form per shelf product of a show (size, time limit,
// group price, units, per-buyer limit; POST /api/rooms/{id}/group-offers) and the show's
// offers and groups in every state (GET /api/rooms/{id}/groups/report).

import { api } from "./api.js";
import { clear, el, fill, onSubmit, showMessage, yuanToCents } from "./dom.js";
import { errorText, localTime } from "./errors.js";
import { money, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const form = $("group-form");
const message = $("group-message");
const report = $("group-report");
let shelf = new Map(); // product id -> product, of the show picked
let request = 0;

function table(headers, rows, testid) {
  return el("table", { class: "table", "data-testid": testid },
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c))))));
}

const title = (productId) => shelf.get(productId)?.title ?? `#${productId}`;

function draw(data) {
  const offers = data.offers.length === 0 ? el("div", { class: "empty" }, t("grp.no_offers"))
    : table([t("grp.col_product"), t("grp.col_price"), t("grp.size"), t("grp.duration"), t("grp.col_sold")],
      data.offers.map((o) => [title(o.product_id), money(o.price_cents), String(o.size),
        o.duration_seconds % 3600 === 0 ? `${o.duration_seconds / 3600} ${t("grp.unit_hours")}` : `${Math.round(o.duration_seconds / 60)} ${t("grp.unit_minutes")}`,
        `${o.sold}/${o.stock}`]), "group-offers");
  const groups = data.groups.length === 0 ? el("div", { class: "empty" }, t("grp.no_groups"))
    : table([t("grp.col_group"), t("grp.col_product"), t("grp.col_seats"), t("grp.col_status"), t("grp.col_deadline")],
      data.groups.map((g) => [`#${g.id}`, title(g.product_id), `${g.seats_taken}/${g.size}`,
        el("span", { class: `badge badge-group-${g.status}`, "data-testid": "console-group-status" }, t(`grp.status_${g.status}`)),
        localTime(g.expires_at)]), "console-groups");
  fill(report, el("h3", { class: "subhead" }, t("grp.offers")), offers, el("h3", { class: "subhead" }, t("grp.groups")), groups);
}

async function roomChanged() {
  const roomId = form.elements.room_id.value;
  const mine = ++request; // a slower answer for a show picked earlier is dropped
  if (!roomId) return fill(report, el("div", { class: "empty" }, t("console.no_rooms")));
  try {
    const [room, data] = await Promise.all([api("GET", `/api/rooms/${roomId}`), api("GET", `/api/rooms/${roomId}/groups/report`)]);
    if (mine !== request) return undefined;
    shelf = new Map(room.shelf.map((p) => [p.id, p]));
    const select = form.elements.product_id;
    clear(select);
    for (const p of room.shelf) select.append(el("option", { value: String(p.id) }, `${p.title} · ${money(p.price_cents, p.currency)}`));
    draw(data);
  } catch (err) {
    fill(report, el("div", { class: "empty" }, errorText(err)));
  }
  return undefined;
}

function readForm() {
  const data = new FormData(form);
  const unit = data.get("unit") === "minutes" ? 60 : 3600;
  return {
    product_id: Number(data.get("product_id")), price_cents: yuanToCents(data.get("price")),
    size: Number(data.get("size")), stock: Number(data.get("stock")), per_user_limit: Number(data.get("per_user_limit")),
    duration_seconds: Math.round(Number(data.get("duration")) * unit),
  };
}

onSubmit(form, async (event) => {
  event.preventDefault();
  const body = readForm();
  if (!Number.isFinite(body.price_cents)) return showMessage(message, t("error.invalid_input"));
  try {
    await api("POST", `/api/rooms/${form.elements.room_id.value}/group-offers`, body);
    showMessage(message, `✓ ${t("grp.created")}`, true);
    await roomChanged();
  } catch (err) {
    showMessage(message, errorText(err));
  }
  return undefined;
});

form.elements.room_id.addEventListener("change", roomChanged);

(async () => {
  let rooms = [];
  try {
    rooms = (await api("GET", "/api/rooms/mine")).rooms.filter((r) => r.status !== "ended");
  } catch { /* the form says there is no show */ }
  const select = form.elements.room_id;
  clear(select);
  for (const r of rooms) select.append(el("option", { value: String(r.id) }, `${r.title} · ${t(`room.${r.status}`)}`));
  await roomChanged();
})();
