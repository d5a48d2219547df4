"""The error-code tables: every code has one row, the routes answer from it, the README
lists it, and messages.json has its text in both languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from livecommerce import errors
from livecommerce.paths import web_dir
from livecommerce.routes import _ws_connection
from livecommerce.routes._i18n import error_text, messages, translator
from livecommerce.routes.errors import HTTP_CODES, status_of, ws_close_code

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = web_dir() / "static" / "i18n" / "messages.json"
CJK = re.compile(r"[\u4e00-\u9fff]")
# A code written as a literal where the routes answer with one.
LITERAL_CODE = re.compile(
    r'(?:error_frame|error_body|error_response\(\w+, \d+,)\(?\s*"([a-z_]+)"'
    r'|code = "([a-z_]+)"|"code": "([a-z_]+)"'
)


def domain_classes() -> list[type[errors.DomainError]]:
    found, todo = [], [errors.DomainError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return [cls for cls in found if cls.__module__ == errors.__name__]


def catalog() -> dict[str, dict[str, str]]:
    def unique(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [key for key, _ in pairs]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        assert twice == [], f"keys listed twice: {twice}"
        return dict(pairs)

    text = MESSAGES.read_text(encoding="utf-8")
    loaded: dict[str, dict[str, str]] = json.loads(text, object_pairs_hook=unique)
    return loaded


def test_every_domain_error_has_one_row_and_a_code_of_its_own() -> None:
    """Each DomainError class in livecommerce.errors has a distinct code, and the domain
    table holds exactly those codes, each with an HTTP status and a close code."""
    codes = [cls.code for cls in domain_classes()]
    assert len(codes) == len(set(codes)), f"codes shared by two classes: {sorted(codes)}"
    assert set(codes) == set(errors.DOMAIN_CODES)
    for code, answer in errors.DOMAIN_CODES.items():
        assert answer.status is not None and answer.close is not None, code


def test_domain_and_transport_codes_do_not_overlap() -> None:
    """A code means one thing: it is either raised by a domain or produced by the routes."""
    assert not set(errors.DOMAIN_CODES) & set(errors.TRANSPORT_CODES)


@pytest.mark.parametrize("cls", domain_classes(), ids=lambda cls: cls.__name__)
def test_routes_answer_each_class_from_its_row(cls: type[errors.DomainError]) -> None:
    """The HTTP status and close code of an error are its code's row, not its base class's."""
    error = cls.__new__(cls)
    row = errors.DOMAIN_CODES[cls.code]
    assert (status_of(error), ws_close_code(error)) == (row.status, row.close)


def test_a_subclass_outside_the_table_answers_as_its_base() -> None:
    """A DomainError defined elsewhere with an unlisted code still gets its base's row."""

    class Elsewhere(errors.SoldOut):
        code = "not_in_the_table"

    assert status_of(Elsewhere("x")) == 409 and ws_close_code(Elsewhere("x")) == 4409


def test_every_code_the_routes_write_is_in_the_tables() -> None:
    """Literal codes in livecommerce/routes (error frames, bodies, HTTP status codes, the
    WebSocket's bad-message classes) are all rows with the status they are sent with."""
    written = set()
    for path in (ROOT / "livecommerce" / "routes").glob("*.py"):
        for match in LITERAL_CODE.finditer(path.read_text(encoding="utf-8")):
            written.add(next(group for group in match.groups() if group))
    written |= {_ws_connection.BadMessage.code, _ws_connection.UnknownType.code}
    assert written >= {"bad_request", "internal", "flood", "invalid_message", "too_large"}
    assert written - set(errors.ALL_CODES) == set()
    for status, code in HTTP_CODES.items():
        assert errors.ALL_CODES[code].status == status, code


def readme_rows() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- errors:start -->")[1].split("<!-- errors:end -->")[0]
    return [line for line in block.strip().splitlines()[2:]]


def test_readme_lists_every_code_with_its_row_and_text() -> None:
    """The README's error table is the code tables, in order, with the English page text."""
    english = {key: texts["en"] for key, texts in catalog().items()}

    def cell(value: int | None) -> str:
        return "-" if value is None else str(value)

    expected = [
        f"| `{code}` | {cell(row.status)} | {cell(row.close)} | {english[errors.page_key(code)]} |"
        for code, row in errors.ALL_CODES.items()
    ]
    assert readme_rows() == expected, "README.md errors table, expected:\n" + "\n".join(expected)


# Keys the pages use without a server code behind them.
PAGE_ONLY_KEYS = (
    "error.generic", "error.network", "error.title", "error.back_home", "error.muted_show",
)  # fmt: skip


@pytest.mark.parametrize("code", [*errors.ALL_CODES])
def test_every_code_has_english_and_chinese_text(code: str) -> None:
    """Pages translate each code; the Chinese text really is Chinese."""
    texts = catalog()[errors.page_key(code)]
    assert texts["en"].strip() and texts["zh"].strip()
    assert CJK.search(texts["zh"]) and not CJK.search(texts["en"])


def test_every_message_has_both_languages() -> None:
    """No key of messages.json lacks its en or zh text (no key is listed twice)."""
    table = catalog()
    for key in PAGE_ONLY_KEYS:
        assert key in table
    missing = [key for key, texts in table.items() if not (texts.get("en") and texts.get("zh"))]
    assert missing == []
    for lang in ("en", "zh"):
        assert "{code}" in table["error.generic"][lang]


def test_an_unknown_code_gets_the_generic_text_with_the_code() -> None:
    """A code with no text yet is shown as the generic text naming it, in both languages."""
    assert error_text(translator("zh"), "new_code") == "出错了（new_code）。"
    assert error_text(translator("en"), "new_code") == "Something went wrong (new_code)."
    assert error_text(translator("zh"), "sold_out") == messages("zh")["error.sold_out"]
