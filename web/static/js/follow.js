// Follow a host, and 预约 "Remind me" on an upcoming show: the buttons the room page and
// the host page share. The room page's FollowBar also keeps the live count of viewers who
// asked ("reminders.changed").

import { api } from "./api.js";
import { el } from "./dom.js";
import { errorText } from "./errors.js";
import { t } from "./i18n.js";
import { toast } from "./toast.js";

/** A visitor is sent to log in (and comes back); false when they were. */
function loggedInOr(loginUrl, loggedIn) {
  if (loggedIn) return true;
  toast(t("follow.login"));
  setTimeout(() => { location.href = loginUrl; }, 800);
  return false;
}

/** The follow button of host `hostId`; `onChange(following)` runs after each change. */
export class FollowButton {
  constructor({ hostId, following, loggedIn, loginUrl, onChange = () => {} }) {
    this.s = { hostId, following: Boolean(following) };
    this.opts = { loggedIn, loginUrl, onChange };
    this.node = el("button", { type: "button", class: "btn btn-primary btn-sm follow-btn", "data-testid": "follow-btn",
      onclick: () => this.toggle() });
    this.draw();
  }

  draw() {
    this.node.textContent = this.s.following ? t("follow.following") : `+ ${t("follow.follow")}`;
    this.node.classList.toggle("on", this.s.following);
  }

  async toggle() {
    if (!loggedInOr(this.opts.loginUrl, this.opts.loggedIn)) return;
    try {
      await api(this.s.following ? "DELETE" : "PUT", `/api/follows/${this.s.hostId}`);
      this.s.following = !this.s.following;
      this.draw();
      this.opts.onChange(this.s.following);
    } catch (err) { toast(errorText(err), { error: true }); }
  }
}

/** 预约 on upcoming show `roomId`, with how many asked. */
export class RemindButton {
  constructor({ roomId, reminded, reminders, loggedIn, loginUrl }) {
    this.s = { reminded: Boolean(reminded), reminders: reminders ?? 0 };
    this.opts = { roomId, loggedIn, loginUrl };
    this.button = el("button", { type: "button", class: "btn btn-primary btn-sm remind-btn", "data-testid": "remind-btn",
      onclick: () => this.toggle() });
    this.count = el("small", { class: "remind-count", "data-testid": "remind-count" });
    this.node = el("div", { class: "remind-box", "data-testid": "remind-box" }, this.button, this.count);
    this.draw();
  }

  draw() {
    this.button.textContent = this.s.reminded ? `✓ ${t("follow.reminded")}` : `⏰ ${t("follow.remind")}`;
    this.button.classList.toggle("on", this.s.reminded);
    this.count.textContent = t("follow.reminders", { count: this.s.reminders });
  }

  setCount(count) { this.s.reminders = count; this.draw(); }

  async toggle() {
    if (!loggedInOr(this.opts.loginUrl, this.opts.loggedIn)) return;
    try {
      const answer = await api(this.s.reminded ? "DELETE" : "PUT", `/api/rooms/${this.opts.roomId}/reminder`);
      this.s.reminded = answer.reminded;
      this.s.reminders = answer.reminders;
      if (answer.reminded) toast(t("follow.reminder_set"));
      this.draw();
    } catch (err) { toast(errorText(err), { error: true }); }
  }
}

/** The room page's pair. `standing` is the page's {host_id, following, reminded, reminders, followers}. */
export class FollowBar {
  constructor(root, standing, { loggedIn, loginUrl, roomId, isHost }) {
    this.isHost = isHost;
    this.listeners = [];
    this.follow = new FollowButton({ hostId: standing.host_id, following: standing.following, loggedIn, loginUrl,
      onChange: () => { for (const fn of this.listeners) fn(); } });
    this.remind = new RemindButton({ roomId, reminded: standing.reminded, reminders: standing.reminders, loggedIn, loginUrl });
    if (!isHost) root.host.after(this.follow.node);
    root.stage.prepend(this.remind.node);
  }

  get following() { return this.follow.s.following; }

  /** `fn` runs whenever the viewer follows or unfollows the host here. */
  listen(fn) { this.listeners.push(fn); }

  async followHost() {
    if (!this.following) await this.follow.toggle();
  }

  onEvent(event) {
    if (event.type === "reminders.changed") this.remind.setCount(event.data.count);
  }

  /** 预约 is offered while the show is upcoming only. */
  status(status) { this.remind.node.hidden = status !== "scheduled"; }
}
