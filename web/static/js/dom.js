// Building DOM without innerHTML: strings always become text nodes, so user text
// (titles, chat, handles) can never become markup.

/** el("a", {href: "/x", class: "btn", onclick: fn}, "text", childNode, ...) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

/** Replace `node`'s children; null/false children are skipped (native append would print "null").
 * A child already in its place stays there: moving a node, even back where it was, takes the
 * focus from a field inside it (the buy sheet redraws on every stock update while the buyer
 * types an address, and a phone would drop its keyboard). */
export function fill(node, ...children) {
  const wanted = children.flat().filter((child) => child !== null && child !== undefined && child !== false)
    .map((child) => (child instanceof Node ? child : document.createTextNode(String(child))));
  const kept = new Set(wanted);
  for (const child of [...node.childNodes]) if (!kept.has(child)) child.remove();
  let at = node.firstChild;
  for (const child of wanted) {
    if (child === at) at = at.nextSibling;
    else node.insertBefore(child, at);
  }
  return node;
}

/** A product's picture, or a friendly placeholder when it has none. */
export function thumb(product) {
  const box = el("div", { class: "product-thumb" });
  const url = product?.image_url ?? "";
  if (/^(https?:\/\/|\/)/.test(url)) {
    const img = el("img", { src: url, alt: "", loading: "lazy" });
    img.addEventListener("error", () => { img.remove(); box.textContent = "🛍️"; });
    box.append(img);
  } else {
    box.textContent = "🛍️";
  }
  return box;
}

/** datetime-local input value -> ISO 8601 UTC with Z (what the API wants). */
export function localInputToIso(value) {
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : "";
}

/** Date -> datetime-local input value in the visitor's time zone. */
export function toLocalInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** "19.90" -> 1990; NaN when not a positive amount with at most two decimals. */
export function yuanToCents(text) {
  if (!/^\d+(\.\d{1,2})?$/.test(String(text).trim())) return NaN;
  return Math.round(Number(text) * 100);
}

export function showMessage(node, text, ok = false) {
  node.textContent = text;
  node.classList.toggle("ok", ok && Boolean(text));
  node.classList.toggle("error", !ok && Boolean(text));
}

/** Bind a form's submit handler, then enable its submit button. The button ships disabled
 * so a click (or Enter) before the script runs cannot fall back to a native GET submit. */
export function onSubmit(form, handler) {
  form.addEventListener("submit", handler);
  for (const button of form.querySelectorAll('button[type="submit"]')) button.disabled = false;
}
