// The studio's lucky draw form: the host picks a shelf prize, the winners, the duration
// and the entry condition, and starts it; the line under it follows the room's draw.

import { api, pageData } from "./api.js";
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

form.elements.condition.addEventListener("change", showFields);
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const f = form.elements;
  const body = {
    prize_kind: "product", product_id: Number(f.product_id.value), winners: Number(f.winners.value),
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
refresh();
setInterval(refresh, 2000);
