"""Writing a whole small file so that a crash never leaves half of it."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomically(target: Path, body: bytes) -> None:
    """Write ``body`` beside ``target``, flush it to disk, then rename it into place."""
    tmp = target.with_name(target.name + ".part")
    with tmp.open("wb") as fh:
        fh.write(body)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
