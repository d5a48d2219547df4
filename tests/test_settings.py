"""Settings whose defaults depend on the deployment's shape."""

from __future__ import annotations

import pytest

from livecommerce.settings import Settings

POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/shop"


@pytest.fixture(autouse=True)
def _no_sandbox_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LIVECOMMERCE_PAYMENTS_SANDBOX", "LIVECOMMERCE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_sandbox_is_on_for_the_embedded_default() -> None:
    """The out-of-the-box SQLite shop can be paid for with the sandbox."""
    settings = Settings()
    assert settings.is_sqlite() and settings.payments_sandbox
    assert "ON" in settings.sandbox_notice()


def test_sandbox_is_off_on_postgresql_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A PostgreSQL deployment that forgets the setting takes no sandbox payments."""
    monkeypatch.setenv("LIVECOMMERCE_DATABASE_URL", POSTGRES)
    settings = Settings()
    assert not settings.payments_sandbox
    assert "OFF" in settings.sandbox_notice()
    assert "LIVECOMMERCE_PAYMENTS_SANDBOX=true" in settings.sandbox_notice()
    assert not Settings(database_url=POSTGRES).payments_sandbox


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("false", False)])
def test_an_explicit_value_wins_in_both_shapes(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    """LIVECOMMERCE_PAYMENTS_SANDBOX set either way overrides the shape's default."""
    monkeypatch.setenv("LIVECOMMERCE_PAYMENTS_SANDBOX", value)
    assert Settings().payments_sandbox is expected
    assert Settings(database_url=POSTGRES).payments_sandbox is expected


def test_an_argument_beats_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``demo`` passes ``payments_sandbox=True``; the environment cannot switch it off."""
    monkeypatch.setenv("LIVECOMMERCE_PAYMENTS_SANDBOX", "false")
    assert Settings(payments_sandbox=True).payments_sandbox
    notice = Settings(database_url=POSTGRES, payments_sandbox=True).sandbox_notice()
    assert "without paying" in notice
