// The like button: taps are counted locally and sent as one like.send per second,
// never one message per tap (the server aggregates too).

import { compactNumber } from "./i18n.js";

const FLUSH_MS = 1000;
const HEARTS = ["❤️", "💖", "💗", "🧡", "💕"];
const PROMPT_MS = 4000; // how long "log in to like" stays up after a visitor's tap


export class Likes {
  /** `socket` null: a visitor's tap counts nowhere, so it asks them to log in (`prompt`). */
  constructor(button, counter, heartsBox, socket, prompt = null) {
    this.counter = counter;
    this.heartsBox = heartsBox;
    this.socket = socket;
    this.prompt = prompt;
    this.shown = 0;
    this.pending = 0;
    button.addEventListener("click", () => (this.socket ? this.tap(button) : this.askLogin()));
    setInterval(() => this.flush(), FLUSH_MS);
  }

  askLogin() {
    if (!this.prompt) return;
    this.prompt.hidden = false;
    clearTimeout(this.promptTimer);
    this.promptTimer = setTimeout(() => { this.prompt.hidden = true; }, PROMPT_MS);
  }

  tap(button) {
    this.pending += 1;
    this.show(this.shown + 1);
    button.classList.remove("pop");
    void button.offsetWidth; // restart the animation
    button.classList.add("pop");
    this.heart();
  }

  heart() {
    if (!this.heartsBox || this.heartsBox.childElementCount > 12) return;
    const heart = document.createElement("span");
    heart.className = "heart";
    heart.textContent = HEARTS[Math.floor(Math.random() * HEARTS.length)];
    heart.style.setProperty("--dx", `${Math.round(Math.random() * 40 - 20)}px`);
    heart.addEventListener("animationend", () => heart.remove());
    this.heartsBox.append(heart);
  }

  flush() {
    if (this.pending === 0) return;
    this.socket?.send("like.send", { count: this.pending });
    this.pending = 0;
  }

  /** The server's total; never step back below what this viewer already saw. */
  show(total) {
    this.shown = Math.max(this.shown, total);
    this.counter.textContent = compactNumber(this.shown);
  }
}
