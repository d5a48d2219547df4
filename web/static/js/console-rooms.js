// Console: schedule shows (host handle, start time, shelf) and list them with status.
import { api } from "./api.js";
import { clear, el, localInputToIso, onSubmit, showMessage, toLocalInput } from "./dom.js";
import { errorText } from "./errors.js";
import { currentLang, money, t } from "./i18n.js";

const form = document.getElementById("room-form");
const list = document.getElementById("room-list");
const shelf = document.getElementById("shelf-options");
const message = form.querySelector(".form-message");

let onChange = () => {};

export function renderShelfOptions(products) {
  const checked = new Set([...shelf.querySelectorAll("input:checked")].map((i) => i.value));
  clear(shelf);
  if (products.length === 0) shelf.append(el("small", { class: "muted" }, shelf.dataset.empty));
  for (const p of products) {
    shelf.append(el("label", { class: "check" },
      el("input", { type: "checkbox", name: "product_ids", value: p.id, checked: checked.has(String(p.id)) }),
      el("span", {}, p.title),
      el("small", {}, money(p.price_cents, p.currency))));
  }
}

function readForm() {
  const data = new FormData(form);
  const title = String(data.get("title") ?? "").trim();
  const host = String(data.get("host") ?? "").trim().toLowerCase();
  const scheduledAt = localInputToIso(String(data.get("scheduled_at") ?? ""));
  if (!title) return { error: t("lang.required", { field: t("console.room_title") }) };
  if (!host) return { error: t("lang.required", { field: t("console.host_handle") }) };
  if (!scheduledAt) return { error: t("lang.required", { field: t("console.starts_at") }) };
  const productIds = data.getAll("product_ids").map(Number);
  return { payload: { title, host, scheduled_at: scheduledAt, product_ids: productIds } };
}

async function submit(event) {
  event.preventDefault();
  const { payload, error } = readForm();
  if (error) return showMessage(message, error);
  try {
    await api("POST", "/api/rooms", payload);
    showMessage(message, t("console.scheduled"), true);
    form.reset();
    defaultTime();
    await load();
  } catch (err) {
    showMessage(message, errorText(err));
  }
}

const when = () => new Intl.DateTimeFormat(currentLang() === "zh" ? "zh-CN" : "en", {
  month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

function row(room) {
  return el("div", { class: "show-row", "data-testid": "room-row", dataset: { roomId: room.id } },
    el("div", { class: "show-main" },
      el("b", {}, room.title),
      el("small", { class: "muted" }, `${when().format(new Date(room.scheduled_at))} · ${t("room.host")}: ${room.host_name}`)),
    el("span", { class: `badge badge-${room.status}` }, t(`room.${room.status}`)),
    el("div", { class: "show-links" },
      el("a", { class: "btn btn-ghost btn-sm", href: `/rooms/${room.id}` }, t("console.open_room")),
      room.status === "ended" ? null
        : el("a", { class: "btn btn-primary btn-sm", href: `/studio/${room.id}` }, t("console.open_studio"))));
}

export async function load() {
  let rooms = [];
  try {
    rooms = (await api("GET", "/api/rooms/mine")).rooms;
  } catch (err) {
    showMessage(message, errorText(err));
  }
  const order = { live: 0, scheduled: 1, ended: 2 };
  rooms.sort((a, b) => order[a.status] - order[b.status] || a.scheduled_at.localeCompare(b.scheduled_at));
  clear(list);
  if (rooms.length === 0) list.append(el("div", { class: "empty" }, t("console.no_rooms")));
  else list.append(...rooms.map(row));
  onChange(rooms);
  return rooms;
}

function defaultTime() {
  // A sensible default: the next full hour.
  const next = new Date(Date.now() + 3600_000);
  next.setMinutes(0, 0, 0);
  form.elements.scheduled_at.value = toLocalInput(next);
}

export function initRooms(changed) {
  onChange = changed;
  defaultTime();
  onSubmit(form, submit);
  return load();
}
