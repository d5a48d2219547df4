// Console: schedule shows (host handle, start time, shelf) and list them with status.
import { api } from "./api.js";
import { clear, el, localInputToIso, onSubmit, showMessage, toLocalInput } from "./dom.js";
import { openDashboard } from "./console-dashboard.js";
import { errorText } from "./errors.js";
import { replayButtons } from "./replay-controls.js";
import { currentLang, money, t } from "./i18n.js";

const form = document.getElementById("room-form");
const list = document.getElementById("room-list");
const shelf = document.getElementById("shelf-options");
const message = form.querySelector(".form-message");

let onChange = () => {};
let editing = null;  // the room being edited, or null when scheduling a new one

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
  // A started show keeps its time: the field is disabled, so FormData leaves it out.
  const scheduledAt = form.elements.scheduled_at.disabled ? editing?.scheduled_at
    : localInputToIso(String(data.get("scheduled_at") ?? ""));
  if (!title) return { error: t("lang.required", { field: t("console.room_title") }) };
  if (!host && !editing) return { error: t("lang.required", { field: t("console.host_handle") }) };
  if (!scheduledAt) return { error: t("lang.required", { field: t("console.starts_at") }) };
  const productIds = data.getAll("product_ids").map(Number);
  return { payload: { title, host, scheduled_at: scheduledAt, product_ids: productIds } };
}

async function uploadCover(roomId) {
  const file = form.elements.cover.files[0];
  if (!file) return;
  await api("PUT", `/api/rooms/${roomId}/cover`, file);
}

/** Save an edit: title and time (the time only before the show starts), then the shelf. */
async function saveEdit(room, payload) {
  const changes = { title: payload.title };
  if (room.status === "scheduled") changes.scheduled_at = payload.scheduled_at;
  await api("PATCH", `/api/rooms/${room.id}`, changes);
  await api("PUT", `/api/rooms/${room.id}/shelf`, { product_ids: payload.product_ids });
}

async function submit(event) {
  event.preventDefault();
  const { payload, error } = readForm();
  if (error) return showMessage(message, error);
  try {
    let roomId;
    if (editing) {
      await saveEdit(editing, payload);
      roomId = editing.id;
    } else {
      roomId = (await api("POST", "/api/rooms", payload)).id;
    }
    await uploadCover(roomId);
    showMessage(message, editing ? t("console15.show_saved") : t("console.scheduled"), true);
    setMode(null);
    await load();
  } catch (err) {
    showMessage(message, errorText(err));
  }
}

function setMode(room) {
  editing = room;
  const title = form.querySelector(".form-title");
  title.textContent = room ? title.dataset.edit : title.dataset.new;
  const button = form.querySelector('button[type="submit"]');
  button.textContent = room ? button.dataset.labelEdit : button.dataset.labelNew;
  form.querySelector('[data-action="cancel-edit"]').hidden = !room;
  form.elements.host.disabled = Boolean(room);
  form.elements.scheduled_at.disabled = false;
  if (!room) {
    form.reset();
    defaultTime();
    return;
  }
  form.elements.title.value = room.title;
  form.elements.host.value = room.host_name;
  form.elements.scheduled_at.value = toLocalInput(new Date(room.scheduled_at));
  form.elements.scheduled_at.disabled = room.status !== "scheduled";
  const onShelf = new Set(room.shelf.map((p) => String(p.id)));
  for (const box of shelf.querySelectorAll("input")) box.checked = onShelf.has(box.value);
  form.scrollIntoView({ behavior: "smooth", block: "center" });
}

async function edit(room) {
  // Held while the show is read: what the merchant typed first would be overwritten by it.
  const held = [...form.elements].filter((field) => !field.disabled);
  for (const field of held) field.disabled = true;
  try {
    const loaded = await api("GET", `/api/rooms/${room.id}`);
    for (const field of held) field.disabled = false;
    setMode(loaded);
  } catch (err) {
    for (const field of held) field.disabled = false;
    showMessage(message, errorText(err));
  }
}

async function cancelShow(room) {
  if (!confirm(`${t("console15.confirm_cancel")}\n${room.title}`)) return;
  try {
    await api("POST", `/api/rooms/${room.id}/end`);
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
      room.status === "live"
        ? el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "room-dashboard", onclick: () => openDashboard(room.id) }, t("dash.title"))
        : null,
      room.status === "ended"
        ? el("a", { class: "btn btn-ghost btn-sm", "data-testid": "room-report", href: `/console/rooms/${room.id}/report` }, t("dash.report"))
        : null,
      ...replayButtons(room, load),
      room.status === "ended" ? null
        : el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "room-edit", onclick: () => edit(room) }, t("console15.edit_show")),
      room.status === "scheduled"
        ? el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "room-cancel", onclick: () => cancelShow(room) }, t("console15.cancel_show"))
        : null,
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
  form.querySelector('[data-action="cancel-edit"]').addEventListener("click", () => setMode(null));
  return load();
}
