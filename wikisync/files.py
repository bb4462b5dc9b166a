"""Files written whole or not at all: the one atomic writer every output uses.

A file is written to a temporary file in the same folder, flushed (and, when
durable, fsynced), then renamed over the target, and the folder fsynced: a
reader or a crash sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def write_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` at once: temporary file, fsync, rename, fsync folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".wikisync-{secrets.token_hex(6)}.tmp"
    try:
        # os.open with 0o666 keeps the user's umask (mkstemp would make the file 0600).
        fd = os.open(
            temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
        )
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if durable:
        fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    # Windows cannot open a folder; its renames are durable enough on NTFS.
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
