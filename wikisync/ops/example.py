"""The bundled example: a small FabMob-like wiki as a local mirror, with its configuration.

:func:`copy_example` copies it (``wikisync.toml`` and ``mirror/``) into a new
folder, so that a newcomer's first ``rebuild`` edits a copy, never the files
shipped with wikisync or tracked in its repository. In a wheel the example
lives in ``wikisync/examples/fabmob``; in a source checkout or an editable
install it is ``examples/fabmob`` beside the package.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

from wikisync import files
from wikisync.core.errors import ConfigError, UnsafePathError

__all__ = ["copy_example", "example_folder"]

#: The mirror's private folder: only its .gitignore is copied (never a lock or base copies).
_PRIVATE = ".wikisync"


def example_folder() -> Traversable:
    """The folder of the bundled example (``wikisync.toml`` and ``mirror/``)."""
    try:
        packaged = resources.files("wikisync") / "examples" / "fabmob"
        if packaged.is_dir():
            return packaged
    except (FileNotFoundError, ModuleNotFoundError, NotADirectoryError):
        pass
    return Path(__file__).resolve().parent.parent.parent / "examples" / "fabmob"


def copy_example(destination: str | Path) -> Path:
    """Copy the bundled example into ``destination`` (new or empty); return its config file.

    The copy never follows a link and never writes into anything it did not
    create (:class:`wikisync.files.NewTree`): the folder is made (or an empty
    folder of the user's is opened) without following a link, and every
    folder and file below it is created relative to its parent's descriptor
    with ``O_EXCL | O_NOFOLLOW``. So in a folder other users can write
    (``/tmp``), a link or file planted while it copies stops the copy; it is
    never written through.

    Raises:
        ConfigError: ``destination`` is a file, a link, a folder that is not
            empty or belongs to another user, or something appeared in it
            while copying.

    Example:
        >>> copy_example(tmp_path / "fabmob")
        PosixPath('/tmp/.../fabmob/wikisync.toml')
    """
    target = Path(destination).expanduser()
    try:
        with files.NewTree(target) as tree:
            _copy_tree(example_folder(), tree, PurePosixPath())
    except UnsafePathError as exc:
        raise ConfigError(f"{exc}: name a new folder for the example", key=str(target)) from None
    return target / "wikisync.toml"


def _copy_tree(source: Traversable, tree: files.NewTree, relative: PurePosixPath) -> None:
    for item in sorted(source.iterdir(), key=lambda item: item.name):
        if item.name == "__pycache__":
            continue
        if item.is_dir():
            tree.make_folder(relative / item.name)
            if item.name == _PRIVATE:
                ignore = item / ".gitignore"  # never a lock or base copies
                if ignore.is_file():
                    tree.write_file(relative / item.name / ".gitignore", ignore.read_bytes())
            else:
                _copy_tree(item, tree, relative / item.name)
        else:
            tree.write_file(relative / item.name, item.read_bytes())
