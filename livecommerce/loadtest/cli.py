"""``livecommerce loadtest fanout|flashsale|media``: each generator adds its parser here."""

from __future__ import annotations

import argparse


def add_loadtest(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    loadtest = sub.add_parser("loadtest", help="drive a running deployment and report")
    generators = loadtest.add_subparsers(dest="generator", required=True)
    # Each generator module registers itself: add_parser(generators) -> sets handler.
    del generators
