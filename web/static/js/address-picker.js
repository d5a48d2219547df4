// Where the order ships, inside the buy sheet: the buyer's default address is picked
// already (paying stays one tap), "Change" lists the others, and a buyer without one
// gets the form. The element is kept across the sheet's redraws, so a stock update
// arriving mid-typing never wipes the form.

import { api } from "./api.js";
import { el, fill } from "./dom.js";
import { errorText } from "./errors.js";
import { t } from "./i18n.js";

const FIELDS = [["name", 40], ["phone", 20], ["region", 100], ["detail", 200]];

export function addressLine(a) {
  return `${a.name} ${a.phone} · ${a.region} ${a.detail}`;
}

export class AddressPicker {
  constructor() {
    this.root = el("div", { class: "address-picker", "data-testid": "buy-address" });
    this.addresses = null; // null: not loaded yet
    this.chosen = null;
    this.mode = "show";
  }

  get chosenId() {
    return this.chosen?.id ?? null;
  }

  async load() {
    try {
      const { addresses } = await api("GET", "/api/me/addresses");
      this.addresses = addresses;
      this.chosen = addresses.find((a) => a.id === this.chosenId) ?? addresses.find((a) => a.is_default) ?? null;
      this.mode = this.chosen ? "show" : "add";
    } catch (err) {
      this.addresses = [];
      this.mode = "add";
      this.message = errorText(err);
    }
    this.render();
  }

  /** The buyer must give an address (the server said address_required). */
  ask(text) {
    this.mode = "add";
    this.message = text;
    this.render();
  }

  render() {
    const head = el("div", { class: "address-head" }, el("span", { class: "muted" }, t("addr.ship_to")));
    if (this.addresses === null) return fill(this.root, head, el("small", { class: "muted" }, t("common.loading")));
    const body = this.mode === "pick" ? this.list() : this.mode === "add" ? this.form() : this.current();
    const note = this.message ? el("p", { class: "form-message error", "data-testid": "address-message" }, this.message) : null;
    fill(this.root, head, body, note);
  }

  current() {
    return el("div", { class: "address-current" },
      el("span", { "data-testid": "address-chosen" }, addressLine(this.chosen)),
      el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "address-change",
        onclick: () => { this.mode = "pick"; this.message = ""; this.render(); } }, t("addr.change")));
  }

  list() {
    const pick = (a) => () => { this.chosen = a; this.mode = "show"; this.render(); };
    return el("div", { class: "address-list" },
      ...this.addresses.map((a) => el("label", { class: "address-option", "data-testid": "address-option" },
        el("input", { type: "radio", name: "ship-to", checked: a.id === this.chosenId, onchange: pick(a) }),
        el("span", {}, addressLine(a), a.is_default ? el("small", { class: "deal-tag" }, t("addr.default")) : null))),
      el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "address-add",
        onclick: () => { this.mode = "add"; this.render(); } }, t("addr.add")));
  }

  form() {
    const inputs = FIELDS.map(([name, max]) => el("input", { name, maxlength: max, required: true,
      placeholder: t(`addr.${name}`), "aria-label": t(`addr.${name}`), "data-testid": `address-${name}` }));
    const save = async (event) => {
      event.preventDefault();
      const body = Object.fromEntries(inputs.map((input) => [input.name, input.value]));
      try {
        const made = await api("POST", "/api/me/addresses", body);
        this.chosen = made;
        this.message = "";
        await this.load();
      } catch (err) {
        this.message = errorText(err);
        this.render();
      }
    };
    const cancel = this.chosen
      ? el("button", { type: "button", class: "btn btn-ghost btn-sm", onclick: () => { this.mode = "show"; this.render(); } }, t("common.cancel"))
      : null;
    return el("form", { class: "address-form", onsubmit: save, novalidate: true }, ...inputs,
      el("div", { class: "form-actions" },
        el("button", { type: "submit", class: "btn btn-primary btn-sm", "data-testid": "address-save" }, t("addr.save")), cancel));
  }
}
