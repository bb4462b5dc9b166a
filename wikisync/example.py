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
from pathlib import Path

from wikisync.errors import ConfigError

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
    return Path(__file__).resolve().parent.parent / "examples" / "fabmob"


def copy_example(destination: str | Path) -> Path:
    """Copy the bundled example into ``destination`` (new or empty); return its config file.

    Raises:
        ConfigError: ``destination`` is a file or a folder that is not empty.

    Example:
        >>> copy_example(tmp_path / "fabmob")
        PosixPath('/tmp/.../fabmob/wikisync.toml')
    """
    target = Path(destination).expanduser()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(
            f"{target} exists and is not an empty folder: name a new folder for the example",
            key=str(target),
        )
    _copy_tree(example_folder(), target, top=True)
    return target / "wikisync.toml"


def _copy_tree(source: Traversable, target: Path, *, top: bool = False) -> None:
    target.mkdir(parents=top, exist_ok=True)
    for item in sorted(source.iterdir(), key=lambda item: item.name):
        if item.name == "__pycache__":
            continue
        if item.is_dir():
            if item.name == _PRIVATE:
                (target / _PRIVATE).mkdir(exist_ok=True)
                ignore = item / ".gitignore"
                if ignore.is_file():
                    (target / _PRIVATE / ".gitignore").write_bytes(ignore.read_bytes())
                continue
            _copy_tree(item, target / item.name)
        else:
            (target / item.name).write_bytes(item.read_bytes())
