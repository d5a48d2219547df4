// The studio's lucky draw form: the host picks a prize (a shelf product, or one of the
// coupon templates this show may give), the winners, the duration and the entry
// condition, and starts it; the line under it follows the room's draw.

import { api, pageData } from "./api.js";
import { couponTerms } from "./coupons.js";
import { el, fill } from "./dom.js";
import { errorText } from "./errors.js";
import { t } from "./i18n.js";

const form = document.getElementById("studio-draw-form");
const message = document.getElementById("draw-message");
const roomId = pageData().room.id;

function showFields() {
  const condition = form.elements.condition.value;
  form.querySelector("[data-field=keyword]").hidden = condition !== "keyword";
  form.querySelector("[data-field=watch]").hidden = condition !== "watch";
}

async function refresh() {
  try {
    const { draw } = await api("GET", `/api/rooms/${roomId}/draws/current`);
    if (!draw) return;
    const winners = draw.picks.filter((p) => p.status !== "forfeited").map((p) => `@${p.handle}`);
    message.textContent = draw.status === "open"
      ? `${t("draw.started")}: ${draw.prize.title}`
      : `${t("draw.closed")}: ${winners.join(", ") || t("draw.no_winners")} (${t("draw.entrants", { n: draw.entrant_count })})`;
  } catch { /* the next poll tries again */ }
}

async function loadCoupons() {
  const group = form.querySelector("optgroup[data-kind=coupon]");
  try {
    const { templates } = await api("GET", `/api/coupons/templates?room_id=${roomId}`);
    fill(group, templates.map((tpl) => el("option", { value: `coupon:${tpl.id}` }, `${tpl.title} · ${couponTerms(tpl)}`)));
    group.hidden = templates.length === 0;
  } catch { /* products stay offered; a reload tries again */ }
}

function prizeOf(value) {
  const [kind, id] = value.split(":");
  return kind === "coupon"
    ? { prize_kind: "coupon", coupon_template_id: Number(id) }
    : { prize_kind: "product", product_id: Number(id) };
}

form.elements.condition.addEventListener("change", showFields);
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const f = form.elements;
  const body = {
    ...prizeOf(f.prize.value), winners: Number(f.winners.value),
    duration_seconds: Number(f.duration_seconds.value), condition: f.condition.value,
    keyword: f.keyword.value, watch_minutes: Number(f.watch_minutes.value || 0),
    exclude_recent_days: Number(f.exclude_recent_days.value || 0),
  };
  try {
    await api("POST", `/api/rooms/${roomId}/draws`, body);
    message.textContent = t("draw.started");
  } catch (err) {
    message.textContent = errorText(err);
    message.dataset.code = err.code ?? "error";
  }
});
showFields();
loadCoupons();
refresh();
setInterval(refresh, 2000);
