// The share button of a room or product page: the signed-in user's own share link
// (POST /api/share-links), shown to copy. A shop that shares through approved
// promoters only answers promoter_not_approved; the panel then offers to apply.
import { api, pageData } from "./api.js";
import { errorText } from "./errors.js";
import { t } from "./i18n.js";
import { toast } from "./toast.js";

const $ = (id) => document.getElementById(id);
const page = pageData();
const target = page.share ?? (page.room ? { kind: "room", target_id: page.room.id } : null);
const panel = $("share-panel");
const message = $("share-message");
let merchantId = page.room?.merchant_id ?? null;

async function share() {
  if (!page.user) {
    location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
    return;
  }
  panel.hidden = false;
  message.textContent = "";
  $("share-apply").hidden = true;
  try {
    const link = await api("POST", "/api/share-links", target);
    $("share-url").value = link.url;
    $("share-url").select();
  } catch (err) {
    message.textContent = errorText(err);
    $("share-apply").hidden = err.code !== "promoter_not_approved" || merchantId === null;
  }
}

async function copy() {
  const url = $("share-url").value;
  if (!url) return;
  try {
    await navigator.clipboard.writeText(url);
  } catch {
    $("share-url").select();
  }
  toast(t("share.copied"));
}

async function apply() {
  try {
    await api("POST", "/api/promoters/apply", { merchant_id: merchantId });
    message.textContent = t("share.applied");
    $("share-apply").hidden = true;
  } catch (err) {
    message.textContent = errorText(err);
  }
}

if (target && panel) {
  merchantId = merchantId ?? page.share?.merchant_id ?? null;
  $("share-button").addEventListener("click", share);
  $("share-copy").addEventListener("click", copy);
  $("share-apply").addEventListener("click", apply);
}
