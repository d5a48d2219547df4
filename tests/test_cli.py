from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from livecommerce.cli import build_parser

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


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "livecommerce.cli", *args],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip


def test_help_is_written_for_users() -> None:
    """The top --help says what the program is and shows examples, not the module's
    developer docstring; demo's options say what they do and their defaults."""
    top = _run("--help").stdout
    assert "live-stream shopping server" in top and "examples:" in top
    assert "Thin; delegates" not in top
    demo = _run("demo", "--help").stdout
    assert "address to listen on (default: 127.0.0.1)" in demo
    assert "port to listen on (default: 8000)" in demo


def _every_option(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.Action]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                for path, found in _every_option(child):
                    yield f"{name} {path}", found
        elif not isinstance(action, argparse._HelpAction):
            yield action.dest, action


def test_every_option_has_help() -> None:
    """Every option and argument of every command says what it is for."""
    missing = [path for path, action in _every_option(build_parser()) if not action.help]
    assert missing == []


def test_downgrade_needs_yes_without_a_terminal(tmp_path: Path) -> None:
    """`db downgrade` from a script refuses without --yes and leaves the schema alone;
    with --yes it goes ahead."""
    database = tmp_path / "cli.db"
    env = {**os.environ, "LIVECOMMERCE_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    assert _run("db", "upgrade", env=env).returncode == 0
    head = _revision(database)
    refused = _run("db", "downgrade", env=env)
    assert refused.returncode == 2
    assert "pass --yes" in refused.stderr
    assert _revision(database) == head
    done = _run("db", "downgrade", "--yes", env=env)
    assert done.returncode == 0, done.stderr
    assert _revision(database) != head


def _revision(database: Path) -> str | None:
    with sqlite3.connect(database) as conn:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])
