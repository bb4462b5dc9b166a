"""Shell completion of record types and jobs, read from the configuration.

Commands and options complete through click itself; the ``TYPE`` and ``JOB``
arguments complete with the names in the ``wikisync.toml`` the command line
would read (``-c/--config``, ``$WIKISYNC_CONFIG`` or ``./wikisync.toml``).
Completion never fails: a missing or broken configuration completes nothing.
Enable it with ``eval "$(_WIKISYNC_COMPLETE=bash_source wikisync)"`` (bash;
``zsh_source`` for zsh, ``fish_source`` for fish), as docs/commands.md says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click
from click.shell_completion import CompletionItem

from wikisync.config import load_config
from wikisync.core.errors import WikisyncError

__all__ = ["complete_jobs", "complete_types"]


def _tables(ctx: click.Context, key: str) -> Mapping[str, Any]:
    root = ctx.find_root()
    try:
        config = load_config(root.params.get("config_path"))
    except (WikisyncError, OSError):
        return {}
    tables = config.types if key == "types" else config.jobs
    return tables if isinstance(tables, Mapping) else {}


def _items(tables: Mapping[str, Any], incomplete: str) -> list[CompletionItem]:
    items = []
    for name, table in tables.items():
        if not str(name).startswith(incomplete):
            continue
        about = ""
        if isinstance(table, Mapping):
            about = str(table.get("description") or table.get("page") or "")
        items.append(CompletionItem(str(name), help=about or None))
    return items


def complete_types(ctx: click.Context, _param: click.Parameter, incomplete: str) -> Any:
    """The record types of the configuration that start with ``incomplete``."""
    return _items(_tables(ctx, "types"), incomplete)


def complete_jobs(ctx: click.Context, _param: click.Parameter, incomplete: str) -> Any:
    """The jobs of the configuration that start with ``incomplete`` (not those already given)."""
    given = set(ctx.params.get("job_names") or ())
    return [item for item in _items(_tables(ctx, "jobs"), incomplete) if item.value not in given]
