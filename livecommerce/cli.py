"""Command line: ``livecommerce serve | demo | db | events | draw | loadtest``. Thin; delegates."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from livecommerce.logs import configure as configure_logs
from livecommerce.logs import uvicorn_config
from livecommerce.server import DRAIN_SECONDS, GRACEFUL_SECONDS
from livecommerce.settings import Settings

Handler = Callable[[argparse.Namespace], int]
log = logging.getLogger("livecommerce.cli")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from livecommerce import server
    from livecommerce.storage.migrate import upgrade

    settings = Settings(host=args.host, port=args.port)
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
        log_config=uvicorn_config(args.log_level),
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
        migrate.downgrade(url, args.revision or "-1")
    print(f"database {args.action}d: {url}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from livecommerce.demo import run_demo

    return run_demo(host=args.host, port=args.port, fresh=not args.keep)


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


def _add_events(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    events = sub.add_parser("events", help="the event catalogue (the WebSocket protocol)")
    events.add_argument("action", choices=["schema"])
    events.add_argument("--write", action="store_true", help="update the schema file and README")
    events.add_argument("--readme", default="README.md", help="README to update with --write")
    events.set_defaults(handler=_events)


def _draw(args: argparse.Namespace) -> int:
    from livecommerce.draws.verifier import run

    return run(args.source, as_json=args.json)


def _add_draw(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    draw = sub.add_parser("draw", help="lucky draws: verify a published proof")
    draw.add_argument("action", choices=["verify"])
    draw.add_argument("source", help="proof JSON: a file, - for stdin, or its URL")
    draw.add_argument("--json", action="store_true", help="print the verdict as JSON")
    draw.set_defaults(handler=_draw)


def _add_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run the server (settings from LIVECOMMERCE_*)")
    serve.add_argument("--host", default=Settings.model_fields["host"].default)
    serve.add_argument("--port", type=int, default=Settings.model_fields["port"].default)
    serve.add_argument("--workers", type=int, default=1, help="processes (needs Redis if > 1)")
    serve.add_argument("--migrate", action="store_true", help="upgrade PostgreSQL first")
    serve.add_argument("--log-level", default="info")
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
    db = sub.add_parser("db", help="database schema migrations")
    db.add_argument("action", choices=["upgrade", "downgrade"])
    db.add_argument("revision", nargs="?", help="default: head (upgrade) or -1 (downgrade)")
    db.set_defaults(handler=_db)


def _add_demo(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="run a demo shop with a live room on SQLite")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--keep", action="store_true", help="keep the previous demo database")
    demo.set_defaults(handler=_demo)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="livecommerce", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
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
