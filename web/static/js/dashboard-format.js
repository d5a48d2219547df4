// The dashboard's figures: which headline numbers there are, how each is written for the
// reader's locale (Intl), and which way is better, so a fall is flagged the right way round.

import { currentLang } from "./i18n.js";

/** source: the field of the stats API's metrics object (viewers_now: the live gauge).
 * kind: money (cents), count, rate (0..1), ms. lower: a smaller value is better. */
export const HEADLINES = [
  { key: "gmv_gross", source: "gmv_gross_cents", kind: "money" },
  { key: "gmv_net", source: "gmv_net_cents", kind: "money" },
  { key: "orders", source: "orders", kind: "count" },
  { key: "buyers", source: "buyers", kind: "count" },
  { key: "viewers_now", source: null, kind: "count" },
  { key: "viewers_peak", source: "peak_viewers", kind: "count" },
  { key: "viewers_unique", source: "unique_viewers", kind: "count" },
  { key: "avg_watch", source: "avg_watch_ms", kind: "ms" },
  { key: "ctr", source: "ctr", kind: "rate" },
  { key: "click_to_order", source: "click_to_order", kind: "rate" },
  { key: "conversion", source: "view_to_buy", kind: "rate" },
  { key: "gpm", source: "gpm_cents", kind: "money" },
  { key: "aov", source: "aov_cents", kind: "money" },
  { key: "unpaid_rate", source: "unpaid_rate", kind: "rate", lower: true },
  { key: "refund_rate", source: "refund_rate", kind: "rate", lower: true },
];

export const BY_KEY = Object.fromEntries(HEADLINES.map((h) => [h.key, h]));

/** The reader's locale in the page's language: en-GB stays en-GB, zh-TW stays zh-TW. */
export function locale() {
  const lang = currentLang();
  const wanted = (navigator.languages ?? [navigator.language]).find((l) => l?.toLowerCase().startsWith(lang));
  return wanted ?? (lang === "zh" ? "zh-CN" : "en");
}

const cache = new Map();
function formatter(name, make) {
  const key = `${locale()}|${name}`;
  if (!cache.has(key)) cache.set(key, make(locale()));
  return cache.get(key);
}

export function formatMoney(cents, currency = "CNY") {
  cents = Math.round(cents);
  const whole = cents % 100 === 0;
  const f = formatter(`money:${currency}:${whole}`, (loc) => new Intl.NumberFormat(loc, {
    style: "currency", currency, currencyDisplay: "narrowSymbol",
    minimumFractionDigits: whole ? 0 : 2, maximumFractionDigits: 2 }));
  return f.format(cents / 100);
}

export function formatCount(n) {
  return formatter("count", (loc) => new Intl.NumberFormat(loc, { maximumFractionDigits: 0 })).format(n);
}

export function formatRate(ratio) {
  return formatter("rate", (loc) => new Intl.NumberFormat(loc, { style: "percent", maximumFractionDigits: 1 })).format(ratio);
}

export function formatSeconds(total) {
  const seconds = Math.round(total);
  const unit = (u, n) => formatter(`unit:${u}`, (loc) => new Intl.NumberFormat(loc, { style: "unit", unit: u, unitDisplay: "narrow" })).format(n);
  if (seconds < 60) return unit("second", seconds);
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${unit("minute", minutes)} ${unit("second", seconds % 60)}`;
  return `${unit("hour", Math.floor(minutes / 60))} ${unit("minute", minutes % 60)}`;
}

export function formatTime(ms) {
  return formatter("time", (loc) => new Intl.DateTimeFormat(loc, { hour: "2-digit", minute: "2-digit" })).format(ms);
}

export function formatDateTime(ms) {
  return formatter("datetime", (loc) => new Intl.DateTimeFormat(loc, { dateStyle: "medium", timeStyle: "short" })).format(ms);
}

/** One headline value as the reader reads it; null (no data yet) is a dash. */
export function formatValue(kind, value, currency = "CNY") {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (kind === "money") return formatMoney(value, currency);
  if (kind === "rate") return formatRate(value);
  if (kind === "ms") return formatSeconds(value / 1000);
  return formatCount(value);
}

/** The relative change from `previous` to `last` (0.25 = +25%), or null when undefined. */
export function change(last, previous) {
  if (last === null || last === undefined || previous === null || previous === undefined) return null;
  if (previous === 0) return last === 0 ? 0 : null;
  return (last - previous) / Math.abs(previous);
}

export function formatChange(ratio) {
  return formatter("change", (loc) => new Intl.NumberFormat(loc, {
    style: "percent", maximumFractionDigits: 0, signDisplay: "exceptZero" })).format(ratio);
}
