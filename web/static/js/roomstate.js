// The room as the page knows it, and how each server event changes it.
// applyEvent() is pure bookkeeping and returns which part of the page to redraw.
//
// Event payloads are those of the catalogue, /static/protocol/events.schema.json
// (generated from livecommerce/*/events.py); tests/web/test_js_protocol.py fails when
// this code reads an event type or a data field the catalogue does not declare.

export function initialState(detail) {
  return {
    room: { ...detail },
    status: detail.status,
    shelf: detail.shelf ?? [],
    pinned: detail.pinned_product ?? null,
    sales: new Map(),
    viewers: 0,
    likes: 0,
    orders: 0,
  };
}

export function saleOf(data) {
  const sale = data?.sale ?? data ?? {};
  return { ...sale, id: sale.id ?? sale.sale_id };
}

export function remaining(sale) {
  if (Number.isFinite(sale.remaining)) return sale.remaining;
  if (Number.isFinite(sale.quantity) && Number.isFinite(sale.sold)) return sale.quantity - sale.sold;
  return null;
}

/** The deal a viewer can act on for a product: live first, then the next scheduled one. */
export function dealFor(state, productId) {
  const deals = [...state.sales.values()].filter((s) => s.product_id === productId);
  return deals.find((s) => s.status === "live")
    ?? deals.filter((s) => s.status === "scheduled").sort((a, b) => String(a.starts_at).localeCompare(String(b.starts_at)))[0]
    ?? null;
}

/** The deal to feature in the banner: a live one, else the soonest scheduled one. */
export function featuredDeal(state) {
  const open = [...state.sales.values()].filter((s) => s.status === "live" || s.status === "scheduled");
  return open.find((s) => s.status === "live")
    ?? open.sort((a, b) => String(a.starts_at).localeCompare(String(b.starts_at)))[0]
    ?? null;
}

// data: room.snapshot
function applySnapshot(state, data) {
  const room = data.room ?? {};
  Object.assign(state.room, room);
  state.status = room.status ?? state.status;
  if (Array.isArray(room.shelf)) state.shelf = room.shelf;
  state.pinned = room.pinned_product ?? null;
  state.sales = new Map((data.sales ?? []).map((s) => [saleOf(s).id, saleOf(s)]));
  state.viewers = Number(data.viewers ?? state.viewers) || 0;
  state.likes = Number(data.likes ?? state.likes) || 0;
  return "all";
}

const SALE_STATUS = { "sale.started": "live", "sale.ended": "ended", "sale.sold_out": "sold_out",
  "sale.cancelled": "cancelled", "sale.scheduled": "scheduled", "sale.restocked": "live" };

function applySale(state, type, data) {
  const incoming = saleOf(data);
  if (incoming.id === undefined) return null;
  const sale = { ...(state.sales.get(incoming.id) ?? {}), ...incoming };
  if (SALE_STATUS[type] && !incoming.status) sale.status = SALE_STATUS[type];
  if (type === "sale.stock" && remaining(sale) === 0 && sale.status === "live") sale.status = "sold_out";
  state.sales.set(sale.id, sale);
  return "sales";
}

/** Change `state` for `event`; return "all" | "status" | "pinned" | "sales" | "viewers" | "likes" | "orders" | null. */
export function applyEvent(state, event) {
  const data = event.data ?? {};
  switch (event.type) {
    case "room.snapshot": return applySnapshot(state, data);
    case "room.started": state.status = "live"; return "status";
    case "room.ended": state.status = "ended"; state.pinned = null; return "status";
    case "product.pinned": state.pinned = data.product ?? null; return "pinned";
    case "product.unpinned": state.pinned = null; return "pinned";
    // The shelf is drawn with the pinned card, so "pinned" redraws both.
    case "shelf.changed": state.shelf = data.shelf ?? []; return "pinned";
    case "viewers.count": state.viewers = Number(data.count ?? 0); return "viewers";
    case "likes.count": state.likes = Math.max(state.likes, Number(data.count ?? 0)); return "likes";
    case "order.placed.summary": state.orders += Number(data.count ?? 1); return "orders";
    default:
      if (event.type.startsWith("sale.")) return applySale(state, event.type, data);
      return null;
  }
}
