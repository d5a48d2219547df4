"""The catalogue's exports are current: the JSON Schema file and the README's table."""

from __future__ import annotations

from pathlib import Path

from livecommerce import protocol

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_schema_file_is_current() -> None:
    """web/static/protocol/events.schema.json is what the catalogue exports now."""
    assert protocol.schema_file().read_text(encoding="utf-8") == protocol.schema_text(), (
        "run: livecommerce events schema --write"
    )


def test_the_readme_event_table_is_current() -> None:
    """The README's WebSocket section lists exactly the catalogue, as generated."""
    text = README.read_text(encoding="utf-8")
    assert protocol.with_table(text) == text, "run: livecommerce events schema --write"


def test_every_event_type_says_what_it_means() -> None:
    """Each declared event has a docstring: the table's 'what it means' column."""
    undocumented = [n for n, cls in protocol.catalogue().items() if "__doc__" not in vars(cls)
                    or not (cls.__doc__ or "").strip()]  # fmt: skip
    assert undocumented == []


def test_a_payload_that_breaks_its_declaration_fails_where_it_is_emitted() -> None:
    """A bad payload raises while the transaction is open, not after commit."""
    import pydantic
    import pytest

    from livecommerce.sales.events import SaleStock

    with pytest.raises(pydantic.ValidationError):
        SaleStock.model_validate({"sale_id": "x", "sold": 1, "quantity": 2, "remaining": 1})
