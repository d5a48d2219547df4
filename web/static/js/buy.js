// The buy sheet: the flash deal's price, a quantity stepper, one order per tap with an
// idempotency key (a double tap or a retry after a timeout never buys twice), then pay.
// A product without a deal is bought from the shelf at its list price. Either way the
// coupon row (coupons.js) shows the server's price with the buyer's best coupon.

import { api } from "./api.js";
import { CouponPicker } from "./coupons.js";
import { countdown } from "./countdown.js";
import { el, fill, thumb } from "./dom.js";
import { errorText } from "./errors.js";
import { money, t } from "./i18n.js";
import { dealFor, remaining } from "./roomstate.js";

function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

export class BuySheet {
  constructor(sheet, scrim, { loggedIn, loginUrl, roomId }) {
    this.sheet = sheet;
    this.scrim = scrim;
    this.body = sheet.querySelector("#buy-body");
    this.loggedIn = loggedIn;
    this.loginUrl = loginUrl;
    this.product = null;
    this.coupons = new CouponPicker({ roomId });
  }

  open(state, product) {
    this.product = product;
    this.key = newKey();
    this.quantity = 1;
    this.placed = null; // the order once placed: the sheet then offers to pay it
    this.button = null;
    this.note = null; // {text, ok}: the last outcome, kept across redraws
    this.coupons.reset();
    this.render(state);
    this.sheet.hidden = false;
    this.scrim.hidden = false;
  }

  close() {
    this.sheet.hidden = true;
    this.product = null;
  }

  /** Redraw when stock or deal state changes while the sheet is open. */
  refresh(state) {
    if (this.product && !this.sheet.hidden && !this.busy) this.render(state);
  }

  render(state) {
    const product = this.product;
    const deal = dealFor(state, product.id);
    const live = deal?.status === "live";
    const shelf = !deal; // no deal on it now: bought at the list price
    const buyable = live || shelf;
    const price = live ? deal.price_cents : product.price_cents;
    const left = live ? remaining(deal) : null;
    const max = shelf ? 99 : Math.max(1, Math.min(deal?.per_user_limit ?? 1, left ?? Infinity));
    this.quantity = Math.min(this.quantity, max);
    const output = el("output", {}, String(this.quantity));
    const total = el("b", { class: "price" }, money(price * this.quantity, product.currency));
    const priced = () => {
      if (this.loggedIn && buyable && !this.placed) {
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
    total.setAttribute("data-testid", "buy-total");
    priced();
    this.result = el("p", { class: "buy-result", hidden: true, "data-testid": "buy-result" });
    if (this.note) this.show(this.note.text, this.note.ok);
    fill(this.body,
      el("div", { class: "buy-product" }, thumb(product),
        el("div", { class: "buy-meta" },
          el("b", {}, product.title),
          el("span", { class: "price" }, money(price, product.currency),
            live ? el("span", { class: "strike" }, money(product.price_cents, product.currency)) : null),
          deal ? el("small", { class: "muted" }, t("sale.limit", { count: deal.per_user_limit ?? 1 })) : null,
          live && left !== null ? el("small", { class: "deal-tag" }, t("sale.left", { count: left })) : null)),
      shelf ? null : this.dealLine(deal),
      buyable ? el("div", { class: "buy-row" }, el("span", {}, t("buy.quantity")),
        el("div", { class: "stepper" },
          el("button", { type: "button", onclick: step(-1), "aria-label": "-" }, "−"), output,
          el("button", { type: "button", onclick: step(1), "aria-label": "+" }, "+"))) : null,
      buyable && this.loggedIn ? this.coupons.row : null,
      buyable ? el("div", { class: "buy-row" }, el("span", {}, t("buy.total")), total) : null,
      this.result,
      this.action(deal, live, left));
  }

  dealLine(deal) {
    if (!deal) return el("p", { class: "buy-note" }, t("buy.no_deal"));
    if (deal.status === "scheduled") {
      const timer = el("b", {}, "--:--");
      countdown(timer, deal.starts_at, "00:00");
      return el("p", { class: "buy-note" }, `⚡ ${t("sale.flash")} · ${t("sale.starts_in")} `, timer);
    }
    return null;
  }

  /** The sheet's one action button. It is the same element across redraws (stock updates
   * arrive while the buyer taps): replacing it mid-tap would swallow the tap. */
  action(deal, live, left) {
    if (!this.loggedIn) return el("a", { class: "btn btn-primary btn-block", href: this.loginUrl }, t("buy.login"));
    if (this.placed?.status === "paid") return null;
    this.deal = deal;
    const button = this.button ??= el("button", { type: "button", class: "btn btn-primary btn-block",
      onclick: () => (this.placed ? this.pay() : this.order()) });
    if (this.placed) {
      button.setAttribute("data-testid", "buy-pay");
      button.textContent = t("buy.pay");
      button.disabled = Boolean(this.busy);
    } else {
      const soldOut = deal?.status === "sold_out" || left === 0;
      button.setAttribute("data-testid", "buy-confirm");
      button.textContent = soldOut ? t("sale.sold_out") : t("buy.confirm");
      button.disabled = Boolean(this.busy) || !(live || !deal) || soldOut;
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
    this.busy = true;
    this.button.disabled = true;
    try {
      const live = this.deal?.status === "live";
      const path = live ? `/api/sales/${this.deal.id}/orders`
        : `/api/rooms/${this.coupons.roomId}/products/${this.product.id}/orders`;
      const order = await api("POST", path, { quantity: this.quantity, coupon_claim_id: this.coupons.claimId },
        { "Idempotency-Key": this.key });
      this.placed = order;
      this.show(t("buy.ordered_short", { id: order.id ?? "" }), true);
    } catch (err) {
      this.show(errorText(err), false);
      // A refusal is final for this key; a fresh tap is a fresh attempt.
      if (err.status && err.status < 500) this.key = newKey();
    } finally {
      this.busy = false;
      this.action(this.deal, this.deal?.status === "live", null);
    }
  }

  async pay() {
    this.busy = true;
    this.button.disabled = true;
    try {
      this.placed = await api("POST", `/api/orders/${this.placed.id}/pay`, {});
      this.show(t("buy.paid"), true);
    } catch (err) {
      this.show(errorText(err), false);
    } finally {
      this.busy = false;
      if (this.placed.status === "paid") this.button.remove();
      else this.action(this.deal, true, null);
    }
  }
}
