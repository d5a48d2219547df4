// What the viewer room shows when it is not a live show to join: the viewer was banned,
// or the show ended (its chat read-only, and what it sold); and, for the room's host and
// merchant, the audience figures (peak and unique viewers) beside the live count.

import { api } from "./api.js";
import { el, fill } from "./dom.js";
import { compactNumber, t } from "./i18n.js";

const STATS_EVERY_MS = 5000;

/** The banner over the stage: "you were removed", or the ended show's sales. */
export function showNotice(notice, ...children) {
  fill(notice, ...children);
  notice.hidden = false;
}

export function bannedNotice(until) {
  const when = until ? new Date(until).toLocaleString() : null;
  return [el("b", {}, t("viewer.banned_title")),
    el("p", {}, when ? t("viewer.banned_until", { until: when }) : t("viewer.banned_text"))];
}

/** Units sold per product, `sold` as GET /api/rooms/{id}/sold and the page data give it. */
export function soldNotice(sold) {
  const units = sold.reduce((sum, line) => sum + line.units, 0);
  if (units === 0) return [el("b", {}, t("viewer.sold_title")), el("p", {}, t("viewer.sold_none"))];
  return [el("b", {}, t("viewer.sold_title")),
    el("ul", { class: "sold-list", "data-testid": "sold-list" }, ...sold.map((line) =>
      el("li", { "data-testid": "sold-line" }, el("span", {}, line.title), el("b", {}, t("viewer.sold_units", { count: line.units })))))];
}

export async function loadSold(roomId) {
  return (await api("GET", `/api/rooms/${roomId}/sold`)).sold;
}

/** A link to the ended show's replay when it has a recording to watch; else null. */
export async function replayLink(roomId) {
  try {
    const replay = await api("GET", `/api/rooms/${roomId}/replay`);
    if (!replay?.recording) return null;
  } catch { return null; }
  return el("a", { href: `/replay/${roomId}`, class: "btn btn-primary btn-sm",
    "data-testid": "replay-link" }, t("replay.watch"));
}

/** Keep the host's peak / unique chip fresh from GET /api/rooms/{id}/stats. */
export function audienceStats(roomId, chip) {
  if (!chip) return;
  const refresh = async () => {
    if (document.visibilityState === "hidden") return;
    try {
      const figures = await api("GET", `/api/rooms/${roomId}/stats`);
      chip.textContent = t("viewer.audience", { peak: compactNumber(figures.peak_viewers),
        unique: compactNumber(figures.unique_viewers) });
      chip.hidden = false;
    } catch { /* the next round tries again */ }
  };
  refresh();
  setInterval(refresh, STATS_EVERY_MS);
}
