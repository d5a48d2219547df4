// The console's webhooks: endpoints that receive the shop's show reminders, each with its
// signing secret (shown once, when added) and its recent deliveries (/api/webhooks).

import { api } from "./api.js";
import { el, onSubmit, showMessage } from "./dom.js";
import { errorText } from "./errors.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

async function load() {
  const list = $("webhook-list");
  try {
    const { webhooks } = await api("GET", "/api/webhooks");
    list.replaceChildren(...(webhooks.length ? webhooks.map(row) : [el("p", { class: "muted" }, t("wh.none"))]));
  } catch (err) {
    list.replaceChildren(el("p", { class: "form-message error" }, errorText(err)));
  }
}

function row(hook) {
  const box = el("div", { class: "webhook-deliveries", "data-testid": "webhook-deliveries", hidden: true });
  const show = el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "webhook-show-deliveries",
    onclick: () => deliveries(hook, box) }, t("wh.deliveries"));
  const remove = el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "webhook-delete",
    onclick: () => drop(hook) }, t("wh.delete"));
  return el("div", { class: "deal-row", "data-testid": "webhook-row" },
    el("b", { "data-testid": "webhook-url" }, hook.url), show, remove, box);
}

async function drop(hook) {
  if (!confirm(`${t("common.confirm_delete")}\n${hook.url}`)) return;
  try {
    await api("DELETE", `/api/webhooks/${hook.id}`);
    load();
  } catch (err) {
    showMessage($("webhook-message"), errorText(err));
  }
}

async function deliveries(hook, box) {
  box.hidden = false;
  try {
    const { deliveries: found } = await api("GET", `/api/webhooks/${hook.id}/deliveries`);
    box.replaceChildren(...(found.length ? found.map(delivery) : [el("small", { class: "muted" }, t("wh.no_deliveries"))]));
  } catch (err) {
    box.replaceChildren(el("small", { class: "form-message error" }, errorText(err)));
  }
}

function delivery(d) {
  const at = new Date(d.delivered_at ?? d.created_at).toLocaleString();
  return el("div", { class: "webhook-delivery", "data-testid": "webhook-delivery" },
    el("small", {}, `${at} · ${d.event} · ${t(`wh.status_${d.status}`)} · ${t("wh.attempts", { count: d.attempts })}`),
    d.last_error ? el("small", { class: "muted" }, ` · ${d.last_error}`) : null);
}

export function initWebhooks() {
  const form = $("webhook-form");
  if (!form) return;
  onSubmit(form, async (event) => {
    event.preventDefault();
    const url = String(new FormData(form).get("url") ?? "").trim();
    try {
      const made = await api("POST", "/api/webhooks", { url });
      form.reset();
      // The secret is answered only now: the merchant copies it to verify signatures.
      showMessage($("webhook-message"), t("wh.secret_once", { secret: made.secret }), true);
      load();
    } catch (err) {
      showMessage($("webhook-message"), errorText(err));
    }
  });
  load();
}
