// Console: the merchant's products (create, edit, delete).
import { api } from "./api.js";
import { clear, el, onSubmit, showMessage, thumb, yuanToCents } from "./dom.js";
import { errorText } from "./errors.js";
import { money, t } from "./i18n.js";

const form = document.getElementById("product-form");
const list = document.getElementById("product-list");
const message = form.querySelector(".form-message");

let products = [];
let onChange = () => {};

/** Read the form into an API payload, or return an error message. */
function readForm() {
  const data = new FormData(form);
  const title = String(data.get("title") ?? "").trim();
  const priceCents = yuanToCents(data.get("price"));
  const stock = Number(data.get("stock"));
  if (!title) return { error: t("lang.required", { field: t("console.title_field") }) };
  if (!(priceCents > 0)) return { error: `${t("console.price")}: > 0` };
  if (!Number.isInteger(stock) || stock < 0 || String(data.get("stock")).trim() === "") return { error: `${t("console.stock")}: ≥ 0` };
  return {
    payload: {
      title,
      price_cents: priceCents,
      stock,
      description: String(data.get("description") ?? ""),
      image_url: String(data.get("image_url") ?? "").trim(),
    },
  };
}

function setMode(product) {
  const editing = Boolean(product);
  form.elements.id.value = editing ? product.id : "";
  const title = form.querySelector(".form-title");
  title.textContent = editing ? title.dataset.edit : title.dataset.new;
  const submit = form.querySelector('button[type="submit"]');
  submit.textContent = editing ? submit.dataset.labelEdit : submit.dataset.labelNew;
  form.querySelector('[data-action="cancel-edit"]').hidden = !editing;
  if (editing) {
    form.elements.title.value = product.title;
    form.elements.price.value = (product.price_cents / 100).toFixed(2);
    form.elements.stock.value = product.stock;
    form.elements.image_url.value = product.image_url ?? "";
    form.elements.description.value = product.description ?? "";
    form.scrollIntoView({ behavior: "smooth", block: "center" });
  } else {
    form.reset();
  }
}

async function submit(event) {
  event.preventDefault();
  const { payload, error } = readForm();
  if (error) return showMessage(message, error);
  const id = form.elements.id.value;
  try {
    if (id) await api("PATCH", `/api/products/${id}`, payload);
    else await api("POST", "/api/products", payload);
    showMessage(message, id ? t("console.saved") : t("console.created"), true);
    setMode(null);
    await load();
  } catch (err) {
    showMessage(message, errorText(err));
  }
}

async function remove(product) {
  if (!confirm(`${t("common.confirm_delete")}\n${product.title}`)) return;
  try {
    await api("DELETE", `/api/products/${product.id}`);
    showMessage(message, t("console.deleted"), true);
    await load();
  } catch (err) {
    showMessage(message, errorText(err));
  }
}

function item(product) {
  return el("div", { class: "product-item", dataset: { productId: product.id }, "data-testid": "product-item" },
    thumb(product),
    el("div", { class: "product-info" },
      el("b", {}, product.title),
      el("span", { class: "price" }, money(product.price_cents, product.currency)),
      el("small", { class: "muted" }, `${t("console.stock")}: ${product.stock}`),
      el("div", { class: "product-actions" },
        el("button", { type: "button", class: "btn btn-ghost btn-sm", onclick: () => setMode(product) }, t("common.edit")),
        el("button", { type: "button", class: "btn btn-ghost btn-sm", onclick: () => remove(product) }, t("common.delete")))));
}

function render() {
  clear(list);
  if (products.length === 0) list.append(el("div", { class: "empty" }, t("console.no_products")));
  else list.append(...products.map(item));
}

export async function load() {
  try {
    products = (await api("GET", "/api/products")).products;
  } catch (err) {
    products = [];
    showMessage(message, errorText(err));
  }
  render();
  onChange(products);
  return products;
}

export function initProducts(changed) {
  onChange = changed;
  onSubmit(form, submit);
  form.querySelector('[data-action="cancel-edit"]').addEventListener("click", () => setMode(null));
  return load();
}
