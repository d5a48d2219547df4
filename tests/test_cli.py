from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = [[], ["serve"], ["db"], ["demo"], ["loadtest"]]


@pytest.mark.parametrize("command", COMMANDS)
def test_help(command: list[str]) -> None:
    """Every command answers --help."""
    result = subprocess.run(
        [sys.executable, "-m", "livecommerce.cli", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: livecommerce" in result.stdout


def test_db_upgrade_creates_schema(tmp_path: Path) -> None:
    """`livecommerce db upgrade` migrates the configured database."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "LIVECOMMERCE_DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-m", "livecommerce.cli", "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cli.db").stat().st_size > 0


def test_workers_need_redis() -> None:
    """Several workers without Redis would not share events, so serve refuses."""
    env = {k: v for k, v in os.environ.items() if k != "LIVECOMMERCE_REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "livecommerce.cli", "serve", "--workers", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert "needs LIVECOMMERCE_REDIS_URL" in result.stdout
