// One small status line at the bottom of the page.

let hideTimer = null;

export function toast(message, { error = false, ms = 2600 } = {}) {
  const el = document.getElementById("toast");
  if (!el) return;
  el.textContent = message;
  el.classList.toggle("error", error);
  el.hidden = false;
  clearTimeout(hideTimer);
  hideTimer = setTimeout(() => { el.hidden = true; }, ms);
}
