// The console's gift catalogue: add gifts, withdraw and restore them (/api/gifts).

import { api } from "./api.js";
import { el, onSubmit, showMessage, yuanToCents } from "./dom.js";
import { errorText } from "./errors.js";
import { money, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

async function load() {
  const list = $("gift-list");
  try {
    const { gifts } = await api("GET", "/api/gifts");
    list.replaceChildren(...gifts.map(row));
  } catch (err) {
    list.replaceChildren(el("p", { class: "form-message error" }, errorText(err)));
  }
}

function row(gift) {
  const toggle = el("button", { type: "button", class: "btn btn-ghost btn-sm", onclick: async () => {
    try { await api("PATCH", `/api/gifts/${gift.id}`, { active: !gift.active }); load(); }
    catch (err) { showMessage($("gift-message"), errorText(err)); }
  } }, gift.active ? t("gifts.withdraw") : t("gifts.restore"));
  return el("div", { class: "deal-row", "data-testid": "gift-row" },
    el("b", {}, gift.name), el("span", {}, money(gift.price_cents)),
    gift.active ? el("span") : el("small", { class: "muted" }, t("gifts.withdrawn")), toggle);
}

export function initGifts() {
  const form = $("gift-form");
  if (!form) return;
  onSubmit(form, async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { name: String(data.get("name") ?? ""), image_url: String(data.get("image_url") ?? ""),
      price_cents: yuanToCents(data.get("price")) };
    try {
      await api("POST", "/api/gifts", body);
      form.reset();
      showMessage($("gift-message"), "");
      load();
    } catch (err) {
      showMessage($("gift-message"), errorText(err));
    }
  });
  load();
}
