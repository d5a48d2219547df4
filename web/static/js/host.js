// The host page: follow the host (the follower count is read back from the server, so it
// stays the count of follow rows however many tabs follow), 预约 each upcoming show, and
// countdowns to them.

import { api, pageData } from "./api.js";
import { localizeTimes, startCountdowns } from "./countdown.js";
import { FollowButton, RemindButton } from "./follow.js";
import { currentLang, t } from "./i18n.js";

const page = pageData();
const hostId = page.host.id;
const loggedIn = Boolean(page.user);
const loginUrl = `/login?next=${encodeURIComponent(location.pathname)}`;
const followers = document.getElementById("host-followers");

function drawFollowers(count) {
  followers.textContent = t(count === 1 ? "follow.followers_one" : "follow.followers", { count });
}

const slot = document.getElementById("host-follow");
if (slot && page.user?.id !== hostId) {
  const button = new FollowButton({ hostId, following: page.following, loggedIn, loginUrl,
    onChange: async () => drawFollowers((await api("GET", `/api/hosts/${hostId}`)).followers) });
  slot.replaceWith(button.node);
}

for (const show of page.upcoming) {
  const box = document.querySelector(`[data-remind-slot="${show.id}"]`);
  if (box) box.replaceWith(new RemindButton({ roomId: show.id, reminded: show.reminded, reminders: show.reminders, loggedIn, loginUrl }).node);
}

startCountdowns(document);
localizeTimes(document, currentLang());
