"""Writing outputs to disk, atomically: a temporary file in the same folder, then a rename.

A reader never sees a half-written document, and a failure leaves no file behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from documents.errors import DocumentError


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` (replaced whole, or left untouched on failure)."""
    if not isinstance(data, bytes | bytearray):
        raise DocumentError("Le contenu à écrire doit être un document binaire (octets).")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
