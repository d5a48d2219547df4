// What a page says about an error: the translation of its stable code (messages.json
// "error.<code>"), never the server's English message, which is for API clients and logs.
// Details the code needs (when a mute ends) come as data and are formatted here, for the
// reader's language and time zone.

import { currentLang, t } from "./i18n.js";

/** A server time (ISO 8601) as the reader writes a date and time, to the minute. */
export function localTime(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso);
  return new Intl.DateTimeFormat(currentLang() === "zh" ? "zh-CN" : "en", {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  }).format(when);
}

// Codes whose text depends on the error's data: the key to use, and its placeholders.
const DETAILED = {
  muted: (data) => (data?.until
    ? ["error.muted", { until: localTime(data.until) }]
    : ["error.muted_show", {}]),
};

/** Text for an ApiError, an `error` event's data, or a bare code string. */
export function errorText(errOrCode) {
  const raw = typeof errOrCode === "string" ? errOrCode : errOrCode?.code;
  // Only string codes are ours: a browser DOMException has a numeric legacy `code`.
  const code = typeof raw === "string" && raw ? raw : "error";
  const [key, values] = DETAILED[code]?.(typeof errOrCode === "object" ? errOrCode : null)
    ?? [`error.${code}`, {}];
  const text = t(key, values);
  return text === key ? t("error.generic", { code }) : text;
}
