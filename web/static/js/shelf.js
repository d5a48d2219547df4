// The shelf (小黄车) drawer, the pinned "now explaining" card (讲解卡) and the flash-deal
// banner with its countdown. All drawn from roomstate.js's state.

import { countdown } from "./countdown.js";
import { clear, el, fill, thumb } from "./dom.js";
import { money, t } from "./i18n.js";
import { dealFor, featuredDeal, remaining } from "./roomstate.js";

function priceLine(state, product) {
  const deal = dealFor(state, product.id);
  if (deal && deal.status === "live") {
    return el("span", { class: "price" }, money(deal.price_cents, product.currency),
      el("span", { class: "strike" }, money(product.price_cents, product.currency)));
  }
  return el("span", { class: "price" }, money(product.price_cents, product.currency));
}

function stockLine(state, product) {
  const deal = dealFor(state, product.id);
  if (deal && (deal.status === "live" || deal.status === "sold_out")) {
    const left = remaining(deal);
    if (deal.status === "sold_out" || left === 0) return el("span", { class: "deal-tag" }, t("sale.sold_out"));
    return el("span", { class: "deal-tag" }, `⚡ ${left === null ? t("sale.flash") : t("sale.left", { count: left })}`);
  }
  if (deal) return el("span", { class: "deal-tag" }, `⚡ ${t("sale.flash")}`);
  return el("small", { class: "muted" }, `${t("room.stock")} ${product.stock ?? ""}`);
}

/** Fill the shelf list; `action(product)` makes each row's button (buy, or pin in the studio). */
export function renderShelf(list, state, action) {
  clear(list);
  if (state.shelf.length === 0) {
    list.append(el("li", { class: "empty" }, t("room.shelf_empty")));
    return;
  }
  state.shelf.forEach((product, index) => {
    const pinned = state.pinned?.id === product.id;
    list.append(el("li", { class: `shelf-item${pinned ? " pinned" : ""}`, "data-testid": "shelf-item", dataset: { productId: product.id } },
      el("span", { class: "shelf-index" }, String(index + 1)),
      thumb(product),
      el("div", { class: "shelf-body" },
        el("b", { class: "title" }, product.title),
        pinned ? el("span", { class: "pinned-tag" }, t("room.explaining")) : null,
        el("div", { class: "shelf-row" }, priceLine(state, product), stockLine(state, product)),
        el("div", { class: "shelf-row" }, el("span"), action(product)))));
  });
}

/** The pinned card over the video; `onBuy(product)` opens the buy sheet. */
export function renderPinned(card, state, onBuy) {
  const product = state.pinned;
  card.hidden = !product || state.status === "ended" || Boolean(state.banned);
  if (card.hidden) return;
  fill(card, 
    thumb(product),
    el("div", { class: "pinned-body" },
      el("span", { class: "pinned-tag" }, `▶ ${t("room.explaining")}`),
      el("b", { class: "title" }, product.title),
      el("div", { class: "pinned-row" }, priceLine(state, product),
        onBuy ? el("button", { type: "button", class: "btn btn-primary btn-sm", "data-testid": "pinned-buy",
          onclick: () => onBuy(product) }, t("room.buy")) : null)));
}

/** The flash-deal banner: the live deal counting down to its end, or the next one to its start. */
export function renderSaleBanner(banner, state, onOpen) {
  const deal = featuredDeal(state);
  banner.hidden = !deal || state.status === "ended" || Boolean(state.banned);
  if (banner.hidden) return;
  const product = state.shelf.find((p) => p.id === deal.product_id);
  const live = deal.status === "live";
  const timer = el("span", { class: "sale-timer" }, "--:--");
  const left = remaining(deal);
  fill(banner, 
    el("span", { class: "bolt" }, "⚡"),
    el("div", {},
      el("div", {}, el("b", {}, money(deal.price_cents, product?.currency)), " ", t("sale.flash")),
      el("small", {}, product ? product.title : "")),
    el("div", {},
      el("small", {}, live ? t("sale.ends_in") : t("sale.starts_in")), " ", timer,
      live && left !== null ? el("div", {}, el("small", {}, t("sale.left", { count: left }))) : null));
  banner.onclick = product ? () => onOpen(product) : null;
  countdown(timer, live ? deal.ends_at : deal.starts_at, live ? t("sale.ended") : "00:00");
}
