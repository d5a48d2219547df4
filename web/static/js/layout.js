// Every page: the language toggle and local times.
import { currentLang, restoreLang, setLang } from "./i18n.js";
import { localizeTimes } from "./countdown.js";

restoreLang();
for (const button of document.querySelectorAll("[data-lang-toggle]")) {
  button.addEventListener("click", () => setLang(button.dataset.nextLang));
}
localizeTimes(document, currentLang());
