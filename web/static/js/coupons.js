// Coupons on the viewer's page: the cards the host drops (one tap to claim, live "N left")
// and the coupon row of the buy sheet, priced by the server's own checkout function.

import { api } from "./api.js";
import { el, fill } from "./dom.js";
import { errorText } from "./errors.js";
import { money, t } from "./i18n.js";
import { toast } from "./toast.js";

function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

/** "¥5.00 off" or "10% off (up to ¥3.00)", and the minimum spend if any. */
export function couponTerms(c, currency = "CNY") {
  const off = c.kind === "fixed"
    ? t("coupon.off_fixed", { amount: money(c.amount_off_cents, currency) })
    : t("coupon.off_percent", { percent: c.percent_off, max: money(c.max_discount_cents ?? 0, currency) });
  return c.min_spend_cents ? `${off} · ${t("coupon.min_spend", { amount: money(c.min_spend_cents, currency) })}` : off;
}

export class CouponCards {
  constructor(container, { roomId, loggedIn, loginUrl }) {
    this.box = container;
    this.roomId = roomId;
    this.loggedIn = loggedIn;
    this.loginUrl = loginUrl;
    this.drops = new Map(); // id -> drop data
    this.keys = new Map(); // drop id -> Idempotency-Key of the claim in progress
    this.mine = new Set(); // drop ids this viewer claimed here
  }

  async load() {
    try {
      const { drops } = await api("GET", `/api/rooms/${this.roomId}/coupons`);
      this.drops = new Map(drops.map((d) => [d.id, d]));
      this.render();
    } catch { /* the next event or reconnect loads them again */ }
  }

  onEvent(event) {
    const data = event.data ?? {};
    if (event.type === "room.snapshot") return this.load();
    if (event.type === "coupon.dropped") this.drops.set(data.drop.id, data.drop);
    else if (event.type === "coupon.stock") this.update(data.drop_id, { claimed: data.claimed, remaining: data.remaining });
    else if (event.type === "coupon.sold_out") this.update(data.drop_id, { remaining: 0 });
    else if (event.type === "coupon.claimed") this.mine.add(data.drop_id);
    else if (event.type === "room.ended") for (const d of this.drops.values()) d.open = false;
    else return undefined;
    return this.render();
  }

  update(id, values) {
    const drop = this.drops.get(id);
    // Counts only grow: a late, older stock event must not put coupons back.
    if (drop && (values.claimed === undefined || values.claimed >= drop.claimed)) Object.assign(drop, values);
  }

  render() {
    const open = [...this.drops.values()].filter((d) => d.open && (d.claim_ends_at === null || new Date(d.claim_ends_at) > new Date()));
    this.box.hidden = open.length === 0;
    fill(this.box, ...open.slice(0, 3).map((d) => this.card(d)));
  }

  card(drop) {
    const left = drop.remaining;
    const gone = left === 0;
    const claimed = this.mine.has(drop.id);
    const button = el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "coupon-claim",
      disabled: gone || claimed, onclick: () => this.claim(drop, button) },
    claimed ? t("coupon.claimed") : gone ? t("coupon.gone") : t("coupon.claim"));
    return el("div", { class: "coupon-card", "data-testid": "coupon-card", dataset: { dropId: drop.id } },
      el("div", { class: "coupon-value" }, el("b", {}, drop.title), el("small", {}, couponTerms(drop))),
      el("div", { class: "coupon-side" },
        el("small", { class: "coupon-left", "data-testid": "coupon-left" },
          left === null ? t("coupon.unlimited") : t("coupon.left", { count: left })),
        button));
  }

  async claim(drop, button) {
    if (!this.loggedIn) { location.href = this.loginUrl; return; }
    button.disabled = true;
    const key = this.keys.get(drop.id) ?? newKey();
    this.keys.set(drop.id, key); // a retry after a timeout claims nothing twice
    try {
      await api("POST", `/api/coupons/drops/${drop.id}/claims`, undefined, { "Idempotency-Key": key });
      this.mine.add(drop.id);
      toast(t("coupon.claimed_toast", { title: drop.title }));
    } catch (err) {
      toast(errorText(err), { error: true });
      if (err.code === "coupon_limit_reached") this.mine.add(drop.id);
      if (err.status && err.status < 500) this.keys.delete(drop.id);
    }
    this.render();
  }
}

/** The buy sheet's coupon row: the best coupon is chosen; the buyer may pick another or
 * none. `onQuote(quote)` gets the server's price (the same function checkout charges). */
export class CouponPicker {
  constructor({ roomId }) {
    this.roomId = roomId;
    this.claimId = null;
    this.chosenByBuyer = false;
    this.row = el("div", { class: "buy-row coupon-row", hidden: true, "data-testid": "buy-coupon-row" });
  }

  reset() { this.claimId = null; this.chosenByBuyer = false; }

  async price({ product, deal, quantity, currency, onQuote }) {
    const path = deal ? `/api/sales/${deal.id}/quote` : `/api/rooms/${this.roomId}/products/${product.id}/quote`;
    const body = { quantity, coupon_claim_id: this.chosenByBuyer ? this.claimId : null, best: !this.chosenByBuyer };
    let quote;
    try {
      quote = await api("POST", path, body);
    } catch {
      this.row.hidden = true;
      return null;
    }
    this.claimId = quote.coupon_claim_id;
    this.draw(quote, currency, () => this.price({ product, deal, quantity, currency, onQuote }));
    onQuote(quote);
    return quote;
  }

  draw(quote, currency, again) {
    const usable = quote.coupons.filter((c) => !c.refusal);
    this.row.hidden = quote.coupons.length === 0;
    const select = el("select", { "data-testid": "buy-coupon", "aria-label": t("coupon.use") },
      el("option", { value: "" }, t("coupon.none")),
      ...usable.map((c) => el("option", { value: String(c.id), selected: c.id === this.claimId },
        `${c.template.title} (−${money(c.discount_cents, currency)})`)));
    select.addEventListener("change", () => {
      this.chosenByBuyer = true;
      this.claimId = select.value ? Number(select.value) : null;
      again();
    });
    const note = quote.discount_cents
      ? el("small", { class: "coupon-saving", "data-testid": "buy-discount" }, t("coupon.saving", { amount: money(quote.discount_cents, currency) }))
      : el("small", { class: "muted" }, usable.length ? "" : t("coupon.none_usable"));
    fill(this.row, el("span", {}, t("coupon.use")), el("div", { class: "coupon-pick" }, select, note));
  }
}
