"""Every page module parses: a merge that doubles an import breaks a whole page."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

MODULES = sorted((Path(__file__).parents[2] / "web" / "static" / "js").glob("*.js"))


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_module_parses(module: Path) -> None:
    node = shutil.which("node")
    assert node, "node is needed to check the page modules (.ci/run installs nodejs)"
    done = subprocess.run(
        [node, "--input-type=module", "--check"],
        input=module.read_bytes(),
        capture_output=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr.decode()
