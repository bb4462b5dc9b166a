"""The ``[jobs.*]`` tables of a configuration: what each index page lists, and how.

A job says which records to list (a record type), with which page template,
on which page and between which markers. Jobs live in ``wikisync.toml``::

    [jobs.events]
    type = "event"                 # record type ([types.event])
    page = "Evénements"            # the target page
    page_template = "events"       # a shipped template, or a file relative to
                                   # this configuration ("templates/agenda.wiki.j2")
    marker = "events"              # the section name (default: the job name)
    max_shrink = 0.5               # share of items the list may lose in one run
    summary = "Liste des événements mise à jour"   # default: the global summary
    create = false                 # create the page (markers included) when missing
    variables = { intro = "…" }    # more variables for the page template

Several jobs may name one page, each with its own marker. A job may write a
file instead of a page (:mod:`wikisync.ops.jobs.to_file`)::

    [jobs.agenda]
    type = "event"
    file = "public/agenda.ics"     # relative to this configuration
    format = "ics"                 # ics, json, jsonl, csv, geojson, sqlite, atom
                                   # (default: from the suffix), or a page_template instead

A job may write a whole page of data instead of a section: a map as a
GeoJSON page (the Maps extension's ``GeoJson:`` namespace) or a JSON page,
saved with that content model::

    [jobs.carte]
    type = "actor"
    page = "GeoJson:Partenaires"   # the whole page is the map
    format = "geojson"
    content_model = "GeoJSON"      # default: GeoJSON in the GeoJson: namespace, else json
    create = true                  # create the page when missing

A job may publish what changed in its records (:mod:`wikisync.ops.jobs.changes`):
as a feed (``format = "atom"``, ``entries = 50``) or to a webhook
(``notify = "https://…"``, or ``notify = { event = "https://…", "*" = "https://…" }``
to route by record type).

:func:`load_jobs` validates the tables, :func:`select_jobs` picks the jobs a
command names and :func:`render_job` gives a job's wikitext. Running jobs is
:mod:`wikisync.ops.jobs.run` (which re-exports these names).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wikisync.config import Config
from wikisync.core.config_tables import in_file, tables_file, toml_key
from wikisync.core.errors import ConfigError
from wikisync.core.names import did_you_mean
from wikisync.core.records import RecordSet
from wikisync.core.render import TEMPLATE_SUFFIX
from wikisync.core.said import said
from wikisync.core.sections import DEFAULT_MAX_SHRINK, make_section
from wikisync.core.templating import render_index
from wikisync.ops.quality.check import summarize
from wikisync.webhook import register_webhook

__all__ = ["RESERVED_VARIABLES", "Job", "config_jobs", "load_jobs", "render_job", "select_jobs"]

_KEYS = frozenset(
    {
        "type",
        "page",
        "page_template",
        "marker",
        "max_shrink",
        "summary",
        "create",
        "variables",
        "description",
        "file",
        "format",
        "content_model",
        "notify",
        "entries",
    }
)
#: Keys of a job that writes a page, which a job writing a file may not have.
_PAGE_KEYS = ("page", "marker", "max_shrink", "summary", "create")
#: The formats a job may write a whole page in (its content model by default).
PAGE_FORMATS = ("geojson",)
#: Content models a whole-page job may save with: MediaWiki's JSON, the Maps extension's GeoJSON.
CONTENT_MODELS = ("json", "GeoJSON")
#: The formats a job may write a file in, and the file suffixes that imply them.
FILE_FORMATS = {
    ".ics": "ics",
    ".json": "json",
    ".jsonl": "jsonl",
    ".csv": "csv",
    ".geojson": "geojson",
    ".db": "sqlite",
    ".sqlite": "sqlite",
    ".atom": "atom",
    ".xml": "atom",
}
#: Entries an Atom feed of changes keeps by default.
DEFAULT_FEED_ENTRIES = 50
#: The ``notify`` route that takes the changes of the types no other route names.
ANY_TYPE = "*"


@dataclass(frozen=True, slots=True)
class Job:
    """One index page to keep up to date.

    Attributes:
        name: the job's name (its ``[jobs.NAME]`` table).
        type: the record type listed (the first, when the job lists several).
        page: the target page's title.
        page_template: the page template's name (``"events.wiki.j2"``).
        template_dirs: folders searched for it before the shipped templates.
        marker: the section name on the page.
        max_shrink: the share of items the list may lose in one run.
        summary: the edit summary, or None for the configuration's.
        create: create the page (with its markers) when it does not exist.
        variables: extra variables for the page template.
        description: what the job is for, for people.
        types: every record type listed, ``type`` first.
        file: for a job that writes a file instead of a page: its path
            (relative paths against the configuration's folder); ``page`` is
            then ``""``.
        format: the file's format (``ics``, ``json``, ``jsonl``, ``csv``,
            ``geojson``, ``sqlite``, or ``atom``: a feed of the records' changes), or
            for a job that writes a whole page, the page's (``geojson``), or ``""``
            when the file is the page template's output.
        notify: webhooks the job posts its record changes to: (record type or
            ``*`` for any other, URL) pairs (:mod:`wikisync.ops.jobs.changes`).
        entries: the entries an ``atom`` feed keeps (the newest).
    """

    name: str
    type: str
    page: str
    page_template: str
    template_dirs: tuple[str, ...] = ()
    marker: str = ""
    max_shrink: float = DEFAULT_MAX_SHRINK
    summary: str | None = None
    create: bool = False
    variables: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    types: tuple[str, ...] = ()
    file: str = ""
    format: str = ""
    content_model: str = ""
    notify: tuple[tuple[str, str], ...] = ()
    entries: int = DEFAULT_FEED_ENTRIES

    @property
    def publishes(self) -> bool:
        """True when the job publishes its records' changes (a feed, a webhook)."""
        return self.format == "atom" or bool(self.notify)

    @property
    def record_types(self) -> tuple[str, ...]:
        """The record types the job reads, in order."""
        return self.types or (self.type,)


#: Variables every page template gets, which ``variables`` may not redefine.
RESERVED_VARIABLES = frozenset({"records", "today", "problems", "quality"})


def load_jobs(tables: Mapping[str, Any], *, base_dir: Path | None = None) -> dict[str, Job]:
    """Validate the ``[jobs.*]`` tables of a configuration.

    Args:
        tables: ``Config.jobs``.
        base_dir: the configuration file's folder, against which a
            ``page_template`` path is resolved (default: the current folder).

    Returns:
        The jobs by name, in the file's order.

    Raises:
        ConfigError: an unknown key, a missing or mistyped value.
    """
    base = base_dir or Path.cwd()
    jobs: dict[str, Job] = {}
    try:
        for name, table in tables.items():
            jobs[name] = _load_job(name, table, base)
    except ConfigError as exc:
        raise in_file(exc, tables_file(tables)) from None
    return jobs


def _load_job(name: str, table: Any, base: Path) -> Job:
    where = f"jobs.{toml_key(name)}"

    def fail(key: str | tuple[str, ...], problem: str) -> ConfigError:
        parts = key if isinstance(key, tuple) else (key,) if key else ()
        path = ".".join([where, *(toml_key(part) for part in parts)])
        return ConfigError(said("%(key)s: %(problem)s", key=path, problem=problem), key=path)

    if not isinstance(table, Mapping):
        raise fail("", said("should be a table"))
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise fail(
            unknown[0],
            said(
                "unknown key%(hint)s (known: %(known)s)",
                hint=did_you_mean(unknown[0], _KEYS),
                known=", ".join(sorted(_KEYS)),
            ),
        )

    def text(key: str, default: str | None = None) -> str:
        value = table.get(key, default)
        if value is None:
            raise fail(key, said("required"))
        if not isinstance(value, str) or not value.strip():
            raise fail(key, said("should be a non-empty string, got %(value)r", value=value))
        return value.strip()

    marker = text("marker", name)
    try:
        make_section(marker, "")  # sections.py holds the one rule for section names
    except ValueError:
        raise fail(
            "marker",
            said("marker %(marker)r should be letters, digits, '.', '_' or '-'", marker=marker),
        ) from None
    max_shrink = table.get("max_shrink", DEFAULT_MAX_SHRINK)
    if (
        isinstance(max_shrink, bool)
        or not isinstance(max_shrink, int | float)
        or not 0 <= max_shrink <= 1
    ):
        raise fail(
            "max_shrink", said("should be a number from 0 to 1, got %(value)r", value=max_shrink)
        )
    create = table.get("create", False)
    if not isinstance(create, bool):
        raise fail("create", said("should be true or false, got %(value)r", value=create))
    variables = table.get("variables", {})
    if not isinstance(variables, Mapping):
        raise fail("variables", said("should be a table"))
    clash = RESERVED_VARIABLES & set(variables)
    if clash:
        raise fail("variables", said("may not redefine %(names)s", names=", ".join(sorted(clash))))
    summary = table.get("summary")
    if summary is not None and not isinstance(summary, str):
        raise fail("summary", said("should be a string, got %(value)r", value=summary))
    description = table.get("description", "")
    if not isinstance(description, str):
        raise fail("description", said("should be a string, got %(value)r", value=description))
    if "file" not in table and "format" in table:
        return _data_page_job(name, table, text, fail, description)
    if "content_model" in table:
        raise fail(
            "content_model",
            'only a job that writes a whole page (format = "geojson") takes a content model',
        )
    file, file_format = _file_of(table, base, text, fail)
    page_template: str = ""
    template_dirs: tuple[str, ...] = ()
    if not file_format:
        page_template, template_dirs = _resolve_template(text("page_template"), base)
    types = _types(table.get("type"), fail)
    if file_format == "ics" and len(types) > 1:
        raise fail("type", said("a calendar (format ics) is made from one record type"))
    if file_format == "geojson" and len(types) > 1:
        raise fail("type", said("a map (format geojson) is made from one record type"))
    notify = _notify(table.get("notify"), types, fail)
    entries = table.get("entries", DEFAULT_FEED_ENTRIES)
    if "entries" in table and file_format != "atom":
        raise fail("entries", 'only a feed (format = "atom") keeps entries')
    if isinstance(entries, bool) or not isinstance(entries, int) or not 1 <= entries <= 10_000:
        raise fail("entries", f"should be a whole number from 1 to 10000, got {entries!r}")
    return Job(
        name=name,
        type=types[0],
        types=types if len(types) > 1 else (),
        page="" if file else text("page"),
        file=file,
        format=file_format,
        page_template=page_template,
        template_dirs=template_dirs,
        marker=marker,
        max_shrink=float(max_shrink),
        summary=summary,
        create=create,
        variables=dict(variables),
        description=description,
        notify=notify,
        entries=entries,
    )


def _data_page_job(
    name: str,
    table: Mapping[str, Any],
    text: Callable[..., str],
    fail: Callable[[str, str], ConfigError],
    description: str,
) -> Job:
    # A job whose page is all data: a map as a GeoJSON (or JSON) page.
    fmt = text("format")
    if fmt not in PAGE_FORMATS:
        raise fail(
            "format",
            f"a job that writes a page takes format = {' or '.join(PAGE_FORMATS)} (a whole "
            f"page of data), or a page_template for a section; got {fmt!r} "
            '(for a file, give file = "…")',
        )
    for key in ("page_template", "marker", "variables"):
        if key in table:
            raise fail(key, f"a job that writes a whole page (format = {fmt!r}) has no {key}")
    page = text("page")
    model = table.get("content_model")
    if model is None:
        model = "GeoJSON" if page.partition(":")[0].strip().casefold() == "geojson" else "json"
    if model not in CONTENT_MODELS:
        raise fail("content_model", f"should be one of {', '.join(CONTENT_MODELS)}, got {model!r}")
    types = _types(table.get("type"), fail)
    if len(types) > 1:
        raise fail("type", "a map (format geojson) is made from one record type")
    create = table.get("create", False)
    if not isinstance(create, bool):
        raise fail("create", f"should be true or false, got {create!r}")
    summary = table.get("summary")
    if summary is not None and not isinstance(summary, str):
        raise fail("summary", f"should be a string, got {summary!r}")
    max_shrink = table.get("max_shrink", DEFAULT_MAX_SHRINK)
    if (
        isinstance(max_shrink, bool)
        or not isinstance(max_shrink, int | float)
        or not 0 <= max_shrink <= 1
    ):
        raise fail("max_shrink", f"should be a number from 0 to 1, got {max_shrink!r}")
    return Job(
        name=name,
        type=types[0],
        page=page,
        page_template="",
        marker=name,
        max_shrink=float(max_shrink),
        summary=summary,
        create=create,
        description=description,
        format=fmt,
        content_model=model,
    )


def _notify(
    value: Any, types: tuple[str, ...], fail: Callable[[str | tuple[str, ...], str], ConfigError]
) -> tuple[tuple[str, str], ...]:
    # "https://…", or a table routing record types (or "*") to URLs.
    if value is None:
        return ()
    routes = {ANY_TYPE: value} if isinstance(value, str) else value
    if not isinstance(routes, Mapping) or not routes:
        raise fail("notify", "should be a webhook URL, or a table of record type = URL")
    found: list[tuple[str, str]] = []
    for name, url in routes.items():
        key: str | tuple[str, ...] = "notify" if isinstance(value, str) else ("notify", name)
        if name != ANY_TYPE and name not in types:
            known = ", ".join([*types, ANY_TYPE])
            raise fail(key, f"the job lists no type {name!r} (its types: {known})")
        if not isinstance(url, str) or not url.strip().lower().startswith(("https://", "http://")):
            raise fail(key, "should be a webhook's http(s) URL")
        register_webhook(url.strip())  # its secret part never reaches a message or a log
        found.append((name, url.strip()))
    return tuple(found)


def _file_of(
    table: Mapping[str, Any],
    base: Path,
    text: Callable[[str], str],
    fail: Callable[[str, str], ConfigError],
) -> tuple[str, str]:
    # A job that writes a file: its path and format (none: the page template's text).
    if "file" not in table:
        if "format" in table:
            raise fail("format", said('only a job that writes a file (file = "…") takes a format'))
        return "", ""
    for key in _PAGE_KEYS:
        if key in table:
            raise fail(
                key, said("only a job that writes a page takes it, not one that writes a file")
            )
    path = Path(text("file")).expanduser()
    file = str(path if path.is_absolute() else base / path)
    if "format" in table:
        fmt = text("format")
        if fmt not in FILE_FORMATS.values():
            known = ", ".join(dict.fromkeys(FILE_FORMATS.values()))
            raise fail(
                "format", said("should be one of %(known)s, got %(value)r", known=known, value=fmt)
            )
        if "page_template" in table:
            raise fail("page_template", said("give 'format' or 'page_template', not both"))
        return file, fmt
    if "page_template" in table:
        return file, ""
    fmt = FILE_FORMATS.get(path.suffix.lower(), "")
    if not fmt:
        raise fail(
            "format",
            said(
                'say what to write in %(file)s: format = "ics" (or json, jsonl, csv, '
                "geojson, sqlite, atom), or a page_template",
                file=path.name,
            ),
        )
    return file, fmt


def _types(value: Any, fail: Callable[[str, str], ConfigError]) -> tuple[str, ...]:
    # "event", or ["event", "actor"]: the record types a job reads.
    if value is None:
        raise fail("type", said("required (the record type the job lists)"))
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) and item.strip() for item in items):
        raise fail(
            "type",
            said(
                "should be a record type's name or a non-empty list of them, got %(value)r",
                value=value,
            ),
        )
    return tuple(dict.fromkeys(item.strip() for item in items))


def _resolve_template(value: str, base: Path) -> tuple[str, tuple[str, ...]]:
    # A path to a file (relative to the configuration) or a shipped template's name.
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = base / path
    if path.is_file():
        return path.name, (str(path.parent),)
    name = value if value.endswith(".j2") else value + TEMPLATE_SUFFIX
    return name, ()


def select_jobs(jobs: Mapping[str, Job], names: Sequence[str] = ()) -> list[Job]:
    """The jobs named (all of them, in order, when none is).

    Raises:
        ConfigError: a name is no job, or there are no jobs at all.
    """
    if not jobs:
        raise ConfigError(
            "no jobs configured: add [jobs.NAME] tables to wikisync.toml "
            "(wikisync init writes the FabMob preset's)",
            key="jobs",
        )
    unknown = [name for name in names if name not in jobs]
    if unknown:
        raise ConfigError(
            said(
                "unknown job '%(name)s'%(hint)s (known: %(known)s)",
                name=unknown[0],
                hint=did_you_mean(unknown[0], jobs, quote="'"),
                known=", ".join(jobs),
            ),
            key=f"jobs.{unknown[0]}",
        )
    return [jobs[name] for name in dict.fromkeys(names)] if names else list(jobs.values())


def config_jobs(config: Config) -> dict[str, Job]:
    """The jobs of a configuration, template paths resolved against its file.

    Raises:
        ConfigError: a bad job table, or a job whose ``type`` names no record
            type of the configuration; the message names the file and the key
            path (``wikisync.toml: jobs.events.type: no type "evnts"; did you
            mean "event"?``).
    """
    jobs = load_jobs(config.jobs, base_dir=config.path.parent if config.path else None)
    for job in jobs.values():
        table = config.types.get(job.type)
        if job.format == "geojson" and isinstance(table, Mapping):
            fields = table.get("fields")
            kinds = [
                field if isinstance(field, str) else field.get("type")
                for field in (fields.values() if isinstance(fields, Mapping) else ())
                if isinstance(field, str | Mapping)
            ]
            if "coord" not in kinds:
                key = f"jobs.{toml_key(job.name)}.type"
                error = ConfigError(
                    f'{key}: type "{job.type}" has no coord field to place its records on '
                    'a map (give one type = "coord")',
                    key=key,
                )
                raise in_file(error, tables_file(config.jobs))
        for name in job.record_types:
            if name not in config.types:
                key = f"jobs.{toml_key(job.name)}.type"
                known = ", ".join(config.types) or said("none")
                error = ConfigError(
                    said(
                        '%(key)s: no type "%(name)s"%(hint)s (types: %(known)s)',
                        key=key,
                        name=name,
                        hint=did_you_mean(name, config.types),
                        known=known,
                    ),
                    key=key,
                )
                raise in_file(error, tables_file(config.jobs))
    return jobs


def render_job(job: Job, records: RecordSet | Sequence[RecordSet], *, today: dt.date) -> str:
    """The generated wikitext of a job: its records through its page template.

    The template sees ``records`` (the record dicts of every set, in order),
    ``today``, ``problems`` (every record problem as a dict: type, title,
    field, value, expected, message), ``quality`` (one summary per record
    type: name, pages, records, problem_count, page_problems, fields with
    their filled and problems counts, problems) and the job's ``variables``.

    Args:
        job: the job.
        records: the records of the job's type, or one set per type.
        today: the date splitting upcoming from past events.

    Raises:
        RenderError: the template failed (unknown, syntax, bad value).
    """
    sets = [records] if isinstance(records, RecordSet) else list(records)
    quality = [summarize(found) for found in sets]
    extra = dict(job.variables)
    extra["quality"] = [item.to_dict() for item in quality]
    extra["problems"] = [problem.to_dict() for item in quality for problem in item.problems]
    return render_index(
        [record.to_dict() for found in sets for record in found.records],
        job.page_template,
        today=today,
        extra=extra,
        template_dirs=job.template_dirs,
    )
