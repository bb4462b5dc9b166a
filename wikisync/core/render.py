"""Index pages: render records into wikitext with Jinja2 page templates.

:func:`render_index` feeds plain record dicts to a page template
(``templates/*.wiki.j2``) and returns wikitext. The Jinja2 environment is made
for wikitext: undefined names fail (``StrictUndefined``), blocks are trimmed,
and every value printed with ``{{ … }}`` is escaped for wikitext by a
``finalize`` hook (:func:`escape_wikitext`), so that no record can inject a
link, category, template, table syntax, magic word, comment, marker or tag,
nor start a list, heading or rule. Only a :class:`Wikitext` value (from the
``wikitext`` and ``wikilink`` filters, or the ``join`` filter over such values)
is printed as is. Filters give French dates (``date_fr``, ``date_span_fr``,
``month_fr``) and French collation (``sort_fr``), written in
:mod:`wikisync.core.french`, and event helpers (``upcoming``, ``past``,
``undated``, ``group_by_year``, ``group_by_month``). Pure: the only files read
are the page templates themselves.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import logging
import re
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import jinja2
import jinja2.exceptions
import jinja2.sandbox

from wikisync.core.errors import RenderError
from wikisync.core.french import (
    SortKey,
    format_date_fr,
    format_date_span_fr,
    format_month_fr,
    is_date,
    parse_date,
    sort_key_fr,
)

__all__ = [
    "Wikitext",
    "escape_wikitext",
    "make_environment",
    "make_wikilink",
    "render_index",
    "sort_fr",
]

#: Suffix of page template files; a name given without it gets it appended.
TEMPLATE_SUFFIX = ".wiki.j2"


class Wikitext(str):
    """Trusted wikitext: printed as is by page templates, never escaped.

    Only the ``wikitext`` filter (the explicit opt-out), ``wikilink`` and the
    ``join`` filter (over ``Wikitext`` items) make it. It is a plain ``str``
    subclass on purpose: any string operation (``~``, ``replace``, Jinja's own
    ``safe``/``escape``/``tojson``, which return HTML ``Markup``) gives a plain
    ``str`` or a ``Markup`` again, which is escaped, so trust is never gained
    by accident.
    """

    __slots__ = ()


# -- escaping -----------------------------------------------------------------------

# Characters that open or close wikitext syntax anywhere in a line: tags and
# comments (<, >), links ([ ]), templates, parser functions and table syntax
# ({ } |), template parameter names (=), signatures (~~~) and entities (&).
_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "[": "&#91;",
    "]": "&#93;",
    "{": "&#123;",
    "}": "&#125;",
    "|": "&#124;",
    "=": "&#61;",
    "~": "&#126;",
    "_": "&#95;",
    "'": "&#39;",
    ":": "&#58;",
    "!": "&#33;",
}
# One pass over the text; context rules keep ordinary French text readable:
# "_" only where it could form "__MAGICWORD__" (a run of two, or at either end,
# next to template text), "'" only where it could form '' or ''' (the same),
# ":" only right after an ASCII letter (the "http:", "mailto:" of a free
# external link; "Horaires : 18h" stays as is), "!" only in "!!" (header cells).
_ESCAPE_RE = re.compile(
    r"[&<>\[\]{}|=~]"
    r"|_(?=_)|^_|_$"
    r"|'(?=')|^'|'$"
    r"|(?<=[A-Za-z]):"
    r"|!(?=!)"
)
# Characters that start block syntax at the beginning of a line: lists (* # ; :),
# table header cells (!) and horizontal rules (----). A leading space (a <pre>
# block) cannot happen: values are stripped.
_LINE_START = frozenset("*#;:!-")
# Line breaks and other whitespace become one space; no-break spaces stay.
_WHITESPACE_RE = re.compile(r"[^\S\u00a0\u2007\u202f]+")
# C0 controls and DEL: never valid in a page (DEL also opens parser strip markers).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def escape_wikitext(value: object) -> Wikitext:
    """Escape one value so that it shows as plain text in any wikitext context.

    The value is made single-line (runs of whitespace, newlines included,
    become one space; no-break spaces are kept) and stripped; characters that
    could open wikitext syntax become HTML entities, which MediaWiki shows as
    the character itself. Entities are used for ``& < > [ ] { } | = ~``
    everywhere, for ``_`` and ``'`` next to each other or at either end, for ``!!``, for
    ``:`` right after an ASCII letter (free external links such as
    ``http://…``), and for a leading ``* # ; : ! -``. MediaWiki's ISBN/RFC/PMID
    magic links are off by default since 1.28 and are not escaped.

    Non-string values: ``None`` is empty, booleans are ``oui``/``non``, dates
    are French (:func:`~wikisync.core.french.format_date_fr`), lists and tuples are joined with
    ``", "`` and a :class:`Wikitext` value is returned unchanged.

    Args:
        value: the value to print.

    Returns:
        The escaped text, as :class:`Wikitext`.

    Example:
        >>> escape_wikitext("}}[[Catégorie:Spam]]")
        '&#125;&#125;&#91;&#91;Catégorie&#58;Spam&#93;&#93;'
    """
    if isinstance(value, Wikitext):
        return value
    if value is None:
        return Wikitext("")
    if isinstance(value, bool):
        return Wikitext("oui" if value else "non")
    if is_date(value):
        return escape_wikitext(format_date_fr(value))
    if isinstance(value, list | tuple):
        return _join_wikitext(value, ", ")
    text = _CONTROL_RE.sub("", str(value))
    text = _WHITESPACE_RE.sub(" ", text).strip(" ")
    if not text:
        return Wikitext("")
    head = ""
    if text[0] in _LINE_START:
        head, text = f"&#{ord(text[0])};", text[1:]
    return Wikitext(head + _escape_inline(text))


def _escape_inline(text: str) -> str:
    return _ESCAPE_RE.sub(lambda match: _ENTITIES[match.group()], text)


def _join_wikitext(values: Iterable[object], separator: str) -> Wikitext:
    # Items are escaped (Wikitext items stay) and empty ones dropped; the
    # separator is escaped too but keeps its spaces.
    items = [escape_wikitext(value) for value in values]
    return Wikitext(_escape_inline(separator).join(item for item in items if item))


def _filter_join(value: object, separator: str = ", ") -> Wikitext:
    """The ``join`` filter: like Jinja's, but escaping items for wikitext.

    ``None`` joins to ``""``, a lone string is one item, and any other value
    that is no list (a number) is reported and printed as one item.
    """
    if value is None:
        return Wikitext("")
    if isinstance(value, str):
        return escape_wikitext(value)
    if not isinstance(value, Iterable) or isinstance(value, Mapping):
        # A value a template cannot use as a list never stops the render.
        _report(f"join: expected a list, got {value!r}; printed as one item")
        return escape_wikitext(value)
    return _join_wikitext(value, separator)


def _filter_wikitext(value: object) -> Wikitext:
    """The explicit opt-out: print ``value`` as trusted wikitext."""
    return Wikitext("" if value is None else str(value))


def make_wikilink(title: object, label: object = None) -> Wikitext:
    """Link to a page: ``[[Title]]`` or ``[[Title|label]]``.

    The title is a real page title, so it is linked; characters that cannot be
    in a title (``[ ] { } | < >``, ``~~~``) become entities, which makes such a
    bad title show as text instead of breaking the page. A title with a colon
    (``Catégorie:…``, ``Fichier:…``, an interwiki prefix) gets a leading colon
    so that it is linked instead of categorising the page, embedding a file or
    making an interlanguage link. The label is plain text and fully escaped;
    a label that is empty or equal to the title is left out.

    Args:
        title: the page title.
        label: the text to show, or ``None`` for the title.

    Returns:
        The link as :class:`Wikitext`, or ``""`` when the title is empty.

    Example:
        >>> make_wikilink("Catégorie:Evénement", "Événements")
        '[[:Catégorie:Evénement|Événements]]'
    """
    if title is None:
        return Wikitext("")
    text = _WHITESPACE_RE.sub(" ", _CONTROL_RE.sub("", str(title))).strip(" ")
    if not text:
        return Wikitext("")
    target = _ESCAPE_RE.sub(
        lambda match: match.group() if match.group() == ":" else _ENTITIES[match.group()], text
    )
    if ":" in text or text.startswith("/"):
        target = ":" + target
    shown = escape_wikitext(label)
    if not shown or str(label).strip() == text:
        return Wikitext(f"[[{target}]]")
    return Wikitext(f"[[{target}|{shown}]]")


def _finalize(value: object) -> str:
    # Every {{ … }} goes through here: escaped unless trusted Wikitext, and
    # counted against the render's limits.
    text = escape_wikitext(value)
    budget = _BUDGET.get()
    if budget is not None:
        budget.spend(len(text))
    return text


# -- French dates and collation as filters -------------------------------------------


log = logging.getLogger(__name__)

# The problems of the render under way (render_index's ``problems`` list).
_PROBLEMS: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "wikisync_render_problems", default=None
)


def _report(message: str) -> None:
    # A value a template cannot use never stops the render: it is reported.
    problems = _PROBLEMS.get()
    if problems is None:
        log.warning("%s", message)
    elif message not in problems:
        problems.append(message)


def _require_date(record: object, field: str) -> tuple[dt.date, str] | None:
    """The date of a record's field; ``None`` when absent or unusable (reported).

    A value that is no valid date (``0000``, ``2024-13``, words) is reported
    and counts as no date, so the record goes where the template puts
    records without one (the events template: "Date à préciser").
    """
    value = _get_field(record, field)
    try:
        return parse_date(value)
    except ValueError as exc:
        title = _get_field(record, "title")
        _report(f'record "{title}", field "{field}": {exc}; placed as a record without a date')
        return None


def _usable_date(value: object) -> object:
    try:
        parse_date(value)
    except ValueError:
        return None
    return value


class _ValueProblem(ValueError):
    """Bad data met by a filter; render_index reports it with the template line."""


def _date_filter(format_value: Callable[..., str]) -> Callable[..., str]:
    # A value that is no date is reported and left out (a span keeps its other end).
    def run(*values: object) -> str:
        try:
            return format_value(*values)
        except ValueError as exc:
            _report(f"{format_value.__name__}: {exc}; left out")
        try:
            return format_value(*(_usable_date(value) for value in values))
        except ValueError:
            return ""

    run.__doc__ = format_value.__doc__
    return run


def _get_field(item: object, field: object) -> object:
    # A template names fields; it never names attributes. Only a record's own
    # keys are read: ``[lipsum]|upcoming(today, "__globals__")`` finds nothing.
    if not isinstance(field, str):
        raise _ValueProblem(f"a field name should be text, got {_short(field)}")
    if isinstance(item, Mapping):
        return item.get(field)
    # Objects (library use): public attributes only, by the sandbox's own rules.
    try:
        value = getattr(item, field)
    except AttributeError:
        return None
    if field.startswith("_") or not _SAFETY.is_safe_attribute(item, field, value):
        raise jinja2.exceptions.SecurityError(
            f"access to attribute {field!r} of {type(item).__name__!r} object is unsafe."
        )
    return value


# Judges attribute access for the filters, as the page templates' sandbox does.
_SAFETY = jinja2.sandbox.ImmutableSandboxedEnvironment()


def _short(value: object) -> str:
    text = repr(value) if isinstance(value, str) else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def sort_fr(items: Iterable[Any], *fields: str, reverse: bool = False) -> list[Any]:
    """Sort in French order (:func:`~wikisync.core.french.sort_key_fr`); the ``sort_fr`` filter.

    Args:
        items: strings, or records when fields are given.
        *fields: sort records by the first of these fields that is not empty
            (``sort_fr("name", "title")``: by name, else by title).
        reverse: sort in reverse order.

    Returns:
        A new list; items without a value sort last.

    Example:
        >>> sort_fr(["étude", "Zèbre", "Eau", "abri"])
        ['abri', 'Eau', 'étude', 'Zèbre']
    """

    for field in fields:
        if not isinstance(field, str):
            raise _ValueProblem(f"a field name should be text, got {_short(field)}")

    def key(item: Any) -> tuple[bool, SortKey | None]:
        if not fields:
            return False, sort_key_fr(str(item))
        for field in fields:
            value = _get_field(item, field)
            if value not in (None, ""):
                return False, sort_key_fr(str(value))
        return True, None

    ordered = sorted(items, key=key)
    if reverse:
        valued = [item for item in ordered if not key(item)[0]]
        return valued[::-1] + [item for item in ordered if key(item)[0]]
    return ordered


# -- events ---------------------------------------------------------------------------


def _last_day(parsed: tuple[dt.date, str]) -> dt.date:
    date, precision = parsed
    if precision == "year":
        return dt.date(date.year, 12, 31)
    if precision == "month":
        following = dt.date(date.year + date.month // 12, date.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)
    return date


def _event_dates(record: Mapping[str, Any], start: str, end: str) -> tuple[dt.date, dt.date] | None:
    first = _require_date(record, start)
    if first is None:
        return None
    last = _require_date(record, end)
    return first[0], _last_day(last or first)


def _title_key(record: Mapping[str, Any]) -> SortKey:
    return sort_key_fr(str(_get_field(record, "title") or ""))


def upcoming(
    records: Iterable[Mapping[str, Any]],
    today: dt.date,
    start: str = "startDate",
    end: str = "endDate",
) -> list[Mapping[str, Any]]:
    """Events not over by ``today``, soonest first; the ``upcoming`` filter.

    An event is upcoming when its end date, or its start date when it has no
    end, is ``today`` or later. A month-precision date counts until the
    month's last day. Events without a start date are left to ``undated``.
    """
    dated = [(record, _event_dates(record, start, end)) for record in records]
    kept = [(record, dates) for record, dates in dated if dates and dates[1] >= today]
    kept.sort(key=lambda pair: (pair[1][0], _title_key(pair[0])))
    return [record for record, _ in kept]


def past(
    records: Iterable[Mapping[str, Any]],
    today: dt.date,
    start: str = "startDate",
    end: str = "endDate",
) -> list[Mapping[str, Any]]:
    """Events over before ``today``, latest first (ties by title); the ``past`` filter."""
    dated = [(record, _event_dates(record, start, end)) for record in records]
    kept = [(record, dates) for record, dates in dated if dates and dates[1] < today]
    kept.sort(key=lambda pair: _title_key(pair[0]))
    kept.sort(key=lambda pair: pair[1][0], reverse=True)
    return [record for record, _ in kept]


def undated(
    records: Iterable[Mapping[str, Any]], start: str = "startDate"
) -> list[Mapping[str, Any]]:
    """Records without a start date, by title; the ``undated`` filter."""
    kept = [record for record in records if _require_date(record, start) is None]
    return sorted(kept, key=_title_key)


def _group_by(
    records: Iterable[Mapping[str, Any]], field: str, bucket: Callable[[dt.date], Any]
) -> list[tuple[Any, list[Mapping[str, Any]]]]:
    groups: list[tuple[Any, list[Mapping[str, Any]]]] = []
    for record in records:
        parsed = _require_date(record, field)
        if parsed is None:
            title = _get_field(record, "title")
            raise _ValueProblem(f'record "{title}" has no {field}')
        key = bucket(parsed[0])
        if groups and groups[-1][0] == key:
            groups[-1][1].append(record)
        else:
            groups.append((key, [record]))
    return groups


def group_by_year(
    records: Iterable[Mapping[str, Any]], field: str = "startDate"
) -> list[tuple[int, list[Mapping[str, Any]]]]:
    """Runs of records with the same year, in the given order: ``[(2024, [...]), …]``."""
    return _group_by(records, field, lambda date: date.year)


def group_by_month(
    records: Iterable[Mapping[str, Any]], field: str = "startDate"
) -> list[tuple[dt.date, list[Mapping[str, Any]]]]:
    """Runs of records with the same month, in the given order.

    Each group's key is the month's first day, for ``month_fr``.
    """
    return _group_by(records, field, lambda date: date.replace(day=1))


# -- environment and rendering --------------------------------------------------------


class _TraversableLoader(jinja2.BaseLoader):
    """Load templates from an importlib.resources folder (works inside a zip too)."""

    def __init__(self, root: Traversable) -> None:
        self.root = root

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        path = self.root
        for part in template.split("/"):
            if part in ("", ".", ".."):
                raise jinja2.TemplateNotFound(template)
            path = path / part
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        return path.read_text(encoding="utf-8"), str(path), lambda: True

    def list_templates(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.name.endswith(TEMPLATE_SUFFIX))


def builtin_templates() -> Traversable:
    """The folder of the page templates shipped with wikisync.

    In a wheel the folder is ``wikisync/templates``; in a source checkout or
    an editable install it is ``templates/`` beside the package.
    """
    try:
        packaged = resources.files("wikisync") / "templates"
        if packaged.is_dir():
            return packaged
    except (FileNotFoundError, ModuleNotFoundError, NotADirectoryError):
        pass
    return Path(__file__).resolve().parent.parent.parent / "templates"


# -- limits of one render ---------------------------------------------------------------

#: Characters a render may print (MediaWiki's own page limit is 2 MiB).
MAX_OUTPUT_CHARS = 4_000_000
#: Characters (or items) of one string or list a template builds.
MAX_VALUE_CHARS = 2_000_000
#: Characters printed or built over one render, all values together.
MAX_WORK_CHARS = 50_000_000
#: Loop iterations plus calls (macros, methods, filters) of one render.
MAX_STEPS = 1_000_000
#: Nested calls (a macro calling itself).
MAX_DEPTH = 40
# A width or precision in a format string ("%999999999s", "{:>999999999}").
_BIG_WIDTH_RE = re.compile(r"\d{7,}")
# A width or precision given as an argument: "%*s", "%.*f", "{:{w}}", "{:>{0}}".
_DYNAMIC_WIDTH_RE = re.compile(r"%[-+ #0]*\*|%[-+ #0]*\d*\.\*|\{[^{}]*:[^{}]*\{")


class _LimitError(jinja2.TemplateRuntimeError):
    """A page template went past one of the limits of a render."""


class _Budget:
    """What one render has used so far."""

    __slots__ = ("depth", "steps", "work")

    def __init__(self) -> None:
        self.steps = 0
        self.work = 0
        self.depth = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _LimitError(f"more than {MAX_STEPS:,} loop steps and calls; stopped")

    def spend(self, size: int) -> None:
        if size > MAX_VALUE_CHARS:
            raise _LimitError(f"a value of more than {MAX_VALUE_CHARS:,} characters or items")
        self.work += size
        if self.work > MAX_WORK_CHARS:
            raise _LimitError(f"more than {MAX_WORK_CHARS:,} characters built; stopped")


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "wikisync_render_budget", default=None
)


def _budget() -> _Budget:
    budget = _BUDGET.get()
    if budget is None:
        # Outside a render (a template's module used directly): a fresh budget.
        budget = _Budget()
        _BUDGET.set(budget)
    return budget


def _size(value: object) -> int:
    if isinstance(value, str | list | tuple | dict | set | frozenset | bytes):
        return len(value)
    return 0


def _check_width(value: object) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_VALUE_CHARS:
        raise _LimitError(f"the number {value:.3g} is too large a width or count")


def _check_format(text: object, *args: object, **kwargs: object) -> None:
    if not isinstance(text, str):
        return
    if _BIG_WIDTH_RE.search(text):
        raise _LimitError("a format width or precision of 7 digits or more")
    if _DYNAMIC_WIDTH_RE.search(text):
        # A width taken from the arguments ("%*s", "{:{w}}"): no argument may be huge.
        values: list[object] = [*args, *kwargs.values()]
        for value in list(values):
            if isinstance(value, Mapping):
                values.extend(value.values())
            elif isinstance(value, list | tuple):
                values.extend(value)
        for value in values:
            _check_width(value)


def _check_replace(text: object, old: object, new: object, *rest: object) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        count = len(text) + 1 if not old else text.count(old)
        _budget().spend(len(text) + count * max(len(new) - len(old), 0))


def _check_indent(text: object, width: object = 4, *rest: object, **kwargs: object) -> None:
    _check_width(width)
    if isinstance(text, str):
        indent = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        _budget().spend(len(text) + (text.count("\n") + 1) * max(indent, 0))


def _check_widths(value: object, *args: object, **kwargs: object) -> None:
    for arg in (*args, *kwargs.values()):
        _check_width(arg)


def _check_format_call(value: object, *args: object, **kwargs: object) -> None:
    _check_format(value, *args, **kwargs)


# Checks made before a str method or filter that can build a large value runs.
_METHOD_CHECKS: dict[str, Callable[..., None]] = {
    "center": _check_widths,
    "ljust": _check_widths,
    "rjust": _check_widths,
    "zfill": _check_widths,
    "expandtabs": _check_widths,
    "replace": _check_replace,
    "format": _check_format_call,
    "format_map": _check_format_call,
}
_FILTER_CHECKS: dict[str, Callable[..., None]] = {
    "center": _check_widths,
    "indent": _check_indent,
    "batch": _check_widths,
    "slice": _check_widths,
    "wordwrap": _check_widths,
    "truncate": _check_widths,
    "replace": _check_replace,
    "format": _check_format_call,
    "lipsum": _check_widths,
}


def _budgeted_filter(name: str, run: Callable[..., Any]) -> Callable[..., Any]:
    check = _FILTER_CHECKS.get(name)

    @functools.wraps(run)
    def budgeted(*args: Any, **kwargs: Any) -> Any:
        budget = _budget()
        budget.step()
        if check is not None:
            # Filters that take the context or environment first: skip it.
            values = args[1:] if args and _passes_first(run) else args
            check(*values, **kwargs)
        result = run(*args, **kwargs)
        budget.spend(_size(result))
        return result

    return budgeted


def _passes_first(run: Callable[..., Any]) -> bool:
    return getattr(run, "jinja_pass_arg", None) is not None


def _count_steps(items: Any) -> Iterator[Any]:
    """The iterable of a ``{% for %}`` loop, counting its steps."""
    budget = _budget()
    for item in items:
        budget.step()
        yield item


def _sized(value: Any) -> Any:
    """The result of ``~`` (string concatenation), counted and bounded."""
    _budget().spend(_size(value))
    return value


class _PageSandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox with limits on work, size and depth.

    A page template is a file several people may edit: it gets no attribute
    beyond Jinja2's safe ones, and every loop step, call, operator that builds
    a string or list, and printed value is counted against the limits above.
    """

    intercepted_binops = frozenset({"*", "**", "%", "+", "//"})

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        budget = _budget()
        budget.step()
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if _size(seq) and isinstance(count, int):
                    budget.spend(_size(seq) * max(count, 0))
        elif operator == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and abs(left) > 1 and left.bit_length() * right > 64 * MAX_VALUE_CHARS:
                raise _LimitError(f"{left} ** {right} is too large a number")
        elif operator == "%":
            _check_format(left, right)
        result = super().call_binop(context, operator, left, right)
        budget.spend(_size(result))
        return result

    def call(
        __self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any
    ) -> Any:
        budget = _budget()
        budget.step()
        name = getattr(__obj, "__name__", "")
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str) and name in _METHOD_CHECKS:
            _METHOD_CHECKS[name](owner, *args, **kwargs)
        elif name == "format_map" or name == "format":
            # str.format and format_map come wrapped by the sandbox.
            wrapped = getattr(__obj, "__wrapped__", None)
            _check_format(getattr(wrapped, "__self__", None), *args, **kwargs)
        budget.depth += 1
        try:
            if budget.depth > MAX_DEPTH:
                raise _LimitError(
                    f"calls nested more than {MAX_DEPTH} deep (a macro calling itself?)"
                )
            result = super().call(__context, __obj, *args, **kwargs)
        finally:
            budget.depth -= 1
        budget.spend(_size(result))
        return result

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        # Every loop counts its steps; every "~" counts what it builds.
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(jinja2.nodes.For):
            loop.iter = jinja2.nodes.Filter(
                loop.iter, "_wikisync_steps", [], [], None, None, lineno=loop.lineno
            )
        for concat in list(tree.find_all(jinja2.nodes.Concat)):
            concat.nodes = [
                jinja2.nodes.Filter(
                    node, "_wikisync_sized", [], [], None, None, lineno=concat.lineno
                )
                for node in concat.nodes
            ]
        return tree


class _BudgetedTemplate(jinja2.Template):
    """A template whose ``render`` counts its work and bounds its output."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        token = _BUDGET.set(_Budget())
        try:
            pieces: list[str] = []
            size = 0
            for piece in self.generate(*args, **kwargs):
                size += len(piece)
                if size > MAX_OUTPUT_CHARS:
                    raise _LimitError(f"more than {MAX_OUTPUT_CHARS:,} characters of output")
                pieces.append(piece)
            return "".join(pieces)
        finally:
            _BUDGET.reset(token)


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    _check_widths(None, n * max)
    return str(jinja2.utils.generate_lorem_ipsum(n=n, html=html, min=min, max=max))


_FILTERS: dict[str, Callable[..., Any]] = {
    "wikitext": _filter_wikitext,
    "wikilink": make_wikilink,
    "join": _filter_join,
    "e": escape_wikitext,
    "escape": escape_wikitext,
    "date_fr": _date_filter(format_date_fr),
    "date_span_fr": _date_filter(format_date_span_fr),
    "month_fr": _date_filter(format_month_fr),
    "sort_fr": sort_fr,
    "upcoming": upcoming,
    "past": past,
    "undated": undated,
    "group_by_year": group_by_year,
    "group_by_month": group_by_month,
}


def make_environment(template_dirs: Sequence[str | Path] = ()) -> jinja2.Environment:
    """The Jinja2 environment for page templates: Jinja2's immutable sandbox.

    Page templates are user-supplied files, so they run in
    :class:`jinja2.sandbox.ImmutableSandboxedEnvironment`: no access to
    private or internal attributes (``''.__class__.__mro__``,
    ``func.__globals__``) and no method that changes a list, dict or set
    (``append``, ``update``, ``pop``); either fails the rendering with a
    :class:`~wikisync.core.errors.RenderError`. ``StrictUndefined``,
    ``autoescape=False`` (the output is wikitext, not HTML) with every
    printed value escaped by :func:`escape_wikitext`,
    ``keep_trailing_newline``, ``trim_blocks`` and ``lstrip_blocks``, and the
    filters of this module: ``wikitext`` (trusted wikitext, not escaped),
    ``wikilink``, ``join``, ``date_fr``, ``date_span_fr``, ``month_fr``,
    ``sort_fr``, ``upcoming``, ``past``, ``undated``, ``group_by_year``,
    ``group_by_month``. ``e``/``escape`` escape for wikitext instead of HTML.

    The filters read record fields by key only (an object's public
    attributes, by the sandbox's rules, in library use), never an attribute
    a template names. Every render is bounded: :data:`MAX_STEPS` loop steps
    and calls, :data:`MAX_DEPTH` nested calls, :data:`MAX_VALUE_CHARS` per
    string or list built, :data:`MAX_WORK_CHARS` built in all and
    :data:`MAX_OUTPUT_CHARS` printed; past a limit the render fails with a
    :class:`~wikisync.core.errors.RenderError` naming the template.

    Args:
        template_dirs: folders searched before the shipped templates.

    Returns:
        A new environment.
    """
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader([str(d) for d in template_dirs])]
    loaders.append(_TraversableLoader(builtin_templates()))
    environment = _PageSandbox(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    environment.template_class = _BudgetedTemplate
    environment.filters.update(_FILTERS)
    environment.filters = {
        name: _budgeted_filter(name, run) for name, run in environment.filters.items()
    }
    environment.filters["_wikisync_steps"] = _count_steps
    environment.filters["_wikisync_sized"] = _sized
    environment.globals["lipsum"] = _lipsum
    return environment


@lru_cache(maxsize=8)
def _cached_environment(template_dirs: tuple[str, ...]) -> jinja2.Environment:
    return make_environment(template_dirs)


def _template_line(exc: BaseException, filename: str | None) -> int | None:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.lineno
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if filename is not None and frame.filename == filename:
            line = frame.lineno
    return line


def render_index(
    records: Sequence[Mapping[str, Any]],
    page_template: str,
    *,
    today: dt.date,
    extra: Mapping[str, Any] | None = None,
    template_dirs: Sequence[str | Path] = (),
    problems: list[str] | None = None,
) -> str:
    """Render records into wikitext with a page template.

    A record value a template cannot use (a date that is no valid date) never
    stops the render: the record is placed as the template says for records
    without that value (the events template: "Date à préciser") and the
    problem is appended to ``problems`` (logged as a warning without it).

    The template sees ``records`` (a list of the record dicts, in the given
    order), ``today`` and each key of ``extra`` as a variable.

    Args:
        records: plain record dicts (``{"title": …, "startDate": …}``); a
            field a template reads must be present, ``None`` when empty.
        page_template: a template file name (``"events.wiki.j2"``); a name
            without suffix gets ``.wiki.j2`` (``"events"``).
        today: the date that splits upcoming from past events.
        extra: more variables for the template.
        template_dirs: folders searched before the shipped templates.
        problems: a list that receives one message per unusable value.

    Returns:
        The wikitext.

    Raises:
        RenderError: unknown template, syntax error, undefined variable or
            bad value, naming the template and line.
        ValueError: ``extra`` redefines ``records`` or ``today``.

    Example:
        >>> commun = {"title": "Covoiturage", "shortDescription": None, "Theme": ["Partage"]}
        >>> print(render_index([commun], "communs", today=dt.date(2024, 1, 1)))
        {| class="wikitable sortable"
        ! Commun !! Description !! Thèmes
        |-
        | [[Covoiturage]] ||  || Partage
        |}
        <BLANKLINE>
    """
    variables: dict[str, Any] = dict(extra or {})
    clash = {"records", "today"} & variables.keys()
    if clash:
        raise ValueError(f"extra may not redefine {', '.join(sorted(clash))}")
    if isinstance(today, dt.datetime):
        today = today.date()
    variables.update(records=list(records), today=today)
    token = _PROBLEMS.set(problems)
    try:
        return _render(page_template, variables, template_dirs)
    finally:
        _PROBLEMS.reset(token)


def _render(
    page_template: str, variables: dict[str, Any], template_dirs: Sequence[str | Path]
) -> str:
    name = page_template if page_template.endswith(".j2") else page_template + TEMPLATE_SUFFIX
    environment = _cached_environment(tuple(str(d) for d in template_dirs))
    filename: str | None = None
    try:
        template = environment.get_template(name)
        filename = template.filename
        return template.render(variables)
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f'Page template "{name}" not found') from exc
    except (
        jinja2.TemplateError,
        ValueError,
        TypeError,
        ArithmeticError,
        LookupError,
        RecursionError,
        MemoryError,
    ) as exc:
        line = _template_line(exc, filename)
        where = f'Page template "{name}"' + (f", line {line}" if line else "")
        message = exc.message if isinstance(exc, jinja2.TemplateError) else str(exc)
        raise RenderError(f"{where}: {message}") from exc
