"""Command line: ``livecommerce serve | demo | db | events | draw | loadtest``. Thin; delegates."""
# The module docstring is for developers; --help prints DESCRIPTION and EPILOG.

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from livecommerce._cli_help import HelpFormatter as _Help
from livecommerce.logs import configure as configure_logs
from livecommerce.logs import uvicorn_config
from livecommerce.server import DRAIN_SECONDS, GRACEFUL_SECONDS
from livecommerce.settings import Settings

Handler = Callable[[argparse.Namespace], int]
log = logging.getLogger("livecommerce.cli")

DESCRIPTION = "livecommerce: a live-stream shopping server (rooms, chat, flash deals, video)."
EPILOG = """\
examples:
  livecommerce demo                       a demo shop with a live room on http://127.0.0.1:8000
  livecommerce serve --port 8080          run a node (settings: LIVECOMMERCE_* variables)
  livecommerce db upgrade                 migrate LIVECOMMERCE_DATABASE_URL to the latest schema
  livecommerce loadtest fanout --url URL  drive a running node and report

Every command takes --help. Settings are environment variables (see the README)."""
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from livecommerce import server
    from livecommerce.storage.migrate import upgrade

    settings = Settings(host=args.host, port=args.port)
    libraries = args.log_level if args.verbose else settings.library_log_level
    if args.workers > 1 and not settings.redis_url:
        print("--workers > 1 needs LIVECOMMERCE_REDIS_URL: workers share events through Redis")
        return 2
    # Said once at start, louder when buyers could pay without paying on PostgreSQL.
    scaled_sandbox = settings.payments_sandbox and not settings.is_sqlite()
    log.log(logging.WARNING if scaled_sandbox else logging.INFO, settings.sandbox_notice())
    if settings.is_sqlite() or args.migrate:
        upgrade(settings.database_url)
    config = uvicorn.Config(
        "livecommerce.asgi:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        log_config=uvicorn_config(args.log_level, libraries),
        # Observe logs each request; uvicorn's own access line (muted in the log config)
        # would still be formatted for every request, flash-sale losers included.
        access_log=False,
        ws_max_size=64 * 1024,
        # Room frames are written once for all sockets (routes/_ws_sinks.py), so a
        # compressor per socket would only cost memory: about 30 KiB each, by the
        # window sizes uvicorn negotiates.
        ws_per_message_deflate=False,
        # After the drain, requests still in progress get this long to answer before
        # they are cancelled; the app's lifespan (and its database) closes only after.
        timeout_graceful_shutdown=args.graceful_seconds,
    )
    return server.run(config, drain_seconds=args.drain_seconds)


def _db(args: argparse.Namespace) -> int:
    from livecommerce.storage import migrate

    url = Settings().database_url
    if args.action == "upgrade":
        migrate.upgrade(url, args.revision or "head")
    else:
        revision = args.revision or "-1"
        if not args.yes and not _confirmed(f"downgrade {url} to {revision}"):
            return 2
        migrate.downgrade(url, revision)
    print(f"database {args.action}d: {url}")
    return 0


def _confirmed(action: str) -> bool:
    """Ask on a terminal; anywhere else (a script, CI) refuse: only --yes goes ahead."""
    warning = f"{action}: this drops tables and the data in them"
    if not sys.stdin.isatty():
        print(f"refusing to {warning}; pass --yes to go ahead", file=sys.stderr)
        return False
    answer = input(f"{warning}. Type 'yes' to go ahead: ")
    if answer.strip().lower() != "yes":
        print("nothing changed", file=sys.stderr)
        return False
    return True


def _demo(args: argparse.Namespace) -> int:
    from livecommerce.demo import run_demo

    return run_demo(
        host=args.host, port=args.port, fresh=not args.keep, verbose=args.verbose,
        pin_every=args.pin_every,
    )  # fmt: skip


def _events(args: argparse.Namespace) -> int:
    from livecommerce import protocol

    if not args.write:
        print(protocol.schema_text(), end="")
        return 0
    path = protocol.schema_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(protocol.schema_text(), encoding="utf-8")
    readme = Path(args.readme)
    readme.write_text(protocol.with_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {path} and the event table of {readme}")
    return 0


def _subparser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, text: str
) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=text, description=text, formatter_class=_Help)


def _add_events(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    events = _subparser(sub, "events", "print the event catalogue (the WebSocket protocol)")
    events.add_argument("action", choices=["schema"], help="what to print: its JSON Schema")
    events.add_argument("--write", action="store_true", help="update the schema file and README")
    events.add_argument("--readme", default="README.md", help="README to update with --write")
    events.set_defaults(handler=_events)


def _add_listen(parser: argparse.ArgumentParser, host: str, port: int) -> None:
    parser.add_argument("--host", default=host, help="address to listen on")
    parser.add_argument("--port", type=int, default=port, help="port to listen on")
    parser.add_argument(
        "--verbose", action="store_true",
        help="also log the libraries' INFO lines (aioice and aiortc ICE states, alembic); "
        "otherwise they log at LIVECOMMERCE_LIBRARY_LOG_LEVEL",
    )  # fmt: skip


def _draw(args: argparse.Namespace) -> int:
    from livecommerce.draws.verifier import run

    return run(args.source, as_json=args.json)


def _add_draw(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    draw = sub.add_parser("draw", help="lucky draws: verify a published proof")
    draw.add_argument("action", choices=["verify"], help="verify: recompute the winners")
    draw.add_argument("source", help="proof JSON: a file, - for stdin, or its URL")
    draw.add_argument("--json", action="store_true", help="print the verdict as JSON")
    draw.set_defaults(handler=_draw)


def _add_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = _subparser(sub, "serve", "run a node (settings from LIVECOMMERCE_* variables)")
    defaults = Settings.model_fields
    _add_listen(serve, str(defaults["host"].default), int(defaults["port"].default))
    serve.add_argument("--workers", type=int, default=1, help="processes (more than 1 needs Redis)")
    serve.add_argument("--migrate", action="store_true", help="upgrade the database schema first")
    serve.add_argument("--log-level", default="info", choices=LOG_LEVELS, help="the node's logs")
    serve.add_argument(
        "--drain-seconds", type=float, default=DRAIN_SECONDS,
        help="at SIGTERM, keep open connections serving (with Connection: close) this long",
    )  # fmt: skip
    serve.add_argument(
        "--graceful-seconds", type=float, default=GRACEFUL_SECONDS,
        help="then give requests in progress this long before cancelling them",
    )  # fmt: skip
    serve.set_defaults(handler=_serve)


def _add_db(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = _subparser(sub, "db", "migrate the schema of LIVECOMMERCE_DATABASE_URL")
    db.add_argument("action", choices=["upgrade", "downgrade"], help="which way to migrate")
    db.add_argument("revision", nargs="?", help="target; default: head (upgrade), -1 (downgrade)")
    db.add_argument(
        "--yes", action="store_true",
        help="downgrade without asking (needed when standard input is not a terminal)",
    )  # fmt: skip
    db.set_defaults(handler=_db)


def _add_demo(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = _subparser(sub, "demo", "run a demo shop with a live room, on SQLite in this folder")
    _add_listen(demo, "127.0.0.1", 8000)
    demo.add_argument(
        "--keep", action="store_true",
        help="keep livecommerce-demo.db from the last run (its accounts, orders and chat) "
        "instead of starting afresh",
    )  # fmt: skip
    demo.add_argument(
        "--pin-every", type=float, default=15.0, metavar="SECONDS",
        help="seconds between the demo host's pins (the demo viewer chats three times "
        "in between); shorter makes a quick replay to try",
    )  # fmt: skip
    demo.set_defaults(handler=_demo)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="livecommerce", description=DESCRIPTION, epilog=EPILOG, formatter_class=_Help
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_serve(sub)
    _add_db(sub)
    _add_demo(sub)
    _add_events(sub)
    _add_draw(sub)
    from livecommerce.loadtest.cli import add_loadtest

    add_loadtest(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    configure_logs()
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
