// "My promotions": the promoter's links with their clicks, and each commission with
// where its money is (pending until the order's return window closes, then payable).
import { api } from "./api.js";
import { el, fill } from "./dom.js";
import { errorText } from "./errors.js";
import { money, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

function stat(label, value, testid) {
  return el("div", { class: "stat-card" }, el("small", { class: "muted" }, label),
    el("b", { "data-testid": testid }, value));
}

function renderTotals(totals) {
  fill($("promo-totals"),
    stat(t("promo.clicks"), totals.clicks, "promo-clicks"),
    stat(t("promo.orders"), totals.orders, "promo-orders"),
    stat(t("promo.pending"), money(totals.pending_cents), "promo-pending"),
    stat(t("promo.payable"), money(totals.payable_cents), "promo-payable"));
}

function renderLinks(links) {
  if (!links.length) return fill($("promo-links"), el("div", { class: "empty" }, t("promo.no_links")));
  fill($("promo-links"), el("ul", { class: "promo-list" }, links.map((link) =>
    el("li", { class: "promo-row", "data-testid": "promo-link" },
      el("span", {}, `${t(`promo.kind_${link.kind}`)} · ${link.title}`),
      el("a", { href: link.path, class: "muted small" }, location.origin + link.path),
      el("b", { "data-testid": "promo-link-clicks" }, t("promo.click_count", { count: link.clicks }))))));
}

function renderCommissions(rows) {
  if (!rows.length) return fill($("promo-commissions"), el("div", { class: "empty" }, t("promo.no_commissions")));
  fill($("promo-commissions"), el("ul", { class: "promo-list" }, rows.map((c) =>
    el("li", { class: "promo-row", "data-testid": "promo-commission", "data-status": c.status },
      el("span", {}, `#${c.order_id} · ${c.product_title}`),
      el("small", { class: "muted" }, t("promo.level", { level: c.level, rate: (c.rate_bp / 100).toFixed(2) })),
      el("b", {}, money(c.amount_cents)),
      el("span", { class: `badge badge-${c.status}`, "data-testid": "promo-commission-status" }, t(`promo.status_${c.status}`))))));
}

async function load() {
  try {
    const data = await api("GET", "/api/me/promotions");
    renderTotals(data.totals);
    renderLinks(data.links);
    renderCommissions(data.commissions);
  } catch (err) {
    fill($("promo-totals"), el("div", { class: "empty error" }, errorText(err)));
  }
}

load();
