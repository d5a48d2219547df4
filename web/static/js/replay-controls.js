// The host's and merchant's replay controls: watch, publish/unpublish, delete (for good).
// The studio's show list renders its buttons on the server (data-replay-* attributes);
// the merchant console builds them with replayButtons().

import { api } from "./api.js";
import { el } from "./dom.js";
import { errorText } from "./errors.js";
import { t } from "./i18n.js";
import { toast } from "./toast.js";

/** Whether an ended show has a replay its owners can still manage. */
export function hasReplay(room) {
  return room.status === "ended" && room.replay !== "deleted" && room.recordable !== false;
}

async function setState(roomId, state, done) {
  try {
    await api("PUT", `/api/rooms/${roomId}/replay`, { state });
    await done();
  } catch (err) { toast(errorText(err), { error: true }); }
}

async function remove(roomId, done) {
  if (!confirm(t("replay.delete_confirm"))) return;
  try {
    await api("DELETE", `/api/rooms/${roomId}/replay`);
    await done();
  } catch (err) { toast(errorText(err), { error: true }); }
}

/** Watch / publish-or-unpublish / delete buttons for `room`; `done()` after a change. */
export function replayButtons(room, done) {
  if (!hasReplay(room)) return [];
  const published = room.replay === "published";
  return [
    el("a", { class: "btn btn-ghost btn-sm", href: `/replay/${room.id}`, "data-testid": "replay-link" }, t("replay.watch")),
    el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "replay-toggle",
      onclick: () => setState(room.id, published ? "unpublished" : "published", done) },
    published ? t("replay.unpublish") : t("replay.publish")),
    el("button", { type: "button", class: "btn btn-danger btn-sm", "data-testid": "replay-delete",
      onclick: () => remove(room.id, done) }, t("replay.delete")),
  ];
}

const reload = async () => location.reload();
for (const button of document.querySelectorAll("[data-replay-state]")) {
  button.addEventListener("click", () => setState(button.dataset.room, button.dataset.replayState, reload));
}
for (const button of document.querySelectorAll("[data-replay-delete]")) {
  button.addEventListener("click", () => remove(button.dataset.room, reload));
}
// The studio's "record this show" switch (the host's; a recording already made stays).
const recordable = document.getElementById("recordable-toggle");
recordable?.addEventListener("change", async () => {
  try {
    await api("PUT", `/api/rooms/${recordable.dataset.room}/recordable`, { recordable: recordable.checked });
    const link = document.getElementById("studio-replay");
    if (link) link.hidden = !recordable.checked;
    toast(t(recordable.checked ? "replay.recordable_on" : "replay.recordable_off"));
  } catch (err) {
    recordable.checked = !recordable.checked;
    toast(errorText(err), { error: true });
  }
});
