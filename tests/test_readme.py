"""The README documents every setting."""

from __future__ import annotations

from pathlib import Path

from livecommerce.settings import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_in_the_configuration_table() -> None:
    """Each LIVECOMMERCE_* variable the settings read has a row in the README."""
    text = README.read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip(" `")
        for line in text.splitlines()
        if line.startswith("| `LIVECOMMERCE_")
    }
    expected = {f"LIVECOMMERCE_{name.upper()}" for name in Settings.model_fields}
    assert expected - rows == set()
