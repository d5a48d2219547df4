"""Page text in Chinese and English, from one dictionary the templates and scripts share.

The dictionary lives in ``web/static/i18n/messages.json`` as ``{key: {"en": ..., "zh": ...}}``
so a translator edits one file; templates call ``t(key)`` and scripts get the chosen
language's half embedded in the page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache

from livecommerce.errors import page_key
from livecommerce.paths import web_dir

LANGUAGES = ("en", "zh")
LANG_COOKIE = "lc_lang"

Translator = Callable[..., str]


@cache
def _catalog() -> dict[str, dict[str, str]]:
    # Read on first use, not at import: nothing runs at import time.
    path = web_dir() / "static" / "i18n" / "messages.json"
    loaded: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@cache
def messages(lang: str) -> dict[str, str]:
    """Every key's text in ``lang``, falling back to English where a text is missing."""
    return {key: texts.get(lang) or texts.get("en", key) for key, texts in _catalog().items()}


def translator(lang: str) -> Translator:
    table = messages(lang)

    def t(key: str, **values: object) -> str:
        text = table.get(key, key)
        return text.format(**values) if values else text

    return t


def error_text(t: Translator, code: str) -> str:
    """The page text for an error code; an unknown code gets the generic text with the
    code in it (the English message is never shown)."""
    key = page_key(code)
    text = t(key)
    return t("error.generic", code=code) if text == key else text


def choose_language(cookie: str | None, accept_language: str) -> str:
    """The visitor's saved choice, else Chinese for a Chinese browser, else English."""
    if cookie in LANGUAGES:
        return cookie
    return "zh" if accept_language.strip().lower().startswith("zh") else "en"
