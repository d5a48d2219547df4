// Console: the shop's promoter rules (approval, attribution window, rates, levels,
// group buys), a product's own rate, the promoters with their numbers, and the
// payouts CSV.
import { api } from "./api.js";
import { el, fill } from "./dom.js";
import { errorText } from "./errors.js";
import { money, t } from "./i18n.js";
import { toast } from "./toast.js";

const $ = (id) => document.getElementById(id);
const percent = (bp) => (bp / 100).toString();
const basis = (text) => Math.round(Number(text || 0) * 100);

async function loadRules() {
  const form = $("promoter-rules");
  const rules = await api("GET", "/api/merchant/referral-settings");
  form.requires_approval.checked = rules.requires_approval;
  form.window_days.value = rules.window_days;
  form.rate.value = percent(rules.rate_bp);
  form.levels.value = String(rules.levels);
  form.second_rate.value = percent(rules.second_rate_bp);
  form.group_buys.checked = rules.group_buys;
}

async function saveRules(event) {
  event.preventDefault();
  const form = event.target;
  const body = {
    requires_approval: form.requires_approval.checked, window_days: Number(form.window_days.value),
    rate_bp: basis(form.rate.value), levels: Number(form.levels.value),
    second_rate_bp: basis(form.second_rate.value), group_buys: form.group_buys.checked,
  };
  try {
    await api("PUT", "/api/merchant/referral-settings", body);
    toast(t("cp.saved"));
  } catch (err) {
    toast(errorText(err), { error: true });
  }
}

async function saveProductRate(event) {
  event.preventDefault();
  const form = event.target;
  const rate = form.rate.value === "" ? null : basis(form.rate.value);
  try {
    await api("PUT", `/api/merchant/products/${form.product_id.value}/commission`, { rate_bp: rate });
    toast(t("cp.saved"));
  } catch (err) {
    toast(errorText(err), { error: true });
  }
}

async function decide(userId, decision) {
  try {
    await api("POST", `/api/merchant/promoters/${userId}/${decision}`);
    await loadPromoters();
  } catch (err) {
    toast(errorText(err), { error: true });
  }
}

function promoterRow(p) {
  const actions = p.status === "approved" ? [] : [el("button", { type: "button", class: "btn btn-primary btn-sm",
    "data-testid": "promoter-approve", onclick: () => decide(p.user_id, "approve") }, t("cp.approve"))];
  if (p.status !== "rejected") actions.push(el("button", { type: "button", class: "btn btn-ghost btn-sm",
    "data-testid": "promoter-reject", onclick: () => decide(p.user_id, "reject") }, t("cp.reject")));
  return el("tr", { "data-testid": "promoter-row" },
    el("td", {}, `${p.display_name} (@${p.handle})`),
    el("td", {}, p.status ? t(`cp.status_${p.status}`) : "—"),
    el("td", {}, p.links), el("td", {}, p.clicks), el("td", {}, p.orders),
    el("td", { "data-testid": "promoter-pending" }, money(p.pending_cents)),
    el("td", { "data-testid": "promoter-payable" }, money(p.payable_cents)),
    el("td", {}, actions));
}

async function loadPromoters() {
  const { promoters } = await api("GET", "/api/merchant/promoters");
  if (!promoters.length) return fill($("promoter-list"), el("div", { class: "empty" }, t("cp.none")));
  const head = ["cp.promoter", "cp.approval", "cp.links", "cp.clicks", "cp.orders", "cp.pending", "cp.payable", ""];
  fill($("promoter-list"), el("table", { class: "table" },
    el("thead", {}, el("tr", {}, head.map((k) => el("th", {}, k ? t(k) : "")))),
    el("tbody", {}, promoters.map(promoterRow))));
}

/** Fill the product picker of the per-product rate form. */
export function setPromoterProducts(products) {
  const select = $("product-rate")?.product_id;
  if (!select) return;
  fill(select, products.map((p) => el("option", { value: p.id }, p.title)));
}

export function initPromoters() {
  if (!$("promoters")) return;
  $("promoter-rules").addEventListener("submit", saveRules);
  $("product-rate").addEventListener("submit", saveProductRate);
  $("export-payouts").href = "/api/merchant/payouts.csv";
  Promise.all([loadRules(), loadPromoters()]).catch((err) => toast(errorText(err), { error: true }));
}
