// Group buys (拼团) in the viewer room: the group price beside the pinned card and the
// shelf, the buy sheet's group section (start a group, or join an open one: "2/3 joined,
// 3 h 12 m left"), the share link, and the stage pill that tells a member how their
// group is doing. Kept live by the room's group.* events and the member's group.news.
//
// Opening or joining places the seat's order (POST /api/group-offers/{id}/groups,
// /api/groups/{id}/join); the buy sheet then pays it like any order, to the address picked.

import { api } from "./api.js";
import { serverNow, toMs } from "./countdown.js";
import { el, fill } from "./dom.js";
import { errorText } from "./errors.js";
import { money, t } from "./i18n.js";
import { toast } from "./toast.js";

const SEATS_EVENTS = new Set(["group.opened", "group.joined", "group.left"]);
const CLOSED_EVENTS = { "group.completed": "completed", "group.failed": "failed", "group.cancelled": "cancelled" };
const OPEN_LISTED = 4; // open groups shown per offer in the sheet

function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

/** "3 h 12 m left" / "4 m 05 s left" until the group's deadline (server clock). */
export function timeLeft(expiresAt) {
  const total = Math.max(0, Math.floor((toMs(expiresAt) - serverNow()) / 1000));
  if (total === 0) return t("grp.time_up");
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? t("grp.left_hm", { h, m }) : t("grp.left_ms", { m, s });
}

/** What a member reads about their group: waiting for N more, complete, failed and refunded. */
export function seatState(group, paid = true) {
  if (group.status === "completed") return t("grp.complete");
  if (group.status === "failed") return paid ? t("grp.failed") : t("grp.failed_unpaid");
  if (group.status === "cancelled") return t("grp.cancelled");
  const more = Math.max(0, group.size - group.seats_taken);
  if (!paid) return t("grp.pay_to_hold");
  return more > 0 ? t("grp.waiting", { count: more }) : t("grp.waiting_pay");
}

function ticking(group) {
  return el("span", { class: "group-left", dataset: { groupExpires: group.expires_at } }, timeLeft(group.expires_at));
}

export class GroupBuys {
  /** `onChange()` redraws what shows groups (pinned card, shelf, buy sheet). */
  constructor({ roomId, loggedIn, loginUrl, focusId, pill, onOpen, onChange }) {
    Object.assign(this, { roomId, loggedIn, loginUrl, focusId, pill, onOpen, onChange });
    this.offers = new Map(); // offer id -> offer
    this.groups = new Map(); // group id -> group (open ones from the listing, others as heard)
    this.mine = new Map(); // group id -> {order_id, paid}: this viewer's seats
    this.keys = new Map(); // "offer:ID" / "group:ID" -> Idempotency-Key of the attempt in progress
    this.busy = false;
    this.focusShown = false;
    setInterval(() => this.tick(), 1000);
  }

  async load() {
    try {
      const listing = await api("GET", `/api/rooms/${this.roomId}/groups`);
      this.offers = new Map(listing.offers.map((o) => [o.id, o]));
      for (const g of listing.groups) this.groups.set(g.id, g);
      if (this.loggedIn) {
        const { seats } = await api("GET", `/api/me/group-seats?room_id=${this.roomId}`);
        // A seat given back counts only if it was paid and its group has ended (a refund).
        for (const seat of seats.filter((s) => s.active || s.paid && s.group.status !== "open")) {
          this.mine.set(seat.group.id, { order_id: seat.order_id, paid: seat.paid });
          this.groups.set(seat.group.id, seat.group);
        }
      }
      if (this.focusId && !this.groups.has(this.focusId)) {
        const found = await api("GET", `/api/groups/${this.focusId}`).catch(() => null);
        if (found?.group.room_id === this.roomId) this.groups.set(found.group.id, found.group);
      }
    } catch { /* the next snapshot loads them again */ }
    this.changed();
    this.showFocus();
  }

  /** Open the sheet once on the group a share link points at. */
  showFocus() {
    const group = this.groups.get(this.focusId);
    if (this.focusShown || !group) return;
    this.focusShown = true;
    this.onOpen(group.product_id);
  }

  changed() {
    this.drawPill();
    this.onChange();
  }

  onEvent(event) {
    const data = event.data ?? {};
    if (event.type === "room.snapshot") return this.load();
    if (SEATS_EVENTS.has(event.type)) {
      const known = this.groups.get(data.group_id) ?? { status: "open", room_id: this.roomId,
        share_path: `/rooms/${this.roomId}?group=${data.group_id}` };
      const price = data.price_cents ?? known.price_cents ?? this.offers.get(data.offer_id)?.price_cents;
      this.groups.set(data.group_id, { ...known, id: data.group_id, offer_id: data.offer_id, product_id: data.product_id,
        seats_taken: data.seats_taken, size: data.size, expires_at: data.expires_at, price_cents: price });
    } else if (CLOSED_EVENTS[event.type]) {
      const known = this.groups.get(data.group_id);
      if (known) Object.assign(known, { status: CLOSED_EVENTS[event.type], seats_taken: data.seats_taken });
    } else if (event.type === "group.news") {
      this.news(data);
    } else return undefined;
    return this.changed();
  }

  /** Private news of a group this viewer holds a seat in. */
  news(data) {
    const group = this.groups.get(data.group_id);
    if (group) Object.assign(group, { status: data.status, seats_taken: data.seats_taken, size: data.size });
    const text = {
      joined: t("grp.news_joined", { who: data.who, taken: data.seats_taken, size: data.size }),
      left: t("grp.news_left", { who: data.who }),
      leader: t("grp.news_leader"),
      completed: t("grp.complete"),
      failed: t("grp.failed"),
      cancelled: t("grp.cancelled"),
    }[data.what];
    if (group && data.what === "joined") group.lastNews = text;
    if (text) toast(text, { ms: 4000 });
  }

  offerFor(productId) {
    return [...this.offers.values()].find((o) => o.product_id === productId && o.active) ?? null;
  }

  openGroups(offer) {
    return [...this.groups.values()]
      .filter((g) => g.offer_id === offer.id && g.status === "open" && g.seats_taken < g.size
        && toMs(g.expires_at) > serverNow() && !this.mine.has(g.id))
      .sort((a, b) => (b.id === this.focusId) - (a.id === this.focusId) || toMs(a.expires_at) - toMs(b.expires_at));
  }

  myGroups(offer) {
    return [...this.mine.keys()].map((id) => this.groups.get(id)).filter((g) => g && g.offer_id === offer.id);
  }

  /** The small "👥 ¥59 · 3 people" tag of a product with a group offer, or null. */
  tag(product, onOpen) {
    const offer = product && this.offerFor(product.id);
    if (!offer) return null;
    return el("button", { type: "button", class: "group-tag", "data-testid": "group-tag",
      onclick: (event) => { event.stopPropagation(); onOpen(product); } },
    `👥 ${money(offer.price_cents, product.currency)} · ${t("grp.people", { size: offer.size })}`);
  }

  /** The buy sheet's group section for `product` (null without an offer). */
  section(sheet, product) {
    const offer = this.offerFor(product.id);
    if (!offer) return null;
    const soldOut = offer.remaining <= 0;
    const mine = this.myGroups(offer);
    const holding = mine.some((g) => g.status === "open");
    const open = this.openGroups(offer).slice(0, OPEN_LISTED);
    return el("div", { class: "group-box", "data-testid": "group-box" },
      el("div", { class: "group-head" },
        el("b", {}, `👥 ${t("grp.offer", { size: offer.size })}`),
        el("span", { class: "price", "data-testid": "group-price" }, money(offer.price_cents, product.currency)),
        el("span", { class: "strike" }, money(product.price_cents, product.currency))),
      ...mine.map((g) => this.mineRow(g, sheet)),
      open.length ? el("ul", { class: "group-list", "data-testid": "group-list" }, ...open.map((g) => this.openRow(g, sheet, soldOut || holding))) : null,
      holding ? null : el("button", { type: "button", class: "btn btn-primary btn-block group-start", "data-testid": "group-start",
        disabled: soldOut || this.busy || Boolean(sheet.placed && sheet.placed.status !== "paid"),
        onclick: () => this.start(sheet, offer) },
      soldOut ? t("sale.sold_out") : t("grp.start", { price: money(offer.price_cents, product.currency) })));
  }

  openRow(group, sheet, blocked) {
    const focused = group.id === this.focusId;
    return el("li", { class: `group-row${focused ? " focused" : ""}`, "data-testid": "group-row", dataset: { groupId: group.id } },
      el("span", {}, focused ? el("b", { class: "group-invite" }, t("grp.invited")) : null,
        el("span", { "data-testid": "group-seats" }, t("grp.joined_of", { taken: group.seats_taken, size: group.size })),
        " · ", ticking(group)),
      el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "group-join",
        disabled: blocked || this.busy || Boolean(sheet.placed && sheet.placed.status !== "paid"),
        onclick: () => this.join(sheet, group) }, t("grp.join")));
  }

  mineRow(group, sheet) {
    const seat = this.mine.get(group.id);
    const paid = seat.paid || sheet.placed?.id === seat.order_id && sheet.placed.status === "paid";
    const open = group.status === "open";
    const url = `${location.origin}${group.share_path}`;
    const share = open ? el("div", { class: "group-share" },
      el("input", { readonly: true, value: url, "aria-label": t("grp.share"), "data-testid": "group-share" }),
      el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "group-copy",
        onclick: () => navigator.clipboard?.writeText(url).then(() => toast(t("share.copied")), () => {}) }, t("share.copy"))) : null;
    return el("div", { class: `group-mine group-${group.status}`, "data-testid": "group-mine", dataset: { groupId: group.id } },
      el("div", {}, el("b", { "data-testid": "group-mine-state" }, seatState(group, paid)),
        open ? el("small", { class: "muted" }, " ", t("grp.joined_of", { taken: group.seats_taken, size: group.size }), " · ", ticking(group)) : null),
      group.lastNews && open ? el("small", { class: "muted", "data-testid": "group-news" }, group.lastNews) : null,
      open && !paid && sheet.placed?.id !== seat.order_id
        ? el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "group-pay-seat",
          onclick: () => this.resume(sheet, seat) }, t("buy.pay")) : null,
      share,
      open ? el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "group-leave",
        onclick: () => this.leave(sheet, group) }, t("grp.leave")) : null);
  }

  /** Give the seat back while the group is open; the server refunds a paid one in full. */
  async leave(sheet, group) {
    if (!confirm(t("grp.confirm_leave"))) return;
    try {
      const left = await api("POST", `/api/groups/${group.id}/leave`, {});
      const seat = this.mine.get(group.id);
      this.mine.delete(group.id);
      this.groups.set(group.id, { ...group, ...left });
      if (seat) sheet.dropOrder(seat.order_id);
      toast(t("grp.left"));
    } catch (err) {
      toast(errorText(err), { error: true });
      this.load();
    }
    this.changed();
  }

  async start(sheet, offer) {
    await this.seat(sheet, `offer:${offer.id}`, `/api/group-offers/${offer.id}/groups`, "grp.opened");
  }

  async join(sheet, group) {
    await this.seat(sheet, `group:${group.id}`, `/api/groups/${group.id}/join`, "grp.joined");
  }

  async seat(sheet, target, path, done) {
    if (!this.loggedIn) { location.href = this.loginUrl; return; }
    if (!this.keys.has(target)) this.keys.set(target, newKey());
    this.busy = true;
    this.onChange();
    try {
      const answer = await api("POST", path, { quantity: 1 }, { "Idempotency-Key": this.keys.get(target) });
      this.keys.delete(target);
      const known = this.groups.get(answer.group.id);
      this.groups.set(answer.group.id, { ...answer.group, lastNews: known?.lastNews });
      this.mine.set(answer.group.id, { order_id: answer.order.id, paid: answer.order.status === "paid" });
      this.busy = false;
      sheet.takeOrder(answer.order, t(done));
    } catch (err) {
      this.busy = false;
      if (err.status && err.status < 500) this.keys.delete(target);
      sheet.show(errorText(err), false);
      if (err.code === "group_full" || err.code === "group_closed" || err.code === "group_expired") this.load();
    }
    this.changed();
  }

  /** A seat left unpaid (a reload, another tab): the sheet takes its order to pay it. */
  async resume(sheet, seat) {
    try {
      sheet.takeOrder(await api("GET", `/api/orders/${seat.order_id}`), t("grp.pay_to_hold"));
    } catch (err) {
      sheet.show(errorText(err), false);
    }
  }

  /** The buy sheet paid a seat's order. */
  paid(order) {
    for (const seat of this.mine.values()) if (seat.order_id === order.id) seat.paid = order.status === "paid";
    this.changed();
  }

  /** The stage pill: this viewer's latest group here, else the group a share link invited them to. */
  drawPill() {
    if (!this.pill) return;
    const ids = [...this.mine.keys()].sort((a, b) => b - a);
    const mineGroup = ids.map((id) => this.groups.get(id)).find(Boolean);
    const invite = !mineGroup && this.groups.get(this.focusId);
    const group = mineGroup || (invite?.status === "open" ? invite : null);
    this.pill.hidden = !group;
    if (!group) return;
    const seat = this.mine.get(group.id);
    this.pill.className = `group-pill group-${group.status}`;
    this.pill.onclick = () => this.onOpen(group.product_id);
    fill(this.pill, el("span", { "aria-hidden": "true" }, "👥"),
      el("span", { "data-testid": "group-pill-text" }, seat
        ? seatState(group, seat.paid)
        : `${t("grp.invited")} ${t("grp.joined_of", { taken: group.seats_taken, size: group.size })}`),
      group.status === "open" ? ticking(group) : null);
  }

  tick() {
    for (const node of document.querySelectorAll("[data-group-expires]")) node.textContent = timeLeft(node.dataset.groupExpires);
  }
}
