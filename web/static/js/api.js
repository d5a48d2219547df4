// JSON API calls from pages: the session cookie authenticates, X-CSRF-Token proves the
// request came from one of our pages. Errors become ApiError with the server's code; pages
// show errorText(err) (errors.js), the code's translation, not the English message.

import { t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

async function errorOf(response) {
  let code = "error";
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body?.error) ({ code, message } = body.error);
  } catch { /* not JSON: keep the status line */ }
  return new ApiError(response.status, code, message, response.headers.get("Retry-After"));
}

/** `api("POST", "/api/products", {...})` -> parsed JSON (null for 204). A Blob body (an
 * uploaded file) is sent as it is, with its own type. */
export async function api(method, path, body = undefined, headers = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (method !== "GET" && method !== "HEAD") init.headers["X-CSRF-Token"] = csrfToken();
  if (body instanceof Blob) {
    init.headers["Content-Type"] = body.type || "application/octet-stream";
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", t("common.network_error"));
  }
  if (!response.ok) throw await errorOf(response);
  return response.status === 204 ? null : response.json();
}

/** GET `path` again only if it changed since the answer tagged `etag`: null while it
 * holds (304), else `{ etag, data }`. */
export async function getIfChanged(path, etag = null) {
  const headers = { Accept: "application/json" };
  if (etag) headers["If-None-Match"] = etag;
  let response;
  try {
    response = await fetch(path, { credentials: "same-origin", cache: "no-store", headers });
  } catch {
    throw new ApiError(0, "network", t("common.network_error"));
  }
  if (response.status === 304) return null;
  if (!response.ok) throw await errorOf(response);
  return { etag: response.headers.get("ETag"), data: await response.json() };
}

/** The page's data block (user, lang, room...) rendered by the server. */
export function pageData() {
  const node = document.getElementById("page-data");
  return node ? JSON.parse(node.textContent) : {};
}
