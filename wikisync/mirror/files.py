"""Files of a mirror folder, reached without ever following a symbolic link.

A mirror folder travels through git, and git stores symbolic links: one
commit could turn a page file, a namespace folder, ``.wikisync/`` or a base
copy into a link to a file outside the mirror (a private key that ``push``
would publish, a file that ``pull`` would overwrite). So every path below the
mirror folder is reached from the folder itself, one name at a time: each
folder is opened with ``O_NOFOLLOW | O_DIRECTORY`` relative to its parent's
descriptor, each file with ``O_NOFOLLOW``, and a link anywhere on the way is
refused with :class:`~wikisync.core.errors.UnsafePathError` naming it. Holding the
descriptors makes the walk immune to a folder being swapped for a link
between a check and its use. Only regular files are read or replaced (a
FIFO or a device is refused too).

Files are replaced atomically: a temporary file with a random name
(``.wikisync-<16 hex>.tmp``, never derived from the page's name, so it fits
any folder) is created exclusively (``O_CREAT | O_EXCL | O_NOFOLLOW``: a file
or link planted in advance makes the creation fail, it is never written
through), flushed, then renamed over the target inside the same folder
descriptor. The mirror folder itself may be a link: the user named it.

Where the system has no descriptor-relative calls (Windows), every name on
the way is checked with ``lstat`` before use instead (links and junctions
refused), which leaves a window between check and use; creating links there
needs privileges.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath

from wikisync.core.errors import LockError, UnsafePathError

__all__ = [
    "MirrorLock",
    "append_file",
    "file_stat",
    "folder_stat",
    "list_folder",
    "make_folder",
    "read_file",
    "remove_file",
    "write_file",
]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_LINK_ERRNOS = frozenset({errno.ELOOP, errno.EMLINK, errno.ENOTDIR})

#: Whether names are opened relative to a folder descriptor (POSIX); else lstat checks.
USE_DIR_FD = (
    bool(_NOFOLLOW and _DIRECTORY)
    and {
        os.open,
        os.stat,
        os.mkdir,
        os.unlink,
        os.rename,
    }
    <= os.supports_dir_fd
)


def link_error(path: Path) -> UnsafePathError:
    """The error for a symbolic link met inside a mirror folder."""
    return UnsafePathError(
        f'"{path}" is a symbolic link: wikisync never follows a link inside a mirror folder '
        "(it could read or write a file outside the mirror); replace it with the file or "
        "folder itself",
        path=str(path),
    )


def not_regular_error(path: Path) -> UnsafePathError:
    """The error for something other than a regular file where a page or state file is."""
    return UnsafePathError(
        f'"{path}" is not a regular file (a folder, a device or a pipe): wikisync reads and '
        "writes only regular files in a mirror folder; move it away",
        path=str(path),
    )


def not_a_folder_error(path: Path) -> UnsafePathError:
    """The error for a file (or a pipe, a device) where a mirror needs a folder."""
    return UnsafePathError(
        f'"{path}" is a file where wikisync needs a folder (a namespace folder, .wikisync or '
        "its base copies): wikisync never replaces it; move it away",
        path=str(path),
    )


@contextlib.contextmanager
def _writing(root: Path, relative: str | PurePosixPath) -> Iterator[None]:
    """Turn a failed write (full disk, read-only file system…) into one named error."""
    try:
        yield
    except OSError as exc:
        path = Path(root) / str(relative)
        raise UnsafePathError(
            f'cannot write "{path}": {exc.strerror or exc}', path=str(path)
        ) from None


def _is_link(st: os.stat_result) -> bool:
    # st_reparse_tag: a Windows junction or other reparse point.
    return stat.S_ISLNK(st.st_mode) or bool(getattr(st, "st_reparse_tag", 0))


class _Folder:
    """An open folder under the mirror: its descriptor (POSIX) and its path, for messages."""

    def __init__(self, path: str, fd: int | None) -> None:
        self.name = path  # a plain string: Path objects cost more than the system calls
        self.fd = fd

    @property
    def path(self) -> Path:
        return Path(self.name)

    def join(self, name: str) -> str:
        return os.path.join(self.name, name)

    def lstat(self, name: str) -> os.stat_result | None:
        """The entry ``name`` itself (a link is not followed), or None when absent."""
        try:
            if self.fd is not None:
                return os.stat(name, dir_fd=self.fd, follow_symlinks=False)
            return os.lstat(self.join(name))
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:  # such a file cannot exist
                return None
            raise

    def refuse_link(self, name: str) -> os.stat_result | None:
        st = self.lstat(name)
        if st is not None and _is_link(st):
            raise link_error(self.path / name)
        return st

    def open(self, name: str, flags: int, mode: int = 0o666) -> int:
        """Open ``name`` in this folder, never through a link."""
        flags |= _NOFOLLOW | _CLOEXEC | _BINARY
        try:
            if self.fd is not None:
                return os.open(name, flags, mode, dir_fd=self.fd)
            self.refuse_link(name)
            return os.open(self.join(name), flags, mode)
        except OSError as exc:
            if exc.errno in _LINK_ERRNOS:
                self.refuse_link(name)
            if exc.errno == errno.EISDIR:  # a folder where a file is opened for writing
                raise not_regular_error(self.path / name) from None
            raise

    def child(self, name: str, *, create: bool) -> _Folder:
        """The sub-folder ``name`` (made when ``create``), refused if it is a link."""
        path = self.join(name)
        if self.fd is None:
            st = self.refuse_link(name)
            if st is None and create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(path)
                st = self.refuse_link(name)
            if st is None:
                raise FileNotFoundError(errno.ENOENT, "No such folder", path)
            if not stat.S_ISDIR(st.st_mode):
                raise NotADirectoryError(errno.ENOTDIR, "Not a folder", path)
            return _Folder(path, None)
        flags = os.O_RDONLY | _DIRECTORY
        try:
            return _Folder(path, self._open_folder(name, flags))
        except FileNotFoundError:
            if not create:
                raise
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o777, dir_fd=self.fd)
        return _Folder(path, self._open_folder(name, flags))

    def _open_folder(self, name: str, flags: int) -> int:
        try:
            return self.open(name, flags)
        except NotADirectoryError:
            # Not a link (refused by open): a file, a pipe or a device where a folder belongs.
            if self.lstat(name) is None:
                raise
            raise not_a_folder_error(self.path / name) from None

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def sync(self) -> None:
        """fsync the folder (a rename or removal in it is then durable)."""
        if self.fd is not None:
            os.fsync(self.fd)
        elif os.name != "nt":  # Windows cannot open a folder; NTFS renames are durable enough
            fd = os.open(self.name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _parts(relative: str | PurePosixPath) -> tuple[str, ...]:
    text = relative.as_posix() if isinstance(relative, PurePosixPath) else relative
    parts = tuple(text.split("/")) if text else ()
    if any(part in ("", ".", "..") or "\0" in part or "\\" in part for part in parts):
        raise ValueError(f"not a relative path inside a mirror: {text!r}")
    return parts


@contextlib.contextmanager
def _folder(root: Path, folders: Sequence[str], *, create: bool) -> Iterator[_Folder]:
    """Open ``root/folders…`` one name at a time, never through a link."""
    top = os.fspath(root)
    if USE_DIR_FD:
        current = _Folder(top, os.open(top, os.O_RDONLY | _DIRECTORY | _CLOEXEC))
    else:
        current = _Folder(top, None)
    try:
        for name in folders:
            child = current.child(name, create=create)
            current.close()
            current = child
        yield current
    finally:
        current.close()


def _split(relative: str | PurePosixPath) -> tuple[tuple[str, ...], str]:
    parts = _parts(relative)
    if not parts:
        raise ValueError("an empty path names no file")
    return parts[:-1], parts[-1]


def read_file(root: Path, relative: str | PurePosixPath) -> bytes | None:
    """A file's bytes, or None when it (or a folder on the way) does not exist.

    Raises:
        UnsafePathError: a link on the way, or the file is not a regular file.
        OSError: another failure (permissions…).
    """
    folders, name = _split(relative)
    try:
        with _folder(root, folders, create=False) as folder:
            try:
                fd = folder.open(name, os.O_RDONLY | _NONBLOCK)
            except (FileNotFoundError, NotADirectoryError):
                return None
            with os.fdopen(fd, "rb") as stream:
                if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                    raise not_regular_error(folder.path / name)
                return stream.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return None
        raise


def file_stat(root: Path, relative: str | PurePosixPath) -> os.stat_result | None:
    """The status of a file under the mirror (not following links), or None when absent.

    Raises:
        UnsafePathError: a link on the way or at the end, or not a regular file.
    """
    folders, name = _split(relative)
    try:
        with _folder(root, folders, create=False) as folder:
            st = folder.refuse_link(name)
            if st is not None and not stat.S_ISREG(st.st_mode):
                raise not_regular_error(folder.path / name)
            return st
    except (FileNotFoundError, NotADirectoryError):
        return None


def folder_stat(root: Path, relative: str | PurePosixPath) -> os.stat_result | None:
    """The status of a folder under the mirror (not following links), or None when absent.

    Raises:
        UnsafePathError: a link on the way or at the end, or not a folder.
    """
    folders, name = _split(relative)
    try:
        with _folder(root, folders, create=False) as folder:
            st = folder.refuse_link(name)
            if st is not None and not stat.S_ISDIR(st.st_mode):
                raise not_a_folder_error(folder.path / name)
            return st
    except (FileNotFoundError, NotADirectoryError):
        return None


def write_file(
    root: Path, relative: str | PurePosixPath, data: bytes, *, durable: bool = True
) -> None:
    """Replace a file under the mirror at once, making its folders as needed.

    The data goes to an exclusively created temporary file with a random name
    in the same folder, fsynced when ``durable``, then renamed over the target.

    Raises:
        UnsafePathError: a link on the way or at the target, or the target is
            not a regular file.
    """
    folders, name = _split(relative)
    with _writing(root, relative), _folder(root, folders, create=True) as folder:
        st = folder.refuse_link(name)
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise not_regular_error(folder.path / name)
        temporary = f".wikisync-{secrets.token_hex(8)}.tmp"
        fd = folder.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
                stream.flush()
                if durable:
                    os.fsync(stream.fileno())
            if folder.fd is not None:
                os.replace(temporary, name, src_dir_fd=folder.fd, dst_dir_fd=folder.fd)
            else:
                os.replace(folder.join(temporary), folder.join(name))
        except BaseException:
            with contextlib.suppress(OSError):
                _unlink(folder, temporary)
            raise
        if durable:
            folder.sync()


def append_file(
    root: Path, relative: str | PurePosixPath, data: bytes, *, durable: bool = True
) -> None:
    """Append ``data`` to a file under the mirror in one write (made if missing).

    Raises:
        UnsafePathError: a link on the way or at the file, or not a regular file.
    """
    folders, name = _split(relative)
    with _writing(root, relative), _folder(root, folders, create=True) as folder:
        fd = folder.open(name, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        with os.fdopen(fd, "ab") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise not_regular_error(folder.path / name)
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())


def remove_file(root: Path, relative: str | PurePosixPath, *, durable: bool = True) -> bool:
    """Remove a file under the mirror; False when there was none.

    A link at the end is removed itself (removing never follows it); a link
    on the way is refused.
    """
    folders, name = _split(relative)
    try:
        with _folder(root, folders, create=False) as folder:
            try:
                _unlink(folder, name)
            except (FileNotFoundError, NotADirectoryError):
                return False
            except OSError:
                with _writing(root, relative):
                    raise
            if durable:
                with _writing(root, relative):
                    folder.sync()
            return True
    except (FileNotFoundError, NotADirectoryError):
        return False


def _unlink(folder: _Folder, name: str) -> None:
    if folder.fd is not None:
        os.unlink(name, dir_fd=folder.fd)
    else:
        os.unlink(folder.join(name))


def make_folder(root: Path, relative: str | PurePosixPath) -> None:
    """Make a folder under the mirror (and those on the way); links refused."""
    with _writing(root, relative), _folder(root, _parts(relative), create=True):
        pass


def list_folder(root: Path, relative: str | PurePosixPath = "") -> list[tuple[str, str]]:
    """The entries of a folder under the mirror, sorted: (name, kind).

    ``kind`` is ``"file"`` (regular), ``"folder"``, ``"link"`` or ``"other"``;
    links are not followed.

    Raises:
        UnsafePathError: a link on the way to the folder.
        OSError: the folder cannot be read.
    """
    entries: list[tuple[str, str]] = []
    with _folder(root, _parts(relative), create=False) as folder:
        by_fd = folder.fd is not None and os.scandir in os.supports_fd
        target: int | str = folder.fd if by_fd and folder.fd is not None else folder.name
        with os.scandir(target) as scan:
            for entry in scan:
                if entry.is_symlink() or getattr(entry, "is_junction", bool)():
                    kind = "link"
                elif entry.is_dir(follow_symlinks=False):
                    kind = "folder"
                elif entry.is_file(follow_symlinks=False):
                    kind = "file"
                else:
                    kind = "other"
                entries.append((entry.name, kind))
    return sorted(entries)


class MirrorLock:
    """An OS lock on a file under the mirror, opened without following links.

    The lock dies with its process, so a crash never leaves a stale lock.

    Args:
        root: the mirror folder.
        relative: the lock file, relative to it (its folders are made).
        timeout: seconds to wait for another holder.
    """

    def __init__(self, root: Path, relative: str, timeout: float) -> None:
        self.root = Path(root)
        self.relative = relative
        self.timeout = timeout
        self._fd: int | None = None

    @property
    def is_locked(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, waiting up to ``timeout`` seconds.

        Raises:
            LockError: another run holds it.
            UnsafePathError: the lock file or a folder on the way is a link.
        """
        if self._fd is not None:
            return
        folders, name = _split(self.relative)
        with _writing(self.root, self.relative), _folder(self.root, folders, create=True) as folder:
            fd = folder.open(name, os.O_RDWR | os.O_CREAT)
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                raise not_regular_error(folder.path / name)
        deadline = time.monotonic() + self.timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                os.close(fd)
                raise LockError(
                    f'Mirror "{self.root}" is being written by another run (lock {self.relative})'
                )
            time.sleep(0.05)
        self._fd = fd

    def release(self) -> None:
        """Release the lock (nothing happens when it is not held)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        finally:
            os.close(fd)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
