"""Pages made from records: a new page from its type's skeleton and checked values.

:func:`new_page` creates one page of a record type (``wikisync new``);
:mod:`wikisync.ops.spreadsheet` uses :func:`new_page_text` for the CSV rows that
have a title and no revision. The page is made in two steps, so that no
value can break it:

1. the type's **page skeleton** is rendered: a Jinja2 file
   ``new/TYPE.wiki.j2`` (else ``new/default.wiki.j2``), searched in the
   configured template folders, then among the shipped templates. It holds
   the infobox with the schema's parameters in order, left empty, and the
   type's categories;
2. the values are written into the infobox the way ``wikisync set`` writes
   them (:func:`~wikisync.core.edits.set_params`: NFC, MediaWiki's trimming, a
   re-parse of the result), after each was checked against its field
   (:func:`~wikisync.core.fields.checks.check_field_value`): a value holding ``|``,
   ``}}``, an unclosed comment or tag is refused unless ``trusted``.

The text is then read back with :func:`~wikisync.core.records.parse_page`: it
must give exactly one record holding the checked values. The page is saved
with no base revision, i.e. ``createonly`` on a live wiki and a new file in
a mirror, so an existing page is never replaced: it is refused (exit code 3).
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from wikisync.core.edits import EditError, set_params
from wikisync.core.errors import PublishError, RenderError
from wikisync.core.fields.checks import FieldValueError, check_field_value, field_spec
from wikisync.core.fields.values import FieldValue
from wikisync.core.pages import CATEGORY_NS, PageText
from wikisync.core.records import parse_page
from wikisync.core.said import said
from wikisync.core.schema import RecordType
from wikisync.core.templating import make_environment
from wikisync.i18n import gettext
from wikisync.ops.publish import Target, publish_page
from wikisync.ports.outcome import (
    Outcome,
    ReportEntry,
    count_outcomes,
    fields_dict,
    report_fields,
)
from wikisync.ports.source import Source, requests_sent

__all__ = [
    "NewPageResult",
    "check_new_values",
    "new_page",
    "new_page_text",
    "render_skeleton",
]

#: Where page skeletons live among the page templates.
SKELETON_FOLDER = "new"
_SKELETON_SUFFIX = ".wiki.j2"
# Characters MediaWiki never allows in a title.
_BAD_TITLE_CHARS = frozenset("#<>[]|{}")


# What MediaWiki refuses in a title besides those characters (Title::newFromText):
# controls, U+FFFD, percent-encoding, "~~~", relative paths.
_BAD_TITLE_RE = re.compile(r"[\x00-\x1f\x7f\ufffd]|%[0-9A-Fa-f]{2}|~{3}")
_RELATIVE_RE = re.compile(r"^\.\.?(?:/|$)|/\.\.?(?:/|$)")
#: MediaWiki's longest title, in UTF-8 bytes.
MAX_TITLE_BYTES = 255


def _shown(title: str) -> str:
    # Quoted, with controls and lone surrogates written as escapes (one line, printable).
    text = title.encode("utf-8", "backslashreplace").decode("utf-8")
    return '"' + re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", text) + '"'


def _checked_title(title: str) -> str:
    """A title given by a user, before normalising: text that can be one."""
    name = title.strip()
    why = ""
    if not name:
        why = "empty"
    elif _BAD_TITLE_CHARS & set(name):
        why = "it holds one of # < > [ ] | { }"
    else:
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            why = "it holds a lone surrogate, which is not text"
    if why:
        raise FieldValueError(
            f"{_shown(title)} is not a page title ({why})",
            field="title",
            value=_shown(title),
            expected="a page title",
        )
    return name


def _title_problem(name: str, rest: str) -> str:
    """Why MediaWiki would refuse a normalised title, or ``""``."""
    if not rest:
        return "no name after the namespace" if name else "empty"
    found = _BAD_TITLE_RE.search(name)
    if found:
        return f"it holds {found.group()!r}"
    if _RELATIVE_RE.search(rest):
        return "a relative path such as ./ or ../"
    if len(name.encode("utf-8")) > MAX_TITLE_BYTES:
        return f"longer than {MAX_TITLE_BYTES} bytes"
    return ""


@dataclass(frozen=True, slots=True)
class NewPageResult:
    """What :func:`new_page` did.

    Attributes:
        title: the page (normalised).
        status: ``created``; ``planned`` (dry run); ``refused`` (the page
            exists, or was created by someone else meanwhile: nothing was
            overwritten).
        text: the page's text as made from the skeleton.
        revid: the new revision on a live wiki (0 in a mirror), else None.
        message: why it was refused, else ``""``.
        dry_run: True when nothing was to be saved.
        seconds: wall time.
        requests: HTTP requests the wiki connection has sent (None for a folder).
    """

    title: str
    status: Outcome
    text: str
    revid: int | None = None
    message: str = ""
    dry_run: bool = False
    seconds: float = 0.0
    requests: int | None = None

    def page_outcomes(self) -> tuple[ReportEntry, ...]:
        """The page's outcome, the one entry of the run."""
        return (ReportEntry(self.title, self.status, self.message, self.revid),)

    def outcomes(self) -> tuple[Outcome, ...]:
        """The page's status, as the one outcome of the run."""
        return (self.status,)

    def counts(self) -> dict[str, int]:
        """One page, with its status."""
        return count_outcomes(self.outcomes())

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON data (docs/commands.md, "Run reports")."""
        return {
            **report_fields(
                self,
                operation="new",
                dry_run=self.dry_run,
                seconds=self.seconds,
                requests=self.requests,
            ),
            **fields_dict(self, leave_out=("dry_run", "seconds", "requests")),
        }


def check_new_values(
    record_type: RecordType, values: Mapping[str, str], *, trusted: bool = False
) -> dict[str, FieldValue]:
    """Check the values of a new page against the schema, before anything is read.

    Every name must be a field of the type, every value must fit its field
    (and not break the infobox, unless ``trusted``), and every required field
    without a default must be given a value.

    Returns:
        The typed value of each field given (blank values left out).

    Raises:
        FieldValueError: an unknown field, a bad value or a missing required one.

    Example:
        >>> check_new_values(event, {"startDate": "1er mai 2026"})["startDate"].iso()
        '2026-05-01'
    """
    typed: dict[str, FieldValue] = {}
    for name, value in values.items():
        spec = field_spec(record_type, name)
        checked = check_field_value(spec, value, trusted=trusted)
        if checked is not None:
            typed[name] = checked
    for spec in record_type.fields:
        if spec.required and spec.default is None and spec.name not in typed:
            raise FieldValueError(
                said(
                    'field "%(field)s" is required: give it a value (%(field)s=…)',
                    field=spec.name,
                ),
                field=spec.name,
                value="",
                expected="a value",
            )
    return typed


@functools.lru_cache(maxsize=8)
def _environment(template_dirs: tuple[str, ...]) -> jinja2.Environment:
    return make_environment(template_dirs)


def render_skeleton(
    record_type: RecordType,
    title: str,
    *,
    category_ns: str = "Catégorie",
    template_dirs: Sequence[str | Path] = (),
) -> str:
    """Render the type's page skeleton, its parameters empty.

    Args:
        record_type: the type; its skeleton is ``new/NAME.wiki.j2``, else
            ``new/default.wiki.j2``.
        title: the new page's title (a variable of the skeleton).
        category_ns: the local name of the category namespace.
        template_dirs: folders searched before the shipped templates.

    Returns:
        The wikitext.

    Raises:
        RenderError: the skeleton fails, or holds no (or several)
            infoboxes of the type.
    """
    environment = _environment(tuple(str(d) for d in template_dirs))
    names = [
        f"{SKELETON_FOLDER}/{record_type.name}{_SKELETON_SUFFIX}",
        f"{SKELETON_FOLDER}/default{_SKELETON_SUFFIX}",
    ]
    fields = [
        {
            "name": spec.name,
            "param": spec.params[0],
            "type": spec.type,
            "required": spec.required,
            "description": spec.description,
        }
        for spec in record_type.fields
    ]
    variables = {
        "title": title,
        "type": record_type.name,
        "infobox": record_type.templates[0],
        "params": [spec.params[0] for spec in record_type.fields],
        "fields": fields,
        "categories": [f"{category_ns}:{name}" for name in record_type.categories],
    }
    try:
        page_template = environment.select_template(names)
        text = page_template.render(variables)
    except jinja2.TemplatesNotFound as exc:
        raise RenderError(f'No page skeleton for "{record_type.name}": {names[0]}') from exc
    except (jinja2.TemplateError, ValueError, TypeError) as exc:
        message = exc.message if isinstance(exc, jinja2.TemplateError) else str(exc)
        raise RenderError(f"Page skeleton of {record_type.name}: {message}") from exc
    count = len(parse_page(PageText(title, text), record_type).records)
    if count != 1:
        raise RenderError(
            f'Page skeleton of "{record_type.name}" should hold one '
            f"{{{{{record_type.templates[0]}}}}} infobox, it holds {count}"
        )
    return text


def new_page_text(
    record_type: RecordType,
    title: str,
    values: Mapping[str, str],
    *,
    trusted: bool = False,
    category_ns: str = "Catégorie",
    template_dirs: Sequence[str | Path] = (),
) -> str:
    """The text of a new page: the skeleton with the checked values filled in.

    Args:
        record_type: the page's type.
        title: the page.
        values: field name → value (wikitext as in ``wikisync set``).
        trusted: values may hold templates (wikitext on purpose).
        category_ns: the local name of the category namespace.
        template_dirs: folders searched for skeletons before the shipped ones.

    Returns:
        The wikitext; read back, it gives one record holding the values.

    Raises:
        FieldValueError: a value does not fit (see :func:`check_new_values`).
        RenderError: the skeleton fails.

    Example:
        >>> print(new_page_text(event, "Atelier", {"startDate": "2026-05-01"}))
        {{Event
        |startDate=2026-05-01
        ...
    """
    typed = check_new_values(record_type, values, trusted=trusted)
    text = render_skeleton(record_type, title, category_ns=category_ns, template_dirs=template_dirs)
    specs = {spec.name: spec for spec in record_type.fields}
    # every value given is written (a template's plain text may be empty)
    wanted = {specs[name].params[0]: value for name, value in values.items() if value.strip()}
    if wanted:
        try:
            text = set_params(
                text, record_type.templates, wanted, index=0, trusted=trusted, title=title
            ).wikitext
        except EditError as exc:
            raise FieldValueError(
                str(exc), field="", value="", expected="a value that keeps the infobox"
            ) from None
    _check_read_back(record_type, title, text, typed)
    return text


def _check_read_back(
    record_type: RecordType, title: str, text: str, typed: Mapping[str, FieldValue]
) -> None:
    # The promise, checked on the result: one record, holding the values given.
    found = parse_page(PageText(title, text), record_type)
    record = found.records[0] if len(found.records) == 1 else None
    wrong = (
        [name for name, value in typed.items() if record.fields.get(name) != value]
        if record is not None
        else list(typed)
    )
    if record is None or wrong:
        raise RenderError(
            f'Page "{title}": the page made from the skeleton does not read back as the '
            f"values given ({', '.join(wrong) or 'no single infobox'}); check the skeleton "
            f"new/{record_type.name}{_SKELETON_SUFFIX}"
        )


def new_page(
    source: Source,
    target: Target | None,
    record_type: RecordType,
    title: str,
    values: Mapping[str, str],
    *,
    summary: str | None = None,
    dry_run: bool = False,
    trusted: bool = False,
    template_dirs: Sequence[str | Path] = (),
) -> NewPageResult:
    """Create a page of a record type from its skeleton; never replace one.

    Args:
        source: where the page is looked for (a live wiki or a mirror).
        target: where it is saved (:func:`~wikisync.ops.publish.open_target`);
            None only with ``dry_run``.
        record_type: the page's type.
        title: the new page's title.
        values: field name → value.
        summary: the edit summary (default: says which type).
        dry_run: make the text and check that the page does not exist; save nothing.
        trusted: values may hold templates (wikitext on purpose).
        template_dirs: folders searched for skeletons before the shipped ones.

    Returns:
        The result; ``refused`` (exit code 3) when the page exists.

    Raises:
        FieldValueError: a bad value, field or title (nothing was read).
        RenderError: the skeleton fails.
        WikisyncError: the wiki cannot be reached.

    Example:
        >>> result = new_page(source, open_target(source), event, "Atelier vélo 2026",
        ...                   {"startDate": "2026-05-01", "place": "Nantes"})
        >>> result.status
        'created'
    """
    clock = time.perf_counter()
    name = source.namespaces.normalize(_checked_title(title))
    why = _title_problem(name, source.namespaces.split(name)[1])
    if why:
        raise FieldValueError(
            f"{_shown(title)} is not a page title ({why})",
            field="title",
            value=_shown(title),
            expected="a page title",
        )
    category = source.namespaces.by_id.get(CATEGORY_NS)
    text = new_page_text(
        record_type,
        name,
        values,
        trusted=trusted,
        category_ns=category.name if category is not None else "Catégorie",
        template_dirs=template_dirs,
    )

    def make(current: PageText | None) -> str:
        if current is not None:
            raise PublishError(
                said(
                    'Page "%(title)s" exists already in %(location)s; it was not replaced '
                    "(edit it with 'wikisync set' or the wiki's edit form)",
                    title=name,
                    location=source.location,
                ),
                title=name,
            )
        return text

    result = publish_page(
        source,
        target,
        name,
        make,
        summary=summary or gettext("wikisync: new page (%(type)s)") % {"type": record_type.name},
        dry_run=dry_run,
    )
    return NewPageResult(
        name,
        result.status,
        text,
        result.revid,
        result.message,
        dry_run=dry_run,
        seconds=time.perf_counter() - clock,
        requests=requests_sent(source),
    )
