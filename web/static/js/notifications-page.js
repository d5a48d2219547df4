// The notifications page: the latest notifications, and "mark all read".

import { api } from "./api.js";
import { clear, el } from "./dom.js";
import { errorText } from "./errors.js";
import { t } from "./i18n.js";
import { notificationItem } from "./notifications.js";
import { toast } from "./toast.js";

const list = document.getElementById("notify-page");

async function load() {
  const { notifications } = await api("GET", "/api/notifications?limit=100");
  clear(list).append(...(notifications.length
    ? notifications.map(notificationItem)
    : [el("li", { class: "empty" }, t("notify.none"))]));
}

document.getElementById("notify-read-all").addEventListener("click", async () => {
  try {
    await api("POST", "/api/notifications/read", {});
    await load();
  } catch (err) { toast(errorText(err), { error: true }); }
});
load().catch((err) => toast(errorText(err), { error: true }));
