"""wikisync: keep a MediaWiki wiki's structured content and index pages in order.

A library first (``import wikisync``) with a command line as a thin shell.
Open any source of pages (a live wiki, a local mirror folder, an XML dump)
with :func:`open_source` and read :class:`PageText` from it; rebuild index
pages with :func:`rebuild_jobs` (or :func:`plan_jobs` and
:func:`apply_changeset`), saving through :func:`open_target`; edit template
fields in batches with :func:`set_fields`, :func:`rename_template_param` and
:func:`remove_template_param`, or through a spreadsheet with
:func:`export_records` and :func:`import_records`; create record pages from
their type's skeleton with :func:`new_page`; see where the data stands with
:func:`check_types` and :func:`render_quality_html`; read records with
:func:`collect_records` (as a calendar: :func:`read_calendar`; as a map: :func:`read_geojson`) and a
category's pages with :func:`category_pages`; sync a mirror folder with
:func:`pull`, :func:`mirror_status` and :func:`push`. Each command of the
command line is one of these calls (docs/library.md).
"""

from __future__ import annotations

import importlib

from wikisync.__about__ import __version__

# Not typing.TYPE_CHECKING: the program's start (wikisync/__main__.py, which catches
# Ctrl-C from its first line) should import as little as possible before it. Mypy
# treats this name as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from wikisync.config import Config, load_config
    from wikisync.core.errors import (
        ConfigError,
        EditConflictError,
        FieldValueError,
        LockError,
        LoginError,
        MissingPageError,
        PageDeletedError,
        PageMovedError,
        PublishError,
        RecordError,
        RenderError,
        SectionError,
        SiteError,
        SourceError,
        SpreadsheetError,
        UnsafePathError,
        ValueFormatError,
        WikisyncError,
    )
    from wikisync.core.fields.list_items import ItemEdit
    from wikisync.core.pages import Namespaces, PageText, normalize_title
    from wikisync.core.replace import ReplaceError, compile_replace, replace_text
    from wikisync.core.selection import Selection, SelectionError
    from wikisync.core.templating import render_index
    from wikisync.ops.batch.params import remove_template_param, rename_template_param
    from wikisync.ops.batch.replace import replace_in_pages
    from wikisync.ops.batch.report import BatchReport, PageReport
    from wikisync.ops.batch.run import set_fields
    from wikisync.ops.changeset import Changeset, apply_changeset, read_changeset, write_changeset
    from wikisync.ops.collect import category_pages, collect_records, record_type_named
    from wikisync.ops.create import NewPageResult, new_page
    from wikisync.ops.example import copy_example
    from wikisync.ops.formats import format_records
    from wikisync.ops.geojson import format_geojson, read_geojson
    from wikisync.ops.ical import format_calendar, read_calendar
    from wikisync.ops.jobs.report import JobReport, RunReport
    from wikisync.ops.jobs.run import (
        Job,
        load_jobs,
        plan_jobs,
        rebuild_jobs,
        render_job,
    )
    from wikisync.ops.lock import RunLock
    from wikisync.ops.publish import Edit, PublishResult, publish_page
    from wikisync.ops.quality.check import QualityReport, check_types
    from wikisync.ops.quality.html import render_quality_html
    from wikisync.ops.select import read_titles
    from wikisync.ops.spreadsheet import export_records, import_records
    from wikisync.ops.sync import PullReport, PushReport, StatusReport, mirror_status
    from wikisync.ops.sync.pull import pull
    from wikisync.ops.sync.push import push
    from wikisync.ports.outcome import Outcome, Report
    from wikisync.presets import load_preset
    from wikisync.sources import FetchResult, Source, open_source, open_target

#: Where each public name lives: imported on first use, so ``import wikisync`` (and the
#: command line's start) loads no network or template library.
_LAZY = {
    "BatchReport": "wikisync.ops.batch.report",
    "Changeset": "wikisync.ops.changeset",
    "Config": "wikisync.config",
    "ConfigError": "wikisync.core.errors",
    "Edit": "wikisync.ops.publish",
    "EditConflictError": "wikisync.core.errors",
    "FetchResult": "wikisync.sources",
    "FieldValueError": "wikisync.core.errors",
    "ItemEdit": "wikisync.core.fields.list_items",
    "Job": "wikisync.ops.jobs.run",
    "JobReport": "wikisync.ops.jobs.report",
    "LockError": "wikisync.core.errors",
    "LoginError": "wikisync.core.errors",
    "MissingPageError": "wikisync.core.errors",
    "PageDeletedError": "wikisync.core.errors",
    "PageMovedError": "wikisync.core.errors",
    "Namespaces": "wikisync.core.pages",
    "NewPageResult": "wikisync.ops.create",
    "Outcome": "wikisync.ports.outcome",
    "PageReport": "wikisync.ops.batch.report",
    "PageText": "wikisync.core.pages",
    "PublishError": "wikisync.core.errors",
    "PublishResult": "wikisync.ops.publish",
    "PullReport": "wikisync.ops.sync",
    "PushReport": "wikisync.ops.sync",
    "QualityReport": "wikisync.ops.quality.check",
    "RecordError": "wikisync.core.errors",
    "RenderError": "wikisync.core.errors",
    "ReplaceError": "wikisync.core.replace",
    "Report": "wikisync.ports.outcome",
    "RunLock": "wikisync.ops.lock",
    "RunReport": "wikisync.ops.jobs.report",
    "SectionError": "wikisync.core.errors",
    "Selection": "wikisync.core.selection",
    "SelectionError": "wikisync.core.selection",
    "SiteError": "wikisync.core.errors",
    "Source": "wikisync.sources",
    "SourceError": "wikisync.core.errors",
    "SpreadsheetError": "wikisync.core.errors",
    "StatusReport": "wikisync.ops.sync",
    "UnsafePathError": "wikisync.core.errors",
    "ValueFormatError": "wikisync.core.errors",
    "WikisyncError": "wikisync.core.errors",
    "apply_changeset": "wikisync.ops.changeset",
    "category_pages": "wikisync.ops.collect",
    "check_types": "wikisync.ops.quality.check",
    "collect_records": "wikisync.ops.collect",
    "compile_replace": "wikisync.core.replace",
    "copy_example": "wikisync.ops.example",
    "export_records": "wikisync.ops.spreadsheet",
    "format_calendar": "wikisync.ops.ical",
    "format_geojson": "wikisync.ops.geojson",
    "format_records": "wikisync.ops.formats",
    "import_records": "wikisync.ops.spreadsheet",
    "load_config": "wikisync.config",
    "load_jobs": "wikisync.ops.jobs.run",
    "load_preset": "wikisync.presets",
    "mirror_status": "wikisync.ops.sync",
    "new_page": "wikisync.ops.create",
    "normalize_title": "wikisync.core.pages",
    "open_source": "wikisync.sources",
    "open_target": "wikisync.sources",
    "plan_jobs": "wikisync.ops.jobs.run",
    "publish_page": "wikisync.ops.publish",
    "pull": "wikisync.ops.sync",
    "push": "wikisync.ops.sync",
    "read_calendar": "wikisync.ops.ical",
    "read_geojson": "wikisync.ops.geojson",
    "read_changeset": "wikisync.ops.changeset",
    "read_titles": "wikisync.ops.select",
    "rebuild_jobs": "wikisync.ops.jobs.run",
    "record_type_named": "wikisync.ops.collect",
    "remove_template_param": "wikisync.ops.batch.params",
    "rename_template_param": "wikisync.ops.batch.params",
    "render_index": "wikisync.core.templating",
    "render_job": "wikisync.ops.jobs.run",
    "render_quality_html": "wikisync.ops.quality.html",
    "replace_in_pages": "wikisync.ops.batch.replace",
    "replace_text": "wikisync.core.replace",
    "set_fields": "wikisync.ops.batch.run",
    "write_changeset": "wikisync.ops.changeset",
}


def __getattr__(name: str) -> Any:
    """Import a public name (or a submodule) on first use."""
    module = _LAZY.get(name)
    if module is None:
        if name.startswith("_"):
            raise AttributeError(f"module 'wikisync' has no attribute {name!r}")
        try:
            return importlib.import_module(f"wikisync.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"wikisync.{name}":
                raise
            raise AttributeError(f"module 'wikisync' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "BatchReport",
    "Changeset",
    "Config",
    "ConfigError",
    "Edit",
    "EditConflictError",
    "FetchResult",
    "FieldValueError",
    "ItemEdit",
    "Job",
    "JobReport",
    "LockError",
    "LoginError",
    "MissingPageError",
    "Namespaces",
    "NewPageResult",
    "Outcome",
    "PageDeletedError",
    "PageMovedError",
    "PageReport",
    "PageText",
    "PublishError",
    "PublishResult",
    "PullReport",
    "PushReport",
    "QualityReport",
    "RecordError",
    "RenderError",
    "ReplaceError",
    "Report",
    "RunLock",
    "RunReport",
    "SectionError",
    "Selection",
    "SelectionError",
    "SiteError",
    "Source",
    "SourceError",
    "SpreadsheetError",
    "StatusReport",
    "UnsafePathError",
    "ValueFormatError",
    "WikisyncError",
    "__version__",
    "apply_changeset",
    "category_pages",
    "check_types",
    "collect_records",
    "compile_replace",
    "copy_example",
    "export_records",
    "format_calendar",
    "format_geojson",
    "format_records",
    "import_records",
    "load_config",
    "load_jobs",
    "load_preset",
    "mirror_status",
    "new_page",
    "normalize_title",
    "open_source",
    "open_target",
    "plan_jobs",
    "publish_page",
    "pull",
    "push",
    "read_calendar",
    "read_changeset",
    "read_geojson",
    "read_titles",
    "rebuild_jobs",
    "record_type_named",
    "remove_template_param",
    "rename_template_param",
    "render_index",
    "render_job",
    "render_quality_html",
    "replace_in_pages",
    "replace_text",
    "set_fields",
    "write_changeset",
]
