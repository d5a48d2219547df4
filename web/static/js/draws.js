// The room's lucky draw (福袋) card: how to enter and a countdown while it is open, then
// the winners, the viewer's own result and the proof link. A won product is claimed to
// an address of the buyer's book (address-picker.js: the default is picked already, so
// claiming is one tap); a won coupon is in the buyer's coupons already.
// It reads /api/rooms/{id}/draws/current at start and after a reconnect; the room
// socket's draw.* events keep it current in between.

import { AddressPicker } from "./address-picker.js";
import { api } from "./api.js";
import { serverNow, toMs } from "./countdown.js";
import { clear, el } from "./dom.js";
import { errorText } from "./errors.js";
import { money, t } from "./i18n.js";
import { toast } from "./toast.js";

function entryText(draw) {
  if (draw.condition === "keyword") return t("draw.enter_keyword", { keyword: draw.keyword });
  if (draw.condition === "watch") return t("draw.enter_watch", { minutes: Math.round(draw.watch_seconds / 60) });
  if (draw.condition === "follow") return t("draw.enter_follow");
  return t("draw.enter_purchase");
}

function left(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export class DrawCard {
  /** `follows` is the page's FollowBar: a follow draw offers its follow as the entry. */
  constructor(node, { roomId, me, follows }) {
    this.node = node;
    this.roomId = roomId;
    this.me = me;
    this.follows = follows;
    follows?.listen(() => { if (this.draw?.status === "open") this.show(this.draw); });
    this.draw = null;
    this.timer = null;
    this.picker = null; // kept across redraws, so an event mid-typing keeps the form
    this.pickerDraw = null;
  }

  async load() {
    try {
      const body = await api("GET", `/api/rooms/${this.roomId}/draws/current`);
      this.show(body.draw);
    } catch { /* the socket's next draw event brings it */ }
  }

  onEvent(event) {
    const type = event.type;
    if (type === "room.snapshot") this.load();
    else if (type === "draw.started") this.load();
    else if (type === "draw.closed" || type === "draw.redrawn") this.load();
    else if (type === "draw.won") toast(t("draw.you_won", { prize: event.data?.prize?.title ?? "" }));
  }

  show(draw) {
    this.draw = draw;
    clearInterval(this.timer);
    clear(this.node);
    this.node.hidden = !draw;
    if (!draw) return;
    this.node.dataset.status = draw.status;
    const head = el("div", { class: "draw-head" },
      el("b", {}, `🎁 ${t("draw.title")}`),
      el("span", { class: "draw-prize", "data-testid": "draw-prize" },
        `${draw.prize.title} · ${money(draw.prize.value_cents)} · ${t("draw.winners", { n: draw.winners })}`));
    this.node.append(head, draw.status === "open" ? this.openBody(draw) : this.closedBody(draw));
  }

  openBody(draw) {
    const clock = el("span", { class: "draw-clock", "data-testid": "draw-clock" });
    const tick = () => {
      const ms = toMs(draw.closes_at) - serverNow();
      clock.textContent = ms > 0 ? t("draw.closes_in", { time: left(ms) }) : t("draw.drawing");
    };
    tick();
    this.timer = setInterval(tick, 500);
    return el("div", { class: "draw-body" },
      el("p", { class: "draw-entry", "data-testid": "draw-entry" }, entryText(draw)),
      draw.condition === "follow" ? this.followAction() : null,
      el("p", { class: "muted small" }, t("draw.stay")), clock);
  }

  /** Following is the whole entry: one tap, the same follow as the room's follow button. */
  followAction() {
    if (!this.follows || this.follows.isHost) return null;
    if (this.follows.following) return el("p", { class: "draw-mine", "data-testid": "draw-entered" }, `✓ ${t("draw.entered")}`);
    return el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "draw-follow",
      onclick: () => this.follows.followHost() }, `+ ${t("draw.follow_to_enter")}`);
  }

  closedBody(draw) {
    const picks = draw.picks.filter((p) => p.status !== "forfeited");
    const mine = this.me && draw.picks.find((p) => p.user_id === this.me.id);
    const body = el("div", { class: "draw-body" },
      el("p", { class: "muted small" }, t("draw.entrants", { n: draw.entrant_count })));
    if (!picks.length) body.append(el("p", {}, t("draw.no_winners")));
    else body.append(el("ol", { class: "draw-winners", "data-testid": "draw-winners" },
      picks.map((p) => el("li", { "data-user-id": p.user_id }, `@${p.handle}`))));
    const coupon = draw.prize.kind === "coupon";
    if (mine && mine.status === "won") body.append(this.claimForm(draw, mine));
    else if (mine && mine.status === "claimed") body.append(el("p", { class: "draw-mine", "data-testid": "draw-mine" },
      coupon ? t("draw.coupon_given", { prize: draw.prize.title }) : t("draw.claimed")));
    else if (this.me && picks.length) body.append(el("p", { class: "muted" }, t("draw.not_won")));
    body.append(el("a", { href: draw.proof_url, target: "_blank", rel: "noopener", "data-testid": "draw-proof-link" },
      t("draw.proof")));
    return body;
  }

  claimForm(draw, mine) {
    if (this.pickerDraw !== draw.id) {
      this.picker = new AddressPicker();
      this.pickerDraw = draw.id;
      this.picker.load();
    }
    const picker = this.picker;
    const claim = async () => {
      try {
        this.show(await api("POST", `/api/draws/${draw.id}/claim`, { address_id: picker.chosenId }));
      } catch (err) {
        if (err.code === "address_required") picker.ask(errorText(err));
        else toast(errorText(err), { error: true });
      }
    };
    return el("div", { class: "draw-claim", "data-testid": "draw-claim" },
      el("p", { class: "draw-mine", "data-testid": "draw-you-won" }, t("draw.you_won", { prize: draw.prize.title })),
      el("p", { class: "muted small" }, t("draw.claim_by", { time: new Date(mine.claim_by).toLocaleString() })),
      picker.root,
      el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "draw-claim-button", onclick: claim },
        t("draw.claim")));
  }
}
