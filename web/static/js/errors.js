// What a page says about an error: the translation of its stable code (messages.json
// "error.<code>"), never the server's English message, which is for API clients and logs.

import { t } from "./i18n.js";

/** Text for an ApiError, an `error` event's data, or a bare code string. */
export function errorText(errOrCode) {
  const raw = typeof errOrCode === "string" ? errOrCode : errOrCode?.code;
  // Only string codes are ours: a browser DOMException has a numeric legacy `code`.
  const code = typeof raw === "string" && raw ? raw : "error";
  const key = `error.${code}`;
  const text = t(key);
  return text === key ? t("error.generic", { code }) : text;
}
