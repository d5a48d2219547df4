// Console: the actions on one order of the merchant's products (ship or cancel, approve
// or reject a return, retry a refund the provider refused). The list around them (filters, search, export) is console-deals.js's.
import { api } from "./api.js";
import { el } from "./dom.js";
import { errorText } from "./errors.js";
import { t } from "./i18n.js";
import { toast } from "./toast.js";

async function post(path, body, done, onDone) {
  try {
    await api("POST", path, body);
    toast(t(done));
    await onDone?.();
  } catch (err) {
    toast(errorText(err), { error: true });
  }
}

function shipForm(order, onDone) {
  const carrier = el("input", { name: "carrier", placeholder: t("oc.carrier"), maxlength: 60, "data-testid": "ship-carrier", class: "input-sm" });
  const number = el("input", { name: "tracking_number", placeholder: t("oc.tracking_number"), maxlength: 80, "data-testid": "ship-tracking", class: "input-sm" });
  const ship = () => post(`/api/merchant/orders/${order.id}/ship`,
    { carrier: carrier.value, tracking_number: number.value }, "oc.shipped", onDone);
  return el("div", { class: "order-actions" }, carrier, number,
    el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "order-ship", onclick: ship }, t("oc.ship")),
    cancelForm(order, onDone));
}

// Before shipping the merchant may cancel a paid order; every unit is refunded.
function cancelForm(order, onDone) {
  const reason = el("input", { name: "cancel_reason", placeholder: t("ocx.cancel_reason"), maxlength: 500, "data-testid": "cancel-reason", class: "input-sm" });
  const cancel = () => post(`/api/merchant/orders/${order.id}/cancel`, { reason: reason.value }, "ocx.cancelled", onDone);
  return el("span", { class: "order-cancel" }, reason,
    el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "order-cancel", onclick: cancel }, t("ocx.cancel")));
}

function returnDecision(order, onDone) {
  const reason = el("input", { name: "reason", placeholder: t("oc.reject_reason"), maxlength: 500, "data-testid": "reject-reason", class: "input-sm" });
  const base = `/api/merchant/orders/${order.id}/return`;
  return el("div", { class: "order-actions" },
    el("small", {}, t("oc.return_asked", { count: order.return_quantity })),
    el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "order-approve",
      onclick: () => post(`${base}/approve`, undefined, "oc.approved", onDone) }, t("oc.approve")),
    reason,
    el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "order-reject",
      onclick: () => post(`${base}/reject`, { reason: reason.value }, "oc.rejected", onDone) }, t("oc.reject")));
}

// The provider kept refusing the refund: say so, and ask it again (same reference).
function refundRetry(order, onDone) {
  return el("div", { class: "order-actions" },
    el("small", { class: "error", "data-testid": "refund-failed" }, t("ocx.refund_failed")),
    el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "refund-retry",
      onclick: () => post(`/api/merchant/orders/${order.id}/refund/retry`, undefined, "ocx.refund_retried", onDone) }, t("ocx.refund_retry")));
}

/** The actions that apply to ``order`` now, or null; ``onDone`` reloads the list. */
export function orderActions(order, { onDone } = {}) {
  if (order.status === "paid") return shipForm(order, onDone);
  if (order.status === "refunding" && order.refund_failed) return refundRetry(order, onDone);
  if (order.status === "refund_requested") return returnDecision(order, onDone);
  return null;
}
