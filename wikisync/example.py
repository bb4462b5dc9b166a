"""The bundled example: a small FabMob-like wiki as a local mirror, with its configuration.

:func:`copy_example` copies it (``wikisync.toml`` and ``mirror/``) into a new
folder, so that a newcomer's first ``rebuild`` edits a copy, never the files
shipped with wikisync or tracked in its repository. In a wheel the example
lives in ``wikisync/examples/fabmob``; in a source checkout or an editable
install it is ``examples/fabmob`` beside the package.
"""

from __future__ import annotations

import os
import stat
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from wikisync.errors import ConfigError

__all__ = ["copy_example", "example_folder"]

#: The mirror's private folder: only its .gitignore is copied (never a lock or base copies).
_PRIVATE = ".wikisync"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC


def example_folder() -> Traversable:
    """The folder of the bundled example (``wikisync.toml`` and ``mirror/``)."""
    try:
        packaged = resources.files("wikisync") / "examples" / "fabmob"
        if packaged.is_dir():
            return packaged
    except (FileNotFoundError, ModuleNotFoundError, NotADirectoryError):
        pass
    return Path(__file__).resolve().parent.parent / "examples" / "fabmob"


def copy_example(destination: str | Path) -> Path:
    """Copy the bundled example into ``destination`` (new or empty); return its config file.

    The copy never follows a link and never writes into anything it did not
    create: the folder is made (or an empty folder of the user's is opened)
    without following a link, and every folder and file below it is created
    relative to its parent's descriptor with ``O_EXCL | O_NOFOLLOW``. So in a
    folder other users can write (``/tmp``), a link or file planted while it
    copies stops the copy; it is never written through.

    Raises:
        ConfigError: ``destination`` is a file, a link, a folder that is not
            empty or belongs to another user, or something appeared in it
            while copying.

    Example:
        >>> copy_example(tmp_path / "fabmob")
        PosixPath('/tmp/.../fabmob/wikisync.toml')
    """
    target = Path(destination).expanduser()
    fd = _open_target(target)
    try:
        _copy_tree(example_folder(), fd, target)
    finally:
        os.close(fd)
    return target / "wikisync.toml"


def _refuse(target: Path, why: str) -> ConfigError:
    return ConfigError(f"{target} {why}: name a new folder for the example", key=str(target))


def _open_target(target: Path) -> int:
    """Make (or open, when empty and the user's) the example's folder, never through a link."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _refuse(target, f"cannot be used ({exc.strerror or exc})") from None
    if st is not None and not stat.S_ISDIR(st.st_mode):
        kind = "is a symbolic link" if stat.S_ISLNK(st.st_mode) else "exists and is not a folder"
        raise _refuse(target, kind)
    if st is None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.mkdir(target)
        except FileExistsError:
            raise _refuse(target, "appeared while it was being made") from None
        except OSError as exc:
            raise _refuse(target, f"cannot be made ({exc.strerror or exc})") from None
    try:
        fd = os.open(target, _DIR_FLAGS)
    except OSError as exc:
        raise _refuse(target, f"cannot be opened as a folder ({exc.strerror or exc})") from None
    try:
        _check_own(fd, target)
        if os.listdir(fd) if os.listdir in os.supports_fd else os.listdir(target):
            raise _refuse(target, "exists and is not an empty folder")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _check_own(fd: int, path: Path) -> None:
    st = os.fstat(fd)
    if not stat.S_ISDIR(st.st_mode):
        raise _refuse(path, "is not a folder")
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        raise _refuse(path, "belongs to another user")


def _copy_tree(source: Traversable, fd: int, path: Path) -> None:
    for item in sorted(source.iterdir(), key=lambda item: item.name):
        if item.name == "__pycache__":
            continue
        if item.is_dir():
            child = _make_folder(fd, item.name, path / item.name)
            try:
                if item.name == _PRIVATE:
                    ignore = item / ".gitignore"  # never a lock or base copies
                    if ignore.is_file():
                        _write_new(child, ".gitignore", ignore.read_bytes(), path / item.name)
                else:
                    _copy_tree(item, child, path / item.name)
            finally:
                os.close(child)
        else:
            _write_new(fd, item.name, item.read_bytes(), path)


def _make_folder(parent: int, name: str, path: Path) -> int:
    try:
        os.mkdir(name, 0o777, dir_fd=parent)
        fd = os.open(name, _DIR_FLAGS, dir_fd=parent)
    except FileExistsError:
        raise _refuse(path.parent, f'holds "{name}" that appeared while copying') from None
    except OSError as exc:  # a link swapped in after mkdir (ELOOP, ENOTDIR)
        raise _refuse(path, f"cannot be made ({exc.strerror or exc})") from None
    try:
        _check_own(fd, path)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _write_new(folder: int, name: str, data: bytes, path: Path) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    try:
        fd = os.open(name, flags, 0o666, dir_fd=folder)
    except FileExistsError:
        raise _refuse(path, f'holds "{name}" that appeared while copying') from None
    except OSError as exc:
        raise _refuse(path / name, f"cannot be written ({exc.strerror or exc})") from None
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)
