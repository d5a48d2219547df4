// Gifts in a room: the lane every page of the room shows them on (viewers and the host
// studio), and the viewer's gift panel (wallet, top-up, send).
//
// gift.sent is one send, gift.combo many sends folded while the room is busy,
// gift.receipt the sender's own send during a combo. The sender shows their own send
// from the API's answer at once; whichever of the answer and the socket's echo comes
// first is shown, the other skipped (the same send_id).

import { api } from "./api.js";
import { el } from "./dom.js";
import { errorText } from "./errors.js";
import { money, t } from "./i18n.js";
import { toast } from "./toast.js";

const LANE_MAX = 4; // banners on screen at once; older ones leave early
const BANNER_MS = 3500;
const TOP_UP_CENTS = 1000;

export class GiftLane {
  /** `meId`: the logged-in user, whose sends read "You sent" whichever way they arrive. */
  constructor(node, meId = null) {
    this.node = node;
    this.meId = meId;
    this.shown = new Set(); // send ids already on the lane
  }

  onEvent(event) {
    const data = event.data ?? {};
    if (event.type === "gift.sent") this.one(data, this.meId !== null && data.sender_id === this.meId);
    else if (event.type === "gift.receipt") this.one(data, true);
    else if (event.type === "gift.combo") this.combo(data);
  }

  /** One send; `own`: the sender's (from the API answer or a receipt). */
  one(data, own) {
    if (this.shown.has(data.send_id)) return;
    this.shown.add(data.send_id);
    const text = own
      ? t("gifts.you_sent", { gift: data.gift_name, count: data.quantity })
      : t("gifts.sent_by", { name: data.sender_name, gift: data.gift_name, count: data.quantity });
    this.banner(text, data.image_url, own);
  }

  combo(data) {
    for (const line of data.combos ?? []) {
      this.banner(t("gifts.sent_by", { name: line.sender_name, gift: line.gift_name, count: line.count }),
        line.image_url, false);
    }
    if (data.more_count) {
      this.banner(t("gifts.more", { senders: data.more_senders, count: data.more_count }), "", false);
    }
  }

  banner(text, image, own) {
    if (!this.node) return;
    while (this.node.childElementCount >= LANE_MAX) this.node.firstElementChild.remove();
    const icon = image ? el("img", { src: image, alt: "", class: "gift-icon" }) : el("span", { class: "gift-icon" }, "🎁");
    const item = el("div", { class: own ? "gift-banner own" : "gift-banner", "data-testid": "gift-banner" },
      icon, el("span", {}, text));
    this.node.append(item);
    setTimeout(() => item.remove(), BANNER_MS);
  }
}

/** The viewer's gift panel: the room's catalogue, the wallet, a sandbox top-up. */
export class GiftPanel {
  constructor(panel, button, { roomId, lane, loggedIn, loginUrl }) {
    this.panel = panel;
    this.roomId = roomId;
    this.lane = lane;
    this.list = panel.querySelector("[data-gift-list]");
    this.balance = panel.querySelector("[data-gift-balance]");
    button.addEventListener("click", () => {
      if (!loggedIn) { location.href = loginUrl; return; }
      panel.hidden = !panel.hidden;
      if (!panel.hidden) this.load();
    });
    panel.querySelector("[data-gift-top-up]").addEventListener("click", () => this.topUp());
    panel.querySelector("[data-gift-top-up]").textContent = t("gifts.top_up", { amount: money(TOP_UP_CENTS) });
  }

  async load() {
    try {
      const [{ gifts }, wallet] = await Promise.all([
        api("GET", `/api/rooms/${this.roomId}/gifts`), api("GET", "/api/me/wallet")]);
      this.showBalance(wallet.balance_cents);
      this.list.replaceChildren(...(gifts.length ? gifts.map((g) => this.item(g)) : [el("p", { class: "muted" }, t("gifts.empty"))]));
    } catch (err) {
      toast(errorText(err), { error: true });
    }
  }

  item(gift) {
    const icon = gift.image_url ? el("img", { src: gift.image_url, alt: "", class: "gift-icon" }) : el("span", { class: "gift-icon" }, "🎁");
    return el("button", { type: "button", class: "gift-item", "data-testid": "gift-item", onclick: () => this.send(gift) },
      icon, el("b", {}, gift.name), el("small", {}, money(gift.price_cents)));
  }

  showBalance(cents) { this.balance.textContent = t("gifts.balance", { amount: money(cents) }); }

  async send(gift) {
    const key = crypto.randomUUID();
    try {
      const { send } = await api("POST", `/api/rooms/${this.roomId}/gift-sends`,
        { gift_id: gift.id, quantity: 1 }, { "Idempotency-Key": key });
      this.lane.one({ send_id: send.id, gift_name: gift.name, image_url: gift.image_url, quantity: send.quantity }, true);
      this.refreshBalance();
    } catch (err) {
      toast(errorText(err), { error: true });
    }
  }

  async topUp() {
    try {
      await api("POST", "/api/me/wallet/top-ups", { amount_cents: TOP_UP_CENTS }, { "Idempotency-Key": crypto.randomUUID() });
      toast(t("gifts.topped_up"));
      this.refreshBalance();
    } catch (err) {
      toast(errorText(err), { error: true });
    }
  }

  async refreshBalance() {
    try { this.showBalance((await api("GET", "/api/me/wallet")).balance_cents); } catch { /* shown on next open */ }
  }
}
