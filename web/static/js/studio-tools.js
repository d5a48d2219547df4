// Studio tools beside the stage: chat rules (slow mode, blocked words) sent over the room
// socket, and the order counter read from the server (so a reload or a payment counts).

import { api } from "./api.js";
import { onSubmit, showMessage } from "./dom.js";
import { compactNumber, t } from "./i18n.js";

const REFRESH_MS = 10_000;

/** The order numbers of the show: orders placed (not cancelled or expired) and paid.
 * `refresh()` is cheap to call on every order event: calls within a second share one read. */
export function orderNumbers(roomId, ordersNode, paidNode) {
  let pending = null;
  async function load() {
    try {
      const numbers = await api("GET", `/api/rooms/${roomId}/numbers`);
      ordersNode.textContent = compactNumber(numbers.orders);
      paidNode.textContent = paidNode.dataset.template.replace("{paid}", compactNumber(numbers.paid));
    } catch {
      // The counter keeps its last value; the next event or tick tries again.
    }
  }
  function refresh() {
    if (pending) return;
    pending = setTimeout(() => { pending = null; load(); }, 1000);
  }
  load();
  // Payments are private to each buyer, so the room hears of none: read them on a timer.
  setInterval(load, REFRESH_MS);
  return { refresh };
}

function words(text) {
  return String(text).split(/[,，\n]/).map((w) => w.trim()).filter(Boolean);
}

/** Slow mode applies on change; blocked words on Save. The server's events confirm. */
export function bindChatRules(form, socket) {
  if (!form) return { onEvent() {} };
  const out = form.querySelector("#rules-message");
  const state = form.querySelector("#slow-mode-state");
  const select = form.elements.slow_mode;
  const describe = (seconds) => {
    state.textContent = seconds > 0 ? t("studio15.slow_on", { seconds }) : t("studio15.slow_off");
  };
  describe(Number(select.value));
  select.addEventListener("change", () => {
    socket.send("moderation.slow_mode", { seconds: Number(select.value) });
  });
  onSubmit(form, (event) => {
    event.preventDefault();
    socket.send("moderation.blocked_words", { words: words(form.elements.blocked_words.value) });
  });
  return {
    onEvent(event) {
      const data = event.data ?? {};
      if (event.type === "moderation.slow_mode_changed") {
        select.value = String(data.seconds);
        describe(Number(data.seconds));
        showMessage(out, t("studio15.rules_saved"), true);
      } else if (event.type === "room.snapshot" && Number.isFinite(data.slow_mode_seconds)) {
        select.value = String(data.slow_mode_seconds);
        describe(data.slow_mode_seconds);
      } else if (event.type === "moderation.blocked_words_changed") {
        showMessage(out, t("studio15.blocked_saved", { count: data.count }), true);
      }
    },
  };
}
