"""``livecommerce loadtest fanout|flashsale|media``: each generator adds its own parser."""

from __future__ import annotations

import argparse
import importlib

GENERATORS = ("fanout", "flashsale", "media")


def add_loadtest(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    loadtest = sub.add_parser("loadtest", help="drive a running deployment and report")
    generators = loadtest.add_subparsers(dest="generator", required=True)
    for name in GENERATORS:
        try:
            module = importlib.import_module(f"livecommerce.loadtest.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"livecommerce.loadtest.{name}":
                raise
            continue  # a generator not written yet
        module.add_parser(generators)
