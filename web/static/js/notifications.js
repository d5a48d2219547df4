// Every page of a logged-in user: the bell's badge, kept current by polling
// /api/notifications/badge with If-None-Match (a 304 costs one indexed query), a toast
// when a new notification arrives, and the bell's panel of the latest ones.

import { api } from "./api.js";
import { clear, el } from "./dom.js";
import { t } from "./i18n.js";
import { toast } from "./toast.js";

const PANEL_SIZE = 8;

/** The text of one notification: "{host} is live: {title}", "... starts soon". */
export function notificationText(n) {
  return t(`notify.${n.kind}`, { host: n.host_name, title: n.title });
}

/** One notification as a list item linking to its show. */
export function notificationItem(n) {
  return el("li", { class: `notify-item${n.read ? "" : " unread"}`, "data-testid": "notify-item" },
    el("a", { href: `/rooms/${n.room_id}` }, notificationText(n)),
    el("time", { datetime: n.created_at }, new Date(n.created_at).toLocaleString()));
}

class Bell {
  constructor(root) {
    this.root = root;
    this.badge = root.querySelector("#notify-badge");
    this.panel = root.querySelector("#notify-panel");
    this.seconds = Number(root.dataset.pollSeconds) || 15;
    this.etag = null;
    this.latest = null; // the newest id this page has seen; null until the first poll
    this.timer = null;
    root.querySelector("#notify-bell").addEventListener("click", (e) => { e.preventDefault(); this.toggle(); });
    document.addEventListener("visibilitychange", () => { if (!document.hidden) this.poll(); });
    document.addEventListener("click", (e) => { if (!root.contains(e.target)) this.panel.hidden = true; });
  }

  show(unread) {
    this.badge.textContent = unread > 99 ? "99+" : String(unread);
    this.badge.hidden = unread === 0;
    this.root.querySelector("#notify-bell").title = t("notify.unread", { count: unread });
  }

  async poll() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.poll(), this.seconds * 1000);
    const headers = { Accept: "application/json" };
    if (this.etag) headers["If-None-Match"] = this.etag;
    let response;
    try {
      response = await fetch("/api/notifications/badge", { credentials: "same-origin", cache: "no-store", headers });
    } catch { return; }
    if (response.status === 304 || !response.ok) return;
    this.etag = response.headers.get("ETag");
    const { unread, latest } = await response.json();
    this.show(unread);
    const before = this.latest;
    this.latest = latest;
    if (before !== null && latest > before) await this.arrived(before);
  }

  async arrived(after) {
    const { notifications } = await api("GET", `/api/notifications?limit=${PANEL_SIZE}`);
    const fresh = notifications.filter((n) => n.id > after);
    if (fresh.length) toast(notificationText(fresh[0]), { ms: 6000 });
    if (!this.panel.hidden) this.render(notifications);
  }

  render(notifications) {
    clear(this.panel).append(
      notifications.length
        ? el("ul", { class: "notify-list" }, notifications.map(notificationItem))
        : el("p", { class: "empty" }, t("notify.none")),
      el("a", { class: "notify-all", href: "/notifications" }, t("notify.all")));
  }

  async toggle() {
    if (!this.panel.hidden) { this.panel.hidden = true; return; }
    const { notifications, latest } = await api("GET", `/api/notifications?limit=${PANEL_SIZE}`);
    this.render(notifications);
    this.panel.hidden = false;
    if (latest) {
      await api("POST", "/api/notifications/read", { up_to: latest });
      this.show(0);
    }
  }
}

const root = document.getElementById("notify");
if (root) new Bell(root).poll();
