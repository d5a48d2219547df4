// Console: the live dashboard of one of the merchant's shows, picked from a list that puts
// live shows first; the show list's "Dashboard" buttons pick one too.

import { clear, el } from "./dom.js";
import { mountDashboard } from "./dashboard.js";
import { t } from "./i18n.js";

const section = document.getElementById("dashboard");
const picker = document.getElementById("dashboard-room");
const body = document.getElementById("dashboard-body");
let dashboard = null;

function pick(roomId) {
  picker.value = String(roomId);
  body.hidden = false;
  if (dashboard) dashboard.room(roomId);
  else dashboard = mountDashboard(body, { roomId });
}

/** Show `roomId`'s dashboard and scroll to it (the show list's button). */
export function openDashboard(roomId) {
  pick(roomId);
  section.scrollIntoView({ behavior: "smooth", block: "start" });
}

/** The shows that have figures: live ones first, then ended ones, newest first. */
export function setDashboardRooms(rooms) {
  const shown = rooms.filter((r) => r.status !== "scheduled")
    .sort((a, b) => (a.status === "live" ? 0 : 1) - (b.status === "live" ? 0 : 1)
      || (b.started_at ?? "").localeCompare(a.started_at ?? ""));
  const chosen = picker.value;
  clear(picker);
  if (shown.length === 0) picker.append(el("option", { value: "" }, t("dash.no_shows")));
  for (const r of shown) {
    picker.append(el("option", { value: r.id }, `${r.status === "live" ? "● " : ""}${r.title}`));
  }
  const keep = shown.find((r) => String(r.id) === chosen) ?? shown[0];
  if (keep) pick(keep.id);
}

picker.addEventListener("change", () => { if (picker.value) pick(Number(picker.value)); });
