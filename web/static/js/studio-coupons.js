// The studio's coupon panel: the templates this room may drop, each with a Drop button
// and its drop's live "N left", and a quick form for a fixed-amount coupon (a host's
// coupons stay within the cap the merchant set).

import { api } from "./api.js";
import { el, fill, onSubmit, showMessage, yuanToCents } from "./dom.js";
import { errorText } from "./errors.js";
import { t } from "./i18n.js";
import { couponTerms } from "./coupons.js";

const panel = document.getElementById("studio-coupons");
const roomId = Number(document.getElementById("studio").dataset.roomId);
const list = document.getElementById("coupon-templates");
const message = document.getElementById("coupon-message");
const POLL_MS = 3000;
let templates = [];
let drops = [];

function line(template) {
  const mine = drops.filter((d) => d.template_id === template.id);
  const live = mine.find((d) => d.open);
  const left = live ? (live.remaining === null ? t("coupon.unlimited") : t("coupon.left", { count: live.remaining })) : "";
  return el("div", { class: "coupon-line", "data-testid": "coupon-template" },
    el("div", {}, el("b", {}, template.title), el("small", {}, couponTerms(template)),
      live ? el("small", { "data-testid": "coupon-drop-left" }, `${t("coupon.dropped")} · ${left}`) : null),
    el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "coupon-drop",
      onclick: () => drop(template) }, t("coupon.drop")));
}

function draw() {
  fill(list, templates.length ? templates.map(line) : el("p", { class: "muted" }, t("coupon.no_templates")));
}

async function load() {
  try {
    [{ templates }, { drops }] = await Promise.all([
      api("GET", `/api/coupons/templates?room_id=${roomId}`),
      api("GET", `/api/rooms/${roomId}/coupons`),
    ]);
    draw();
  } catch (err) {
    showMessage(message, errorText(err));
  }
}

async function drop(template) {
  try {
    await api("POST", `/api/rooms/${roomId}/coupons`, { template_id: template.id });
    showMessage(message, t("coupon.dropped_ok", { title: template.title }), true);
    await load();
  } catch (err) {
    showMessage(message, errorText(err));
  }
}

if (panel) {
  const form = document.getElementById("coupon-form");
  onSubmit(form, async (event) => {
    event.preventDefault();
    const values = new FormData(form);
    const amount = yuanToCents(values.get("amount"));
    if (!Number.isFinite(amount)) return showMessage(message, t("error.invalid_input"));
    const quantity = Number(values.get("quantity")) || null;
    try {
      await api("POST", "/api/coupons/templates", { title: String(values.get("title") ?? ""), kind: "fixed",
        amount_off_cents: amount, total_quantity: quantity, room_id: roomId });
      form.reset();
      await load();
    } catch (err) {
      showMessage(message, errorText(err));
    }
    return undefined;
  });
  load();
  setInterval(load, POLL_MS);
}
