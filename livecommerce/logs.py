"""Structured logs: one JSON object per line, carrying the ``extra`` fields given."""

from __future__ import annotations

import json
import logging
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}

QUIET_LIBRARIES = ("aioice", "aiortc", "alembic")
"""Libraries that narrate at INFO: ICE state changes of every peer connection (aioice,
aiortc; most of a demo's log otherwise), each migration step (alembic). They log at
``Settings.library_log_level`` (warning), or at the node's level with ``--verbose``."""


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure(level: str = "info", libraries: str = "warning") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(libraries.upper())


def uvicorn_config(level: str = "info", libraries: str = "warning") -> dict[str, Any]:
    """A ``logging.config`` dict for uvicorn, so worker processes log JSON too."""
    quiet = {name: {"level": libraries.upper()} for name in QUIET_LIBRARIES}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "livecommerce.logs.JsonFormatter"}},
        "handlers": {"out": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"handlers": ["out"], "level": level.upper()},
        "loggers": {
            "uvicorn.access": {"level": "WARNING"},  # Observe logs each request already
            **quiet,
        },
    }
