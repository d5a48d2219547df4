// Console: coupons. The merchant's cap for hosts, a template form, and one show's page:
// its templates (each droppable while the show is live), drops with claimed, left and
// redeemed, and every claim with its order (GET /api/rooms/{id}/coupons/report).

import { api } from "./api.js";
import { clear, el, fill, onSubmit, showMessage, yuanToCents } from "./dom.js";
import { errorText } from "./errors.js";
import { money, t } from "./i18n.js";
import { couponTerms } from "./coupons.js";

const $ = (id) => document.getElementById(id);
const roomSelect = $("coupon-room");
const report = $("coupon-report");
const templateForm = $("coupon-template-form");
const templateMessage = $("coupon-template-message");
const capForm = $("coupon-cap-form");
let rooms = [];

function cents(value) {
  const text = String(value ?? "").trim();
  return text === "" ? null : yuanToCents(text);
}

function table(headers, rows) {
  return el("table", { class: "table" },
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c))))));
}

async function drop(roomId, template) {
  try {
    await api("POST", `/api/rooms/${roomId}/coupons`, { template_id: template.id });
    await loadReport();
  } catch (err) {
    showMessage(templateMessage, errorText(err));
  }
}

function draw(data) {
  const room = rooms.find((r) => r.id === data.room_id);
  const live = room?.status === "live";
  capForm.elements.cap.value = (data.host_cap_cents / 100).toFixed(2);
  fill(report,
    el("h3", { class: "subhead" }, t("coupon.templates")),
    ...data.templates.map((tpl) => el("div", { class: "coupon-line", "data-testid": "console-template" },
      el("div", {}, el("b", {}, tpl.title), el("small", {}, couponTerms(tpl))),
      live ? el("button", { type: "button", class: "btn btn-sm btn-primary", onclick: () => drop(data.room_id, tpl) }, t("coupon.drop")) : null)),
    el("h3", { class: "subhead" }, t("coupon.drops")),
    table([t("coupon.title_field"), t("coupon.col_claimed"), t("coupon.col_left"), t("coupon.col_redeemed")],
      data.drops.map((d) => [d.title, String(d.claimed), d.remaining === null ? t("coupon.unlimited") : String(d.remaining), String(d.redeemed)])),
    el("h3", { class: "subhead" }, t("coupon.claims")),
    table([t("coupon.col_buyer"), t("coupon.col_status"), t("coupon.col_order"), t("coupon.col_discount")],
      data.claims.map((c) => [c.buyer, t(`coupon.status_${c.status}`), c.order_id ? `#${c.order_id} ${c.order_status ? t(`orders.status_${c.order_status}`) : ""}` : "—",
        c.discount_cents ? money(c.discount_cents) : "—"])));
}

async function loadReport() {
  const roomId = Number(roomSelect.value);
  if (!roomId) return fill(report, el("div", { class: "empty" }, t("console.no_rooms")));
  try {
    draw(await api("GET", `/api/rooms/${roomId}/coupons/report`));
  } catch (err) {
    fill(report, el("div", { class: "empty" }, errorText(err)));
  }
  return undefined;
}

function readTemplate() {
  const data = new FormData(templateForm);
  const percent = Number(data.get("percent")) || 0;
  const body = {
    title: String(data.get("title") ?? ""), kind: percent ? "percent" : "fixed",
    amount_off_cents: percent ? 0 : cents(data.get("amount")) ?? 0, percent_off: percent,
    max_discount_cents: percent ? cents(data.get("max")) : null, min_spend_cents: cents(data.get("min")) ?? 0,
    total_quantity: Number(data.get("quantity")) || null, per_buyer_limit: Number(data.get("limit")) || 1,
    claim_window: String(data.get("window")), valid_minutes: Number(data.get("valid")) || 1440,
    audience: String(data.get("audience")), stacks_with_deals: data.get("stacks") === "on",
  };
  if (body.claim_window === "minutes") body.claim_minutes = 10;
  return body;
}

onSubmit(templateForm, async (event) => {
  event.preventDefault();
  try {
    const made = await api("POST", "/api/coupons/templates", readTemplate());
    showMessage(templateMessage, `✓ ${made.title}`, true);
    templateForm.reset();
    await loadReport();
  } catch (err) {
    showMessage(templateMessage, errorText(err));
  }
});

onSubmit(capForm, async (event) => {
  event.preventDefault();
  const cap = cents(capForm.elements.cap.value) ?? 0;
  try {
    await api("PUT", "/api/coupons/policy", { host_cap_cents: cap });
    showMessage($("coupon-cap-message"), t("coupon.cap_saved"), true);
  } catch (err) {
    showMessage($("coupon-cap-message"), errorText(err));
  }
});

roomSelect.addEventListener("change", loadReport);

(async () => {
  try {
    rooms = (await api("GET", "/api/rooms/mine")).rooms;
  } catch { rooms = []; }
  clear(roomSelect);
  for (const r of rooms) roomSelect.append(el("option", { value: String(r.id) }, `${r.title} · ${t(`room.${r.status}`)}`));
  await loadReport();
})();
