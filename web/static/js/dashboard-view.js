// The dashboard's cards and tables: headline numbers with their last-10-vs-previous-10
// comparison, the flagged worst metric, and the per-product table.

import { clear, el, fill } from "./dom.js";
import {
  HEADLINES, change, formatChange, formatCount, formatMoney, formatRate, formatValue,
} from "./dashboard-format.js";
import { t } from "./i18n.js";

/** A headline's value in a stats answer (or one of its windows). */
export function headlineValue(headline, metrics, stats = null) {
  if (headline.source === null) return stats ? stats.viewers ?? null : null;
  return metrics?.[headline.source] ?? null;
}

/** Change from the previous window to the last, turned so that negative is worse. */
function betterChange(headline, recent) {
  if (!recent || headline.source === null) return null;
  const ratio = change(headlineValue(headline, recent.last.metrics), headlineValue(headline, recent.previous.metrics));
  return ratio === null ? null : headline.lower ? -ratio : ratio;
}

/** The headline that fell most against the previous 10 minutes; failing that, the one
 * furthest below the merchant's previous shows (`weakest`); null when nothing is worse. */
export function worstHeadline(stats, weakest = []) {
  let worst = null;
  for (const h of HEADLINES) {
    const c = betterChange(h, stats.recent);
    if (c !== null && c < 0 && (worst === null || c < worst.change)) worst = { key: h.key, change: c };
  }
  if (worst) return worst.key;
  const first = weakest.find((w) => HEADLINES.some((h) => h.source === w.metric));
  return first ? HEADLINES.find((h) => h.source === first.metric).key : null;
}

function compareLine(headline, stats) {
  const recent = stats.recent;
  if (!recent || headline.source === null) return el("small", { class: "dash-compare muted" }, t("dash.now"));
  const last = formatValue(headline.kind, headlineValue(headline, recent.last.metrics), stats.currency);
  const previous = formatValue(headline.kind, headlineValue(headline, recent.previous.metrics), stats.currency);
  const c = betterChange(headline, recent);
  const ratio = change(headlineValue(headline, recent.last.metrics), headlineValue(headline, recent.previous.metrics));
  const trend = c === null ? "" : c < 0 ? "down" : c > 0 ? "up" : "";
  return el("small", { class: `dash-compare ${trend}`, "data-testid": "dash-compare",
    title: t("dash.compare_hint", { minutes: recent.window_minutes }) },
    t("dash.compare", { last, previous }),
    ratio === null ? null : el("b", {}, ` ${formatChange(ratio)}`));
}

/** The grid of headline cards; the worst one (while live) gets the red flag. */
export function renderHeadlines(node, stats, { worst = null } = {}) {
  clear(node);
  for (const h of HEADLINES) {
    const value = headlineValue(h, stats.metrics, stats);
    const flagged = h.key === worst;
    node.append(el("div", { class: `dash-card${flagged ? " worst" : ""}`, "data-testid": `dash-${h.key}`,
      dataset: { metric: h.key, value: value ?? "" } },
      el("span", { class: "dash-label" }, t(`dash.m_${h.key}`),
        flagged ? el("em", { class: "dash-flag", "data-testid": "dash-worst" }, t("dash.worst")) : null),
      el("b", { class: "dash-value" }, formatValue(h.kind, value, stats.currency)),
      compareLine(h, stats)));
  }
}

const PRODUCT_COLUMNS = [
  ["impressions", (p) => formatCount(p.impressions)],
  ["clicks", (p) => formatCount(p.clicks)],
  ["orders", (p) => formatCount(p.orders)],
  ["gmv", (p, currency) => formatMoney(p.gmv_gross_cents, currency)],
  ["conversion", (p) => (p.click_to_order === null ? "–" : formatRate(p.click_to_order))],
];

/** The per-product table: impressions, clicks, orders, GMV and click-to-order conversion. */
export function renderProducts(node, products, currency = "CNY") {
  const head = el("tr", {}, el("th", {}, t("dash.product")),
    ...PRODUCT_COLUMNS.map(([key]) => el("th", { class: "num" }, t(`dash.col_${key}`))));
  const rows = products.map((p) => el("tr", { "data-testid": "dash-product", dataset: { productId: p.product_id } },
    el("td", {}, p.title),
    ...PRODUCT_COLUMNS.map(([key, cell]) => el("td", { class: "num", dataset: { col: key } }, cell(p, currency)))));
  const body = rows.length ? rows : [el("tr", {}, el("td", { colspan: 6, class: "muted" }, t("dash.no_products")))];
  fill(node, el("table", { class: "dash-table" }, el("thead", {}, head), el("tbody", {}, ...body)));
}
