// Page text: the server embeds the chosen language's messages in #i18n-messages.
// The choice lives in localStorage and in a cookie, so the server renders the same language.

const LANG_KEY = "lc.lang";
let table = null;

function messages() {
  if (table === null) {
    const node = document.getElementById("i18n-messages");
    table = node ? JSON.parse(node.textContent) : {};
  }
  return table;
}

/** The text for `key`, with `{name}` placeholders filled from `values`. */
export function t(key, values = {}) {
  const text = messages()[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
}

export function currentLang() {
  return document.documentElement.dataset.lang || "en";
}

/** Save the choice for both the scripts (localStorage) and the server (cookie), then reload. */
export function setLang(lang) {
  try { localStorage.setItem(LANG_KEY, lang); } catch { /* private mode: the cookie is enough */ }
  document.cookie = `lc_lang=${encodeURIComponent(lang)}; path=/; max-age=31536000; samesite=lax`;
  location.reload();
}

/** A choice saved in localStorage but missing from the cookie (cleared cookies) is restored. */
export function restoreLang() {
  let saved = null;
  try { saved = localStorage.getItem(LANG_KEY); } catch { return; }
  const hasCookie = document.cookie.split("; ").some((c) => c.startsWith("lc_lang="));
  if (saved && !hasCookie && saved !== currentLang()) setLang(saved);
}

export function money(cents, currency = "CNY") {
  const symbol = currency === "CNY" ? "¥" : currency === "USD" ? "$" : `${currency} `;
  const value = (cents / 100).toFixed(cents % 100 === 0 ? 0 : 2);
  return `${symbol}${value}`;
}

export function compactNumber(n) {
  if (n < 10000) return String(n);
  return currentLang() === "zh" ? `${(n / 10000).toFixed(1)}万` : `${(n / 1000).toFixed(1)}k`;
}
