"""``livecommerce loadtest fanout|flashsale|media``: each generator adds its own parser."""

from __future__ import annotations

import argparse
import importlib

from livecommerce._cli_help import HelpFormatter

GENERATORS = ("fanout", "flashsale", "media")


def add_loadtest(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    text = "drive a running deployment on this machine and report (progress on stderr)"
    loadtest = sub.add_parser("loadtest", help=text, description=text)
    generators = loadtest.add_subparsers(dest="generator", required=True)
    for name in GENERATORS:
        try:
            module = importlib.import_module(f"livecommerce.loadtest.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"livecommerce.loadtest.{name}":
                raise
            continue  # a generator not written yet
        module.add_parser(generators)
        made = generators.choices[name]
        made.formatter_class = HelpFormatter
