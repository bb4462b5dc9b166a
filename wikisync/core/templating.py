"""Page templates run: the Jinja2 sandbox, its limits, and rendering.

The pure parts of index pages (escaping, filters, the shipped templates'
folder) are in :mod:`wikisync.core.render`; this module holds what needs
Jinja2, and is loaded at the first render (``import wikisync.core.render``
loads no Jinja2). Page templates are user-supplied files: they run in an
immutable sandbox whose every render is bounded (steps, nesting, sizes).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import re
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import jinja2
import jinja2.exceptions
import jinja2.sandbox

from wikisync.core.errors import RenderError
from wikisync.core.render import (
    _FILTERS,
    _PROBLEMS,
    TEMPLATE_SUFFIX,
    builtin_templates,
    escape_wikitext,
)

__all__ = ["MAX_DEPTH", "MAX_OUTPUT_CHARS", "MAX_STEPS", "make_environment", "render_index"]


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


def _finalize(value: object) -> str:
    # Every {{ … }} goes through here: escaped unless trusted Wikitext, and
    # counted against the render's limits.
    text = escape_wikitext(value)
    budget = _BUDGET.get()
    if budget is not None:
        budget.spend(len(text))
    return text


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
