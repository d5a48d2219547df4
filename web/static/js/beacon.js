// The funnel beacon (the `analytics.beacon` client message): product cards shown, cards
// opened, buy sheets opened. Counted here and sent in one batch every few seconds, over
// the room socket, or by fetch(keepalive) when the page goes away. The server allows one
// beacon per 2 s per socket, of at most 20 items of at most 50 each.

const FLUSH_MS = 5000;
const MAX_ITEMS = 20;
const MAX_COUNT = 50;

export class Beacon {
  constructor(roomId, socket) {
    this.roomId = roomId;
    this.socket = socket;
    this.counts = new Map(); // "kind:productId" -> count
    this.shown = new Set(); // one impression per product per page view
    setInterval(() => this.flush(), FLUSH_MS);
    addEventListener("pagehide", () => this.flush(true));
  }

  impression(productId) {
    if (productId == null || this.shown.has(productId)) return;
    this.shown.add(productId);
    this.add("impression", productId);
  }

  click(productId) { this.add("click", productId); }

  sheetOpen(productId) { this.add("sheet_open", productId); }

  add(kind, productId) {
    if (productId == null) return;
    const key = `${kind}:${productId}`;
    this.counts.set(key, Math.min(MAX_COUNT, (this.counts.get(key) ?? 0) + 1));
  }

  flush(leaving = false) {
    if (this.counts.size === 0) return;
    const batch = [...this.counts].slice(0, MAX_ITEMS);
    for (const [key] of batch) this.counts.delete(key);
    const events = batch.map(([key, count]) => {
      const [kind, id] = key.split(":");
      return { kind, product_id: Number(id), count };
    });
    if (!leaving && this.socket?.send("analytics.beacon", { events })) return;
    fetch(`/api/rooms/${this.roomId}/beacon`, {
      method: "POST", keepalive: true, credentials: "omit",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ events }),
    }).catch(() => {});
  }
}
