"""Output and input files named by the user: ``-``, streams, and files written whole.

:func:`write_output` writes what a command produces (an output file, a report,
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

Files inside a mirror folder are written by :mod:`wikisync.mirror.files`,
which also refuses every symbolic link on the way.

An output that cannot be written (a read-only file system, a full disk,
``/proc`` or ``/sys``, no permission) is an :class:`~wikisync.core.errors.UnsafePathError`
naming the path and the system's reason; :func:`check_output` finds most of
these before any work is done by creating (and removing) an empty file in
the output's folder.

:class:`NewTree` fills a new folder with new files only (``wikisync
example``), never through a link planted meanwhile. State files (the revision
cache, a file job's target, the run lock) are never opened for reading
unless they are regular files: :func:`state_file`
refuses a symbolic link, a folder, a device or a named pipe with one message,
and :func:`read_regular` opens with ``O_NOFOLLOW | O_NONBLOCK`` and checks
what it opened before reading a byte (a named pipe would block forever, a
device could be endless). State files are parsed by the bounded loaders of
:mod:`wikisync.loaders`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import sys
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from wikisync.core.errors import UnsafePathError

__all__ = [
    "STDIO",
    "NewTree",
    "check_output",
    "describe",
    "fsync_folder",
    "read_input",
    "read_regular",
    "state_file",
    "write_atomic",
    "write_output",
]


#: The file name that means standard output (when writing) or standard input (when reading).
STDIO = "-"

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def describe(path: str | os.PathLike[str], *, reading: bool = False) -> str:
    """How messages name an output (or input): the path, or "standard output" for ``-``."""
    if os.fspath(path) != STDIO:
        return str(path)
    return "standard input" if reading else "standard output"


def write_output(path: str | os.PathLike[str], data: bytes) -> None:
    """Write a command's output: ``-`` is standard output, a stream is written as one.

    Raises:
        UnsafePathError: the path is a folder, a block device, a symbolic link
            to a regular file, or its folder does not exist; or it cannot be
            written (read-only file system, full disk, ``/proc``, no permission).
    """
    if os.fspath(path) == STDIO:
        stream = sys.stdout.buffer
        stream.write(data)
        stream.flush()
        return
    target = Path(path)
    if _is_stream(target):
        try:
            with open(target, "wb") as stream:
                stream.write(data)
        except OSError as exc:
            raise _cannot_write(target, exc) from None
        return
    write_atomic(target, data)


def _cannot_write(path: Path, exc: OSError, folder: Path | None = None) -> UnsafePathError:
    reason = exc.strerror or str(exc)
    where = f' (creating a file in folder "{folder}")' if folder is not None else ""
    return UnsafePathError(f'cannot write "{path}": {reason}{where}', path=str(path))


def check_output(path: str | os.PathLike[str], *, probe: bool = True) -> None:
    """Refuse, before any work is done, an output that :func:`write_output` would refuse.

    A command that saves pages and then writes a report checks the report's
    path first, so that a typo in it never leaves a run done but unreported.
    With ``probe``, an empty file is made and removed in the output's folder,
    which finds a read-only file system, ``/proc`` or a folder without write
    permission now (a full disk shows only when the output is written).

    Raises:
        UnsafePathError: as :func:`write_output`.
    """
    if os.fspath(path) == STDIO:
        return
    target = Path(path)
    if _is_stream(target):
        return
    _check_target(target)
    if not probe:
        return
    # A read-only file system, /proc, /sys, a folder without write permission:
    # found now by making (and removing) an empty file where the output will go.
    empty = target.parent / f".wikisync-{secrets.token_hex(8)}.tmp"
    try:
        fd = os.open(empty, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
    except OSError as exc:
        raise _cannot_write(target, exc, target.parent) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(empty)


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
            link, a folder, a device), its folder does not exist, or it cannot
            be written (read-only file system, full disk, no permission).
    """
    path = Path(path)
    _check_target(path)
    temporary = path.parent / f".wikisync-{secrets.token_hex(8)}.tmp"
    created = False
    try:
        # os.open with 0o666 keeps the user's umask (mkstemp would make the file 0600);
        # O_EXCL | O_NOFOLLOW: a file or link planted under that name is never written through.
        fd = os.open(
            temporary,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_BINARY", 0),
            0o666,
        )
        created = True
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as exc:
        if created:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc, None if created else path.parent) from None
        raise
    if durable:
        try:
            fsync_folder(path.parent)
        except OSError as exc:
            raise _cannot_write(path, exc) from None


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


def read_input(path: str | os.PathLike[str], *, limit: int | None = None) -> bytes:
    """The bytes of an input file; ``-`` reads standard input.

    ``limit`` bounds what is read, so that ``/dev/zero`` or a link to a huge
    file ends in an error rather than eating the memory.

    Raises:
        OSError: the file cannot be read, standard input is closed, or it holds
            more than ``limit`` bytes (callers name it in their message).
    """
    if os.fspath(path) == STDIO:
        if sys.stdin is None:  # started with its standard input closed
            raise OSError("standard input is closed")
        return _read_bounded(sys.stdin.buffer, limit)
    with open(path, "rb") as stream:
        return _read_bounded(stream, limit)


def _read_bounded(stream: BinaryIO, limit: int | None) -> bytes:
    if limit is None:
        return stream.read()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"it holds more than {limit // 2**20} MiB")
    return data


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


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refuse_odd(path: str | os.PathLike[str], mode: int, what: str) -> UnsafePathError:
    """The error for ``what`` at ``path`` being something other than a regular file."""
    return UnsafePathError(
        f'{what} "{os.fspath(path)}" is {_kind(mode)}: wikisync reads and replaces only '
        "regular files it made there (it never follows a link, reads a pipe or a device, or "
        "replaces a folder); name another path or move it away",
        path=os.fspath(path),
    )


def state_file(path: str | os.PathLike[str], what: str) -> os.stat_result | None:
    """The status of a state file (not following a link), or None when it does not exist.

    Args:
        path: the file.
        what: how messages name it ("revision cache", "file of job agenda").

    Raises:
        UnsafePathError: it is a symbolic link, a folder, a device, a named
            pipe or a socket, or a folder on the way is a file.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise UnsafePathError(
            f'{what} "{os.fspath(path)}" cannot be made: a folder on its way is a file',
            path=os.fspath(path),
        ) from None
    except OSError as exc:
        raise UnsafePathError(
            f'{what} "{os.fspath(path)}" cannot be used: {exc.strerror or exc}',
            path=os.fspath(path),
        ) from None
    if not stat.S_ISREG(st.st_mode):
        raise _refuse_odd(path, st.st_mode, what)
    return st


def read_regular(
    path: str | os.PathLike[str], what: str, *, limit: int | None = None
) -> bytes | None:
    """Read a regular file without following a link or blocking; None when it does not exist.

    The file is opened with ``O_NOFOLLOW | O_NONBLOCK`` (a named pipe opens at
    once instead of waiting for a writer) and checked with ``fstat`` before a
    byte is read, so a pipe, a device or a link swapped in after a check is
    refused, never read.

    Args:
        path: the file.
        what: how messages name it.
        limit: read at most this many bytes (the start of the file).

    Raises:
        UnsafePathError: it is not a regular file, or it cannot be read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY)
    except FileNotFoundError:
        return None
    except OSError as exc:
        st = state_file(path, what)  # names a link, a folder, a file on the way…
        if st is None:
            return None
        raise UnsafePathError(
            f'{what} "{os.fspath(path)}" cannot be read: {exc.strerror or exc}',
            path=os.fspath(path),
        ) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _refuse_odd(path, mode, what)
    with os.fdopen(fd, "rb") as stream:
        try:
            return stream.read() if limit is None else stream.read(limit)
        except OSError as exc:
            raise UnsafePathError(
                f'{what} "{os.fspath(path)}" cannot be read: {exc.strerror or exc}',
                path=os.fspath(path),
            ) from None


_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC


class NewTree:
    """A new folder filled with new files only, never through a link (``wikisync example``).

    The top folder is made, or opened when it is an empty folder of the
    user's; it is refused when it is a link, a file, a folder that is not
    empty or that belongs to another user. Every folder and file below it
    is then created relative to its parent's descriptor, folders with
    ``mkdir`` then opened with ``O_NOFOLLOW | O_DIRECTORY``, files with
    ``O_CREAT | O_EXCL | O_NOFOLLOW``: anything planted meanwhile (a link, a
    file, a folder of another user) makes the creation fail, and nothing is
    ever written through it. Needs descriptor-relative calls (POSIX).

    Example:
        >>> with NewTree(Path("copy")) as tree:
        ...     tree.make_folder(PurePosixPath("mirror"))
        ...     tree.write_file(PurePosixPath("mirror/pages.jsonl"), b"")

    Raises:
        UnsafePathError: (from the constructor and each call) as above.
    """

    def __init__(self, top: Path) -> None:
        self.top = Path(top)
        self._fds: dict[str, int] = {}
        self._fds[""] = self._open_top()

    def __enter__(self) -> NewTree:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every folder descriptor held."""
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()

    def _refuse(self, path: Path, why: str) -> UnsafePathError:
        return UnsafePathError(f"{path} {why}", path=str(path))

    def _open_top(self) -> int:
        top = self.top
        try:
            st: os.stat_result | None = os.lstat(top)
        except FileNotFoundError:
            st = None
        except OSError as exc:
            raise self._refuse(top, f"cannot be used ({exc.strerror or exc})") from None
        if st is not None and not stat.S_ISDIR(st.st_mode):
            kind = (
                "is a symbolic link" if stat.S_ISLNK(st.st_mode) else "exists and is not a folder"
            )
            raise self._refuse(top, kind)
        if st is None:
            try:
                top.parent.mkdir(parents=True, exist_ok=True)
                os.mkdir(top)
            except FileExistsError:
                raise self._refuse(top, "appeared while it was being made") from None
            except OSError as exc:
                raise self._refuse(top, f"cannot be made ({exc.strerror or exc})") from None
        try:
            fd = os.open(top, _DIR_FLAGS)
        except OSError as exc:
            raise self._refuse(
                top, f"cannot be opened as a folder ({exc.strerror or exc})"
            ) from None
        try:
            self._check_own(fd, top)
            if os.listdir(fd):
                raise self._refuse(top, "exists and is not an empty folder")
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _check_own(self, fd: int, path: Path) -> None:
        st = os.fstat(fd)
        if not stat.S_ISDIR(st.st_mode):
            raise self._refuse(path, "is not a folder")
        if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
            raise self._refuse(path, "belongs to another user")

    def _parent(self, relative: PurePosixPath) -> tuple[int, str, Path]:
        parent = relative.parent.as_posix()
        key = "" if parent == "." else parent
        if key not in self._fds:
            raise ValueError(f"make folder {key!r} first")
        return self._fds[key], relative.name, self.top / relative

    def make_folder(self, relative: PurePosixPath) -> None:
        """Make the new folder ``relative`` (its parent made before)."""
        parent, name, path = self._parent(relative)
        try:
            os.mkdir(name, 0o777, dir_fd=parent)
            fd = os.open(name, _DIR_FLAGS, dir_fd=parent)
        except FileExistsError:
            raise self._refuse(path.parent, f'holds "{name}" that appeared while copying') from None
        except OSError as exc:  # a link swapped in after mkdir (ELOOP, ENOTDIR)
            raise self._refuse(path, f"cannot be made ({exc.strerror or exc})") from None
        try:
            self._check_own(fd, path)
        except BaseException:
            os.close(fd)
            raise
        self._fds[relative.as_posix()] = fd

    def write_file(self, relative: PurePosixPath, data: bytes) -> None:
        """Create the new file ``relative`` holding ``data`` (its folder made before)."""
        parent, name, path = self._parent(relative)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | _BINARY
        try:
            fd = os.open(name, flags, 0o666, dir_fd=parent)
        except FileExistsError:
            raise self._refuse(path.parent, f'holds "{name}" that appeared while copying') from None
        except OSError as exc:
            raise self._refuse(path, f"cannot be written ({exc.strerror or exc})") from None
        with os.fdopen(fd, "wb") as stream:
            try:
                stream.write(data)
            except OSError as exc:
                raise _cannot_write(path, exc) from None
