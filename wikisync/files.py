"""Output and input files named by the user: ``-``, streams, and files written whole.

:func:`write_output` writes what a command produces (``-o``, ``--report``,
``export``, ``plan``): ``-`` is standard output; a character device, a pipe or
a socket (``/dev/stdout``, ``/dev/null``, a named pipe) is written directly,
as a stream; anything else must be a regular file or not exist yet, and is
replaced atomically by :func:`write_atomic` (a temporary file with a random
name, created exclusively in the same folder, flushed and fsynced, then
renamed over the target, and the folder fsynced): a reader or a crash sees
the old file or the new one, never half of one. A folder, a block device or
a symbolic link to a regular file is refused (a rename would replace the link
rather than write where it points), and so is a file in a folder that does
not exist: wikisync does not create folders for an output file.
:func:`read_input` reads a file or, for ``-``, standard input.

Files inside a mirror folder are written by :mod:`wikisync.sources.mirror_files`,
which also refuses every symbolic link on the way.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
from pathlib import Path

from wikisync.errors import UnsafePathError

__all__ = [
    "STDIO",
    "check_output",
    "describe",
    "fsync_folder",
    "read_input",
    "write_atomic",
    "write_output",
]

#: The file name that means standard output (when writing) or standard input (when reading).
STDIO = "-"

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def describe(path: str | os.PathLike[str], *, reading: bool = False) -> str:
    """How messages name an output (or input): the path, or "standard output" for ``-``."""
    if os.fspath(path) != STDIO:
        return str(path)
    return "standard input" if reading else "standard output"


def write_output(path: str | os.PathLike[str], data: bytes) -> None:
    """Write a command's output: ``-`` is standard output, a stream is written as one.

    Raises:
        UnsafePathError: the path is a folder, a block device, a symbolic link
            to a regular file, or its folder does not exist.
    """
    if os.fspath(path) == STDIO:
        stream = sys.stdout.buffer
        stream.write(data)
        stream.flush()
        return
    target = Path(path)
    if _is_stream(target):
        with open(target, "wb") as stream:
            stream.write(data)
        return
    write_atomic(target, data)


def check_output(path: str | os.PathLike[str]) -> None:
    """Refuse, before any work is done, an output that :func:`write_output` would refuse.

    A command that saves pages and then writes a report checks the report's
    path first, so that a typo in it never leaves a run done but unreported.

    Raises:
        UnsafePathError: as :func:`write_output`.
    """
    if os.fspath(path) == STDIO:
        return
    target = Path(path)
    if not _is_stream(target):
        _check_target(target)


def _is_stream(target: Path) -> bool:
    # A character device, a pipe or a socket (/dev/stdout, /dev/null, a named pipe).
    try:
        st = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        return False  # a dangling link, or nothing: see write_atomic
    except OSError as exc:
        message = f'cannot write "{target}": {exc.strerror}'
        raise UnsafePathError(message, path=str(target)) from None
    return stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode) or stat.S_ISSOCK(st.st_mode)


def write_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` at once: temporary file, fsync, rename, fsync folder.

    Raises:
        UnsafePathError: ``path`` exists and is not a regular file (a symbolic
            link, a folder, a device), or its folder does not exist.
    """
    path = Path(path)
    _check_target(path)
    temporary = path.parent / f".wikisync-{secrets.token_hex(8)}.tmp"
    try:
        # os.open with 0o666 keeps the user's umask (mkstemp would make the file 0600);
        # O_EXCL | O_NOFOLLOW: a file or link planted under that name is never written through.
        fd = os.open(
            temporary,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_BINARY", 0),
            0o666,
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


def _check_target(path: Path) -> None:
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        parent = path.parent
        if not parent.is_dir():
            raise UnsafePathError(
                f'cannot write "{path}": folder "{parent}" does not exist (wikisync does not '
                "create folders for an output file; make it first)",
                path=str(path),
            ) from None
        return
    if stat.S_ISREG(st.st_mode):
        return
    if stat.S_ISLNK(st.st_mode):
        raise UnsafePathError(
            f'cannot write "{path}": it is a symbolic link, and the file would replace the link '
            "rather than what it points to; name the target itself (or - for standard output)",
            path=str(path),
        )
    what = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
    raise UnsafePathError(
        f'cannot write "{path}": it is {what}; name a file (or - for standard output)',
        path=str(path),
    )


def read_input(path: str | os.PathLike[str]) -> bytes:
    """The bytes of an input file; ``-`` reads standard input.

    Raises:
        OSError: the file cannot be read (callers name it in their message).
    """
    if os.fspath(path) == STDIO:
        return sys.stdin.buffer.read()
    return Path(path).read_bytes()


def fsync_folder(folder: Path) -> None:
    """fsync a folder, so a rename in it is durable (nothing on Windows)."""
    # Windows cannot open a folder; its renames are durable enough on NTFS.
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
