"""The configuration's tables and key paths, as the pure core reads them.

:class:`ConfigTables` is the ``[types]`` or ``[jobs]`` tables with the file
they came from, so that an error found in them later names the file and the
key path; :func:`toml_key` writes a key as TOML does in such a path.
:mod:`wikisync.config` reads the file and hands these on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wikisync.core.errors import ConfigError
from wikisync.core.said import said

__all__ = ["ConfigTables", "in_file", "tables_file", "toml_key"]


class ConfigTables(dict[str, Any]):
    """The ``[types]`` or ``[jobs]`` tables as read from a configuration file.

    A plain dict that also knows its file, so that an error found in the
    tables later (they are validated when a command needs them, by
    :func:`wikisync.core.schema.load_record_types` and
    :func:`wikisync.ops.jobs.config.load_jobs`) names the file as well as the key
    path: ``wikisync.toml: types.event.fields.startDate.type: …``.

    Attributes:
        file: the configuration file, as given, or None.
    """

    def __init__(self, tables: Mapping[str, Any], file: str | None) -> None:
        super().__init__(tables)
        self.file = file


def tables_file(tables: object) -> str | None:
    """The configuration file ``tables`` were read from (see :class:`ConfigTables`), or None."""
    return tables.file if isinstance(tables, ConfigTables) else None


def in_file(error: ConfigError, file: str | None) -> ConfigError:
    """``error`` with ``file`` named in front of its message (once); as is without a file."""
    if file is None or error.file is not None:
        return error
    message = error.args[0] if error.args else str(error)
    located = ConfigError(
        said("%(file)s: %(message)s", file=file, message=message), key=error.key, file=file
    )
    located.__cause__ = error.__cause__
    return located


def toml_key(name: str) -> str:
    """A key as TOML writes it in a key path: bare when it can be, else quoted.

    Example:
        >>> toml_key("startDate"), toml_key("villes d'implantation")
        ('startDate', '"villes d\'implantation"')
    """
    bare = name and all(c.isascii() and (c.isalnum() or c in "_-") for c in name)
    return name if bare else '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
