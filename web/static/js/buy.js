// The buy sheet: the live flash deal's price, else the shelf's list price; a quantity
// stepper, one order per tap with an idempotency key (a double tap or a retry after a
// timeout never buys twice), then pay to the address picked (the buyer's default unless
// changed; address-picker.js). The coupon row (coupons.js) shows the server's price
// with the buyer's best coupon. A product with a group offer adds the group section
// (groups.js): starting or joining a group places the seat's order, paid here the same way.

import { AddressPicker } from "./address-picker.js";
import { api } from "./api.js";
import { countdown } from "./countdown.js";
import { CouponPicker } from "./coupons.js";
import { el, fill, thumb } from "./dom.js";
import { errorText } from "./errors.js";
import { money, t } from "./i18n.js";
import { dealFor, remaining } from "./roomstate.js";

function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

// Units one shelf order may hold (livecommerce/orders/shelf.py).
const MAX_SHELF_UNITS = 99;

/** What a tap on the sheet buys: the live deal at its price, else the shelf at the list price. */
function offerOf(state, product) {
  const deal = dealFor(state, product.id);
  if (deal?.status === "live") {
    const left = remaining(deal);
    return { deal, live: true, price: deal.price_cents, left, cap: deal.per_user_limit ?? 1,
      path: `/api/sales/${deal.id}/orders`, target: `sale:${deal.id}` };
  }
  const left = Number.isFinite(product.stock) ? product.stock : null;
  return { deal, live: false, price: product.price_cents, left, cap: MAX_SHELF_UNITS,
    path: `/api/rooms/${state.room.id}/products/${product.id}/orders`, target: `shelf:${product.id}` };
}

export class BuySheet {
  constructor(sheet, scrim, { loggedIn, loginUrl, roomId }) {
    this.sheet = sheet;
    this.scrim = scrim;
    this.body = sheet.querySelector("#buy-body");
    this.loggedIn = loggedIn;
    this.loginUrl = loginUrl;
    this.product = null;
    this.picker = loggedIn ? new AddressPicker() : null;
    this.coupons = new CouponPicker({ roomId });
    this.groups = null; // GroupBuys (groups.js), set by the room
  }

  open(state, product) {
    this.product = product;
    // One idempotency key per thing bought (this deal, or the shelf), kept across retries.
    this.keys = new Map();
    this.quantity = 1;
    this.placed = null; // the order once placed: the sheet then offers to pay it
    this.button = null;
    this.note = null; // {text, ok}: the last outcome, kept across redraws
    this.offer = null;
    this.groupOrder = false; // the placed order is a group seat: its price is the group's
    this.coupons.reset();
    this.render(state);
    this.picker?.load();
    this.sheet.hidden = false;
    this.scrim.hidden = false;
    this.onOpen?.(product);
  }

  close() {
    this.sheet.hidden = true;
    this.product = null;
  }

  /** True when the sheet is open on order `orderId` (or placing one: the order's news may
   * arrive before the answer does); the sheet shows that order's news itself. */
  holds(orderId) {
    if (!this.product || this.sheet.hidden) return false;
    return this.busy || Boolean(this.groups?.busy) || this.placed?.id === orderId;
  }

  /** Redraw when stock or deal state changes while the sheet is open. */
  refresh(state) {
    if (this.product && !this.sheet.hidden && !this.busy) this.render(state);
  }

  /** A group seat's order placed from the group section: the sheet now offers to pay it. */
  takeOrder(order, text) {
    this.placed = order;
    this.groupOrder = true;
    this.note = { text, ok: true };
    this.render(this.state);
  }

  /** The group seat this sheet was paying was given back: the sheet starts over. */
  dropOrder(orderId) {
    if (this.placed?.id !== orderId) return;
    Object.assign(this, { placed: null, groupOrder: false, button: null, note: null });
    this.render(this.state);
  }

  render(state) {
    this.state = state;
    const product = this.product;
    const offer = offerOf(state, product);
    // The price under the buyer's thumb changed (the deal ended or sold out): say so.
    if (this.offer?.live && !offer.live && !this.placed) {
      this.note = { text: t("viewer.deal_over", { price: money(offer.price, product.currency) }), ok: false };
    }
    this.offer = offer;
    const { deal, live, price, left } = offer;
    const max = Math.max(1, Math.min(offer.cap, left ?? Infinity));
    this.quantity = Math.min(this.quantity, max);
    const output = el("output", { "data-testid": "buy-quantity" }, String(this.quantity));
    const total = el("b", { class: "price", "data-testid": "buy-total" }, money(price * this.quantity, product.currency));
    const priced = () => {
      if (this.loggedIn && !this.placed) {
        this.coupons.price({ product, deal: live ? deal : null, quantity: this.quantity, currency: product.currency,
          onQuote: (quote) => { total.textContent = money(quote.total_cents, product.currency); } });
      }
    };
    const step = (delta) => () => {
      this.quantity = Math.min(max, Math.max(1, this.quantity + delta));
      output.textContent = String(this.quantity);
      total.textContent = money(price * this.quantity, product.currency);
      priced();
    };
    priced();
    this.result = el("p", { class: "buy-result", hidden: true, "data-testid": "buy-result" });
    if (this.note) this.show(this.note.text, this.note.ok);
    fill(this.body,
      el("div", { class: "buy-product" }, thumb(product),
        el("div", { class: "buy-meta" },
          el("b", {}, product.title),
          el("span", { class: "price", "data-testid": "buy-price" }, money(price, product.currency),
            live ? el("span", { class: "strike" }, money(product.price_cents, product.currency)) : null),
          live ? el("small", { class: "muted" }, t("sale.limit", { count: deal.per_user_limit ?? 1 })) : null,
          live && left !== null ? el("small", { class: "deal-tag" }, t("sale.left", { count: left })) : null)),
      this.dealLine(deal, product),
      this.groups?.section(this, product),
      this.groupOrder ? null : el("div", { class: "buy-row" }, el("span", {}, t("buy.quantity")),
        el("div", { class: "stepper" },
          el("button", { type: "button", onclick: step(-1), "aria-label": "-" }, "−"), output,
          el("button", { type: "button", onclick: step(1), "aria-label": "+" }, "+"))),
      this.loggedIn && !this.groupOrder ? this.coupons.row : null,
      el("div", { class: "buy-row" }, el("span", {}, t("buy.total")),
        this.groupOrder ? el("b", { class: "price", "data-testid": "buy-total" }, money(this.placed.total_cents, product.currency)) : total),
      this.result,
      this.picker && this.placed?.status !== "paid" ? this.picker.root : null,
      this.action());
  }

  /** A deal still to come: the buyer may wait for it or buy now at the list price. */
  dealLine(deal, product) {
    if (deal?.status !== "scheduled") return null;
    const timer = el("b", {}, "--:--");
    countdown(timer, deal.starts_at, "00:00");
    return el("p", { class: "buy-note" },
      `⚡ ${t("sale.flash")} ${money(deal.price_cents, product.currency)} · ${t("sale.starts_in")} `, timer);
  }

  /** The sheet's one action button. It is the same element across redraws (stock updates
   * arrive while the buyer taps): replacing it mid-tap would swallow the tap. */
  action() {
    if (!this.loggedIn) return el("a", { class: "btn btn-primary btn-block", href: this.loginUrl }, t("buy.login"));
    if (this.placed?.status === "paid") return null;
    const button = this.button ??= el("button", { type: "button", class: "btn btn-primary btn-block",
      onclick: () => (this.placed ? this.pay() : this.order()) });
    if (this.placed) {
      button.setAttribute("data-testid", "buy-pay");
      button.textContent = t("buy.pay");
      button.disabled = Boolean(this.busy);
    } else {
      const soldOut = this.offer.left === 0;
      button.setAttribute("data-testid", "buy-confirm");
      button.textContent = soldOut ? t("sale.sold_out") : t(this.offer.live ? "buy.confirm" : "viewer.buy_now");
      button.disabled = Boolean(this.busy) || soldOut;
    }
    return button;
  }

  show(text, ok) {
    this.note = { text, ok };
    this.result.hidden = false;
    this.result.textContent = text;
    this.result.className = `buy-result ${ok ? "ok" : "error"}`;
  }

  async order() {
    const { path, target } = this.offer;
    if (!this.keys.has(target)) this.keys.set(target, newKey());
    this.busy = true;
    this.button.disabled = true;
    try {
      const order = await api("POST", path, { quantity: this.quantity, coupon_claim_id: this.coupons.claimId },
        { "Idempotency-Key": this.keys.get(target) });
      this.placed = order;
      this.show(t("buy.ordered_short", { id: order.id ?? "" }), true);
    } catch (err) {
      this.show(errorText(err), false);
      // A refusal is final for this key; a fresh tap is a fresh attempt.
      if (err.status && err.status < 500) this.keys.delete(target);
    } finally {
      this.busy = false;
      this.action();
    }
  }

  async pay() {
    this.busy = true;
    this.button.disabled = true;
    try {
      const addressId = this.picker?.chosenId;
      this.placed = await api("POST", `/api/orders/${this.placed.id}/pay`,
        addressId ? { address_id: addressId } : {});
      this.show(t("buy.paid"), true);
      this.picker?.root.remove();
      this.groups?.paid(this.placed);
    } catch (err) {
      if (err.code === "address_required" && this.picker) {
        this.picker.ask(errorText(err)); // the form says it, beside the fields to fill
        this.note = null;
        this.result.hidden = true;
      } else this.show(errorText(err), false);
    } finally {
      this.busy = false;
      if (this.placed.status === "paid") this.button.remove();
      else this.action();
      if (this.groupOrder) this.render(this.state); // the group section now says where the group stands
    }
  }
}
