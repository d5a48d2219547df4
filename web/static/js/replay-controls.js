// The host's and merchant's replay buttons: publish/unpublish, delete (for good).

import { api } from "./api.js";
import { errorText } from "./errors.js";
import { t } from "./i18n.js";
import { toast } from "./toast.js";

for (const button of document.querySelectorAll("[data-replay-state]")) {
  button.addEventListener("click", async () => {
    try {
      await api("PUT", `/api/rooms/${button.dataset.room}/replay`, { state: button.dataset.replayState });
      location.reload();
    } catch (err) { toast(errorText(err), { error: true }); }
  });
}
for (const button of document.querySelectorAll("[data-replay-delete]")) {
  button.addEventListener("click", async () => {
    if (!confirm(t("replay.delete_confirm"))) return;
    try {
      await api("DELETE", `/api/rooms/${button.dataset.room}/replay`);
      location.reload();
    } catch (err) { toast(errorText(err), { error: true }); }
  });
}
