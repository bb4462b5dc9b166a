"""The page selection options every page-reading command takes, defined once.

``--titles FILE`` (``-``: standard input), ``--namespace``, ``--prefix``,
``--search``, ``--transcludes``, ``--links-from``, ``--recent N``: the
command gets them as one ``selection`` argument, a
:class:`~wikisync.core.selection.Selection` (None when none is given), which
it hands to the library function it calls. Every option given must hold, and
together with the command's type or category and ``--where`` (an
intersection). :data:`SELECTING_COMMANDS` names the commands that take them;
a test walks them all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from wikisync.core.selection import Selection

#: The commands that read or edit pages and take the selection options.
SELECTING_COMMANDS = (
    "check",
    "export",
    "pages",
    "pull",
    "records",
    "remove-param",
    "rename-param",
    "replace",
    "set",
)

#: What every selecting command's --help says of the options.
SELECTION_HELP = (
    "Choose pages with --titles, --namespace, --prefix, --search, --transcludes, "
    "--links-from, --recent: every one given must hold, as must the command's own "
    "type, category or template and its --where, if any (an intersection)."
)

_PARAMS = ("titles_path", "namespace", "prefix", "search", "transcludes", "links_from", "recent")


def selection_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add the selection options; the command gets them as ``selection: Selection | None``."""
    options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.option(
            "--titles",
            "titles_path",
            metavar="FILE",
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            default=None,
            help="Only the pages listed in FILE, one title a line (- for standard input).",
        ),
        click.option(
            "--namespace",
            metavar="NS",
            default=None,
            help="Only pages of this namespace, by number or name (0, 10, Modèle, Template).",
        ),
        click.option(
            "--prefix",
            metavar="TEXT",
            default=None,
            help="Only pages whose title starts with TEXT (in --namespace when given).",
        ),
        click.option(
            "--search",
            metavar="QUERY",
            default=None,
            help="Only pages the wiki's full-text search finds (live wiki; in --namespace, "
            "else the main one).",
        ),
        click.option(
            "--transcludes",
            metavar="TEMPLATE",
            default=None,
            help="Only pages that use TEMPLATE (Modèle: optional).",
        ),
        click.option(
            "--links-from",
            "links_from",
            metavar="PAGE",
            default=None,
            help="Only pages that PAGE links to (and that exist).",
        ),
        click.option(
            "--recent",
            metavar="N",
            type=click.IntRange(min=1),
            default=None,
            help="Only the N pages changed most recently.",
        ),
    ]

    @functools.wraps(function)
    def bundled(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in _PARAMS}
        return function(*args, selection=selection_of(**given), **kwargs)

    bundled.__doc__ = _with_selection_help(function.__doc__ or "")
    wrapped: Callable[..., Any] = bundled
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped


def _with_selection_help(doc: str) -> str:
    """The command's docstring with :data:`SELECTION_HELP` as a paragraph before its examples."""
    marker = "\n    \b\n    Example"
    at = doc.find(marker)
    paragraph = "\n    " + SELECTION_HELP + "\n"
    return doc + paragraph if at < 0 else doc[:at] + paragraph + doc[at:]


def selection_of(
    *,
    titles_path: Path | None,
    namespace: str | None,
    prefix: str | None,
    search: str | None,
    transcludes: str | None,
    links_from: str | None,
    recent: int | None,
) -> Selection | None:
    """The options as a :class:`Selection` (None when none is given); reads the titles file.

    Raises:
        SelectionError: the titles file cannot be read.
    """
    titles = None
    if titles_path is not None:
        from wikisync.ops.select import read_titles

        titles = read_titles(titles_path)
    selection = Selection(titles, namespace, prefix, search, transcludes, links_from, recent)
    return selection or None
