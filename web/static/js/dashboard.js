// The live dashboard of one show, shared by the studio and the console: headline numbers,
// per-minute charts annotated with pins and deals, and the per-product table. While the
// show is live it reads the stats API every few seconds; once it ends it reads it once more.

import { api } from "./api.js";
import { el, fill } from "./dom.js";
import { minuteCharts } from "./dashboard-charts.js";
import { formatDateTime } from "./dashboard-format.js";
import { renderHeadlines, renderProducts, worstHeadline } from "./dashboard-view.js";
import { t } from "./i18n.js";

export const REFRESH_MS = 5000;
// The merchant's previous shows do not change during this one: read them now and then.
const WEAKEST_EVERY = 6;

function skeleton(root) {
  const parts = {
    status: el("small", { class: "muted", "data-testid": "dash-as-of" }),
    report: el("a", { class: "btn btn-ghost btn-sm", "data-testid": "dash-report", hidden: true }, t("dash.open_report")),
    headlines: el("div", { class: "dash-cards", "data-testid": "dash-cards" }),
    charts: [0, 1, 2].map(() => el("div", { class: "dash-chart", "data-testid": "dash-chart" })),
    products: el("div", { class: "dash-products", "data-testid": "dash-products" }),
  };
  fill(root,
    el("div", { class: "panel-head dash-head" }, el("h2", {}, t("dash.title")), parts.status, parts.report),
    parts.headlines,
    el("div", { class: "dash-charts" }, ...parts.charts),
    el("h3", { class: "subhead" }, t("dash.products")),
    parts.products);
  return parts;
}

async function read(roomId, withWeakest) {
  const base = `/api/rooms/${roomId}/stats`;
  const [stats, minutes, products, timeline, weakest] = await Promise.all([
    api("GET", base), api("GET", `${base}/minutes`), api("GET", `${base}/products`),
    api("GET", `${base}/timeline`), withWeakest ? api("GET", `${base}/weakest`) : null,
  ]);
  return { stats, minutes: minutes.minutes, products: products.products, events: timeline.events, weakest };
}

/** Mount the dashboard of `roomId` in `root`; returns { stop, refresh, room(id) }. */
export function mountDashboard(root, { roomId, titles = new Map() }) {
  const parts = skeleton(root);
  const charts = minuteCharts(parts.charts);
  let current = roomId;
  let timer = null;
  let polls = 0;
  let weakest = [];

  function draw({ stats, minutes, products, events }) {
    const live = stats.status === "live";
    for (const p of products) titles.set(p.product_id, p.title);
    renderHeadlines(parts.headlines, stats, { worst: live ? worstHeadline(stats, weakest) : null });
    renderProducts(parts.products, products);
    const startedAt = stats.started_at ? Date.parse(stats.started_at) : null;
    charts.update(minutes, events, { startedAt, titles, currency: "CNY" });
    parts.status.textContent = t(live ? "dash.as_of_live" : "dash.as_of", { time: formatDateTime(Date.parse(stats.as_of)) });
    parts.report.hidden = stats.status !== "ended";
    parts.report.href = `/console/rooms/${stats.room}/report`;
    root.dataset.status = stats.status;
  }

  async function refresh() {
    const shown = current;
    try {
      const data = await read(shown, polls++ % WEAKEST_EVERY === 0);
      if (shown !== current) return;
      if (data.weakest) weakest = data.weakest.weakest;
      draw(data);
      root.dataset.loaded = String(polls);
      return data.stats.status;
    } catch {
      // Keep the last figures; the next tick tries again.
      return "live";
    }
  }

  async function tick() {
    timer = null;
    const status = await refresh();
    // An ended show's figures are final; a scheduled one is still worth watching for its start.
    if (status !== "ended" && current !== null) timer = setTimeout(tick, REFRESH_MS);
  }

  function stop() {
    if (timer) clearTimeout(timer);
    timer = null;
  }

  tick();
  return {
    stop,
    refresh,
    room(id) { stop(); current = id; polls = 0; tick(); },
  };
}
