// The proof page recomputes a closed draw's winners in the browser from the published
// JSON, by the rule of livecommerce/draws/fairness.py: commit = sha256(seed); the list
// hash = sha256 of the ascending ids joined by "\n"; ticket = sha256(seed || ascii id);
// winners = the lowest tickets, in order (forfeited picks count, as the next go on).

import { api, pageData } from "./api.js";
import { t } from "./i18n.js";

const enc = new TextEncoder();

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function bytesOf(hexText) {
  return new Uint8Array(hexText.match(/../g).map((h) => parseInt(h, 16)));
}

async function sha256(bytes) {
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

export async function recompute(proof) {
  const seed = bytesOf(proof.seed);
  const problems = [];
  if ((await sha256(seed)) !== proof.commit) problems.push("seed ≠ commit");
  if ((await sha256(enc.encode(proof.entrants.join("\n")))) !== proof.entrants_hash) problems.push("entrants ≠ hash");
  const tickets = await Promise.all(proof.entrants.map(async (id) => {
    const idBytes = enc.encode(String(id));
    const joined = new Uint8Array(seed.length + idBytes.length);
    joined.set(seed);
    joined.set(idBytes, seed.length);
    return [await sha256(joined), id];
  }));
  tickets.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const forfeited = proof.winners.filter((w) => w.status === "forfeited").length;
  const winners = tickets.slice(0, proof.winners_wanted + forfeited).map(([, id]) => id);
  const published = proof.winners.map((w) => w.user_id);
  if (JSON.stringify(winners) !== JSON.stringify(published)) problems.push("winners ≠ rule");
  return { ok: problems.length === 0, problems, winners };
}

async function main() {
  const verdict = document.getElementById("proof-verdict");
  const proof = await api("GET", `/api/draws/${pageData().draw_id}/proof`);
  if (!proof.seed) return;
  if (!globalThis.crypto?.subtle) {
    verdict.textContent = "livecommerce draw verify";
    return;
  }
  const result = await recompute(proof);
  verdict.classList.add(result.ok ? "ok" : "bad");
  verdict.dataset.winners = result.winners.join(",");
  verdict.textContent = result.ok ? t("proof.ok") : `${t("proof.bad")}: ${result.problems.join(", ")}`;
}

main();
