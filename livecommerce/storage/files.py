"""Uploaded files (show covers) kept under the data directory, named by their content.

A name is the SHA-256 of the bytes plus the extension, so a re-upload of the same image
is the same file, a name cannot be chosen by the uploader, and a served file never
changes under its URL (browsers may cache it for good).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

_NAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg|webp)$")


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, body: bytes, extension: str) -> str:
        """Write ``body`` (atomically: a reader never sees half a file); return its name."""
        name = f"{hashlib.sha256(body).hexdigest()[:32]}.{extension}"
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.root / name
        if not target.exists():
            partial = self.root / f".{name}.{os.getpid()}.part"
            partial.write_bytes(body)
            partial.replace(target)
        return name

    def path(self, name: str) -> Path | None:
        """The file called ``name``, or None for a name this store never makes (no
        traversal: only the exact shape ``save`` returns) or one that is not there."""
        if not _NAME.match(name):
            return None
        found = self.root / name
        return found if found.is_file() else None
