"""``livecommerce draw verify SOURCE``: check a published draw proof.

SOURCE is a file, ``-`` (standard input) or a URL: the proof endpoint
(``/api/draws/ID/proof``) or its page (``/draws/ID/proof``, read as the endpoint).
"""

from __future__ import annotations

import json
import re
import sys
import urllib.request
from pathlib import Path
from typing import Any

from livecommerce.draws.fairness import Verdict, verify

_PAGE = re.compile(r"^(https?://[^/]+)/draws/(\d+)/proof/?$")


def load_proof(source: str) -> dict[str, Any]:
    if source == "-":
        text = sys.stdin.read()
    elif source.startswith(("http://", "https://")):
        if page := _PAGE.match(source):
            source = f"{page[1]}/api/draws/{page[2]}/proof"
        with urllib.request.urlopen(source, timeout=30) as response:
            text = response.read().decode("utf-8")
    else:
        text = Path(source).read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("a proof is a JSON object")
    return data


def report(proof: dict[str, Any], verdict: Verdict) -> str:
    lines = [
        f"draw {proof.get('draw_id')}: {len(proof.get('entrants') or [])} entrants, "
        f"{proof.get('winners_wanted')} winner(s) wanted",
        f"winners by the rule: {verdict.winners}",
    ]
    lines += [f"PROBLEM: {p}" for p in verdict.problems]
    lines.append("OK: the published data gives the published winners" if verdict.ok else "FAILED")
    return "\n".join(lines)


def run(source: str, *, as_json: bool = False) -> int:
    try:
        proof = load_proof(source)
    except (OSError, ValueError) as exc:
        print(f"cannot read the proof from {source}: {exc}", file=sys.stderr)
        return 2
    verdict = verify(proof)
    print(json.dumps(verdict.as_dict()) if as_json else report(proof, verdict))
    return 0 if verdict.ok else 1
