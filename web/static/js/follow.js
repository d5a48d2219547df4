// The room page's follow button (the host) and, on an upcoming show, 预约 "Remind me"
// with the live count of viewers who asked ("reminders.changed").

import { api } from "./api.js";
import { el } from "./dom.js";
import { errorText } from "./errors.js";
import { t } from "./i18n.js";
import { toast } from "./toast.js";

export class FollowBar {
  /** `standing` is the page's {host_id, following, reminded, reminders, followers}. */
  constructor(root, standing, { loggedIn, loginUrl, roomId, isHost }) {
    this.s = { ...standing };
    this.opts = { loggedIn, loginUrl, roomId, isHost };
    this.followBtn = el("button", { type: "button", class: "btn btn-primary btn-sm follow-btn", "data-testid": "follow-btn",
      onclick: () => this.toggleFollow() });
    this.remindBtn = el("button", { type: "button", class: "btn btn-primary btn-sm remind-btn", "data-testid": "remind-btn",
      onclick: () => this.toggleRemind() });
    this.count = el("small", { class: "remind-count", "data-testid": "remind-count" });
    this.remindBox = el("div", { class: "remind-box", "data-testid": "remind-box" }, this.remindBtn, this.count);
    if (!isHost) root.host.after(this.followBtn);
    root.stage.prepend(this.remindBox);
    this.draw();
  }

  draw() {
    this.followBtn.textContent = this.s.following ? t("follow.following") : `+ ${t("follow.follow")}`;
    this.followBtn.classList.toggle("on", this.s.following);
    this.remindBtn.textContent = this.s.reminded ? `✓ ${t("follow.reminded")}` : `⏰ ${t("follow.remind")}`;
    this.remindBtn.classList.toggle("on", this.s.reminded);
    this.count.textContent = t("follow.reminders", { count: this.s.reminders });
  }

  guard() {
    if (this.opts.loggedIn) return true;
    toast(t("follow.login"));
    setTimeout(() => { location.href = this.opts.loginUrl; }, 800);
    return false;
  }

  async toggleFollow() {
    if (!this.guard()) return;
    const method = this.s.following ? "DELETE" : "PUT";
    try {
      await api(method, `/api/follows/${this.s.host_id}`);
      this.s.following = !this.s.following;
      this.draw();
    } catch (err) { toast(errorText(err), { error: true }); }
  }

  async toggleRemind() {
    if (!this.guard()) return;
    const method = this.s.reminded ? "DELETE" : "PUT";
    try {
      const answer = await api(method, `/api/rooms/${this.opts.roomId}/reminder`);
      this.s.reminded = answer.reminded;
      this.s.reminders = answer.reminders;
      if (answer.reminded) toast(t("follow.reminder_set"));
      this.draw();
    } catch (err) { toast(errorText(err), { error: true }); }
  }

  onEvent(event) {
    if (event.type === "reminders.changed") { this.s.reminders = event.data.count; this.draw(); }
  }

  /** 预约 is offered while the show is upcoming only. */
  status(status) { this.remindBox.hidden = status !== "scheduled"; }
}
