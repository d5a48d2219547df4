// The chat list (弹幕). Every piece of user text goes in through textContent (via el()),
// never innerHTML, so a message can never become markup.

import { el } from "./dom.js";
import { currentLang, t } from "./i18n.js";

const MAX_MESSAGES = 200;
const STICK_TO_BOTTOM_PX = 80;

export function authorOf(message) {
  const user = message.user ?? {};
  return user.name ?? user.display_name ?? message.display_name ?? user.handle ?? message.handle ?? "?";
}

function userIdOf(message) {
  return message.user_id ?? message.user?.id ?? null;
}

export class ChatView {
  /**
   * @param {HTMLElement} list the <ul>
   * @param {{me?: {id}, hostId?: number, moderate?: (action, message) => void}} options
   *   `moderate` adds Delete / Mute / Ban buttons to every viewer message (studio).
   * @param {Set<number>|null} options.moderators when given (the host's studio), each
   *   message also gets a button making its author a moderator, or no longer one.
   */
  constructor(list, { me = null, hostId = null, moderate = null, moderators = null } = {}) {
    this.list = list;
    this.me = me;
    this.hostId = hostId;
    this.moderate = moderate;
    this.moderators = moderators;
    this.seen = new Set();
    this.welcomed = false;
  }

  /** Relabel the moderator buttons of ``userId``'s messages after a change. */
  moderatorChanged(userId) {
    for (const button of this.list.querySelectorAll("[data-testid=moderator-btn]")) {
      if (button.dataset.userId === String(userId)) this.labelModerator(button, userId);
    }
  }

  labelModerator(button, userId) {
    button.textContent = this.moderators.has(userId) ? t("chat.unmake_moderator") : t("chat.make_moderator");
  }

  nearBottom() {
    const { scrollHeight, scrollTop, clientHeight } = this.list;
    return scrollHeight - scrollTop - clientHeight < STICK_TO_BOTTOM_PX;
  }

  push(node) {
    const stick = this.nearBottom();
    this.list.append(node);
    while (this.list.childElementCount > MAX_MESSAGES) {
      const gone = this.list.firstElementChild;
      this.seen.delete(Number(gone.dataset.messageId));
      gone.remove();
    }
    if (stick) this.list.scrollTop = this.list.scrollHeight;
  }

  modButtons(message) {
    const act = (action) => () => this.moderate(action, message);
    const userId = userIdOf(message);
    let appoint = null;
    if (this.moderators && userId !== null) {
      appoint = el("button", { type: "button", "data-testid": "moderator-btn", dataset: { userId },
        onclick: () => this.moderate(this.moderators.has(userId) ? "unmake_moderator" : "make_moderator", message) });
      this.labelModerator(appoint, userId);
    }
    return el("span", { class: "mod-actions" },
      el("button", { type: "button", onclick: act("delete"), title: t("chat.delete") }, t("chat.delete")),
      el("button", { type: "button", onclick: act("mute"), title: t("chat.mute") }, t("chat.mute")),
      el("button", { type: "button", onclick: act("ban"), title: t("chat.ban") }, t("chat.ban")),
      appoint);
  }

  /** Empty the list, as before the first message (a replay seeking back rebuilds it). */
  clear() {
    this.list.replaceChildren();
    this.seen.clear();
    this.welcomed = false;
  }

  /** Show a chat message; repeats of an id already shown (replays) are ignored. */
  add(message) {
    if (message.id !== undefined) {
      if (this.seen.has(message.id)) return;
      this.seen.add(message.id);
    }
    const userId = userIdOf(message);
    const classes = ["chat-msg"];
    if (userId !== null && userId === this.hostId) classes.push("host");
    if (userId !== null && userId === this.me?.id) classes.push("mine");
    const canModerate = this.moderate && userId !== this.hostId && userId !== this.me?.id;
    this.push(el("li", { class: classes.join(" "), dataset: { messageId: message.id ?? "", userId: userId ?? "" }, "data-testid": "chat-message" },
      el("span", { class: "who" }, authorOf(message)),
      el("span", { class: "body" }, message.body ?? ""),
      canModerate ? this.modButtons(message) : null));
  }

  /** A line from the room itself (welcome, moderation, "N people just bought"). */
  system(text, kind = "system") {
    this.push(el("li", { class: `chat-msg ${kind}` }, text));
  }

  remove(messageId) {
    for (const node of this.list.querySelectorAll("[data-message-id]")) {
      if (node.dataset.messageId === String(messageId)) node.remove();
    }
  }

  /** Bring the list in line with a snapshot's recent chat. The room's own lines (welcome,
   * moderation, "N people just bought") are in no snapshot, so they stay; a message the
   * snapshot's window lacks was deleted or hidden meanwhile and goes. */
  replace(messages) {
    if (!this.welcomed) {
      this.welcomed = true;
      this.system(t("chat.welcome"));
    }
    const ids = new Set(messages.map((m) => m.id).filter(Number.isFinite));
    const oldest = Math.min(...ids);
    for (const node of this.list.querySelectorAll("[data-message-id]")) {
      const id = Number(node.dataset.messageId);
      if (node.dataset.messageId !== "" && id >= oldest && !ids.has(id)) {
        node.remove();
        this.seen.delete(id);
      }
    }
    for (const message of messages) this.add(message);
  }
}

/** "1 person just bought" / "3 people just bought", by the language's plural rules. */
export function boughtText(count) {
  const one = new Intl.PluralRules(currentLang()).select(count) === "one";
  return t(one ? "viewer.bought_one" : "chat.bought", { count });
}

/** Chat-related events -> the view. Returns true when the event was a chat event. */
export function applyChatEvent(view, event) {
  const data = event.data ?? {};
  const user = typeof data.user === "object" && data.user !== null ? data.user : {};
  const who = user.name ?? user.handle ?? "";
  switch (event.type) {
    case "chat.posted": view.add(data); return true;
    // The sender's own message, answered to the sender only.
    case "chat.accepted": view.add(data.message); return true;
    case "chat.deleted": view.remove(data.id); return true;
    case "moderation.muted": view.system(t("chat.muted", { user: who })); return true;
    case "moderation.banned": view.system(t("chat.banned", { user: who })); return true;
    case "moderation.moderator_added": view.system(t("chat.moderator_added", { user: who })); return true;
    case "moderation.moderator_removed": view.system(t("chat.moderator_removed", { user: who })); return true;
    case "moderation.slow_mode_changed":
      view.system(data.seconds ? t("chat.slow_mode", { seconds: data.seconds }) : t("chat.slow_mode_off")); return true;
    case "order.placed.summary": view.system(boughtText(data.count ?? 1), "order"); return true;
    default: return false;
  }
}

/** Put a note where the chat input was: the show ended, or the viewer was banned. */
export function closeChatForm(panel, text) {
  const note = panel.querySelector("#chat-closed")
    ?? el("p", { class: "chat-closed", id: "chat-closed", "data-testid": "chat-closed" });
  note.textContent = text;
  for (const node of panel.querySelectorAll("#chat-form, .chat-login")) node.remove();
  if (!note.isConnected) panel.append(note);
}

/** Wire the chat input to the socket. The input ships disabled, so nothing is typed
 * (and no native form submit happens) before this script runs. */
export function bindChatForm(form, socket) {
  if (!form) return;
  for (const control of form.elements) control.disabled = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = form.elements.body;
    const body = input.value.trim();
    if (!body) return;
    socket.send("chat.send", { body });
    input.value = "";
  });
}
