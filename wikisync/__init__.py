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
:func:`collect_records` (as a calendar: :func:`read_calendar`) and a
category's pages with :func:`category_pages`; sync a mirror folder with
:func:`pull`, :func:`mirror_status` and :func:`push`. Each command of the
command line is one of these calls (README, "The library").
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from wikisync.__about__ import __version__

if TYPE_CHECKING:
    from wikisync.batch import set_fields
    from wikisync.batch_report import BatchReport, PageReport
    from wikisync.changeset import Changeset, apply_changeset, read_changeset, write_changeset
    from wikisync.collect import category_pages, collect_records, record_type_named
    from wikisync.config import Config, load_config
    from wikisync.create import NewPageResult, new_page
    from wikisync.errors import (
        ConfigError,
        EditConflictError,
        LockError,
        LoginError,
        MissingPageError,
        PublishError,
        RecordError,
        RenderError,
        SectionError,
        SiteError,
        SourceError,
        UnsafePathError,
        ValueFormatError,
        WikisyncError,
    )
    from wikisync.example import copy_example
    from wikisync.field_checks import FieldValueError
    from wikisync.formats import format_records
    from wikisync.ical import format_calendar, read_calendar
    from wikisync.jobs import (
        Job,
        JobReport,
        RunReport,
        load_jobs,
        plan_jobs,
        rebuild_jobs,
        render_job,
    )
    from wikisync.lock import RunLock
    from wikisync.pages import Namespaces, PageText, normalize_title
    from wikisync.presets import load_preset
    from wikisync.publish import Edit, PublishResult, open_target, publish_page
    from wikisync.quality import QualityReport, check_types
    from wikisync.quality_html import render_quality_html
    from wikisync.render import render_index
    from wikisync.sources import FetchResult, Source, open_source
    from wikisync.spreadsheet import SpreadsheetError, export_records, import_records
    from wikisync.sync import PullReport, PushReport, StatusReport, mirror_status
    from wikisync.sync.pull import pull
    from wikisync.sync.push import push
    from wikisync.template_edits import remove_template_param, rename_template_param

#: Where each public name lives: imported on first use, so ``import wikisync`` (and the
#: command line's start) loads no network or template library.
_LAZY = {
    "BatchReport": "wikisync.batch_report",
    "Changeset": "wikisync.changeset",
    "Config": "wikisync.config",
    "ConfigError": "wikisync.errors",
    "Edit": "wikisync.publish",
    "EditConflictError": "wikisync.errors",
    "FetchResult": "wikisync.sources",
    "FieldValueError": "wikisync.field_checks",
    "Job": "wikisync.jobs",
    "JobReport": "wikisync.jobs",
    "LockError": "wikisync.errors",
    "LoginError": "wikisync.errors",
    "MissingPageError": "wikisync.errors",
    "Namespaces": "wikisync.pages",
    "NewPageResult": "wikisync.create",
    "PageReport": "wikisync.batch_report",
    "PageText": "wikisync.pages",
    "PublishError": "wikisync.errors",
    "PublishResult": "wikisync.publish",
    "PullReport": "wikisync.sync",
    "PushReport": "wikisync.sync",
    "QualityReport": "wikisync.quality",
    "RecordError": "wikisync.errors",
    "RenderError": "wikisync.errors",
    "RunLock": "wikisync.lock",
    "RunReport": "wikisync.jobs",
    "SectionError": "wikisync.errors",
    "SiteError": "wikisync.errors",
    "Source": "wikisync.sources",
    "SourceError": "wikisync.errors",
    "SpreadsheetError": "wikisync.spreadsheet",
    "StatusReport": "wikisync.sync",
    "UnsafePathError": "wikisync.errors",
    "ValueFormatError": "wikisync.errors",
    "WikisyncError": "wikisync.errors",
    "apply_changeset": "wikisync.changeset",
    "category_pages": "wikisync.collect",
    "check_types": "wikisync.quality",
    "collect_records": "wikisync.collect",
    "copy_example": "wikisync.example",
    "export_records": "wikisync.spreadsheet",
    "format_calendar": "wikisync.ical",
    "format_records": "wikisync.formats",
    "import_records": "wikisync.spreadsheet",
    "load_config": "wikisync.config",
    "load_jobs": "wikisync.jobs",
    "load_preset": "wikisync.presets",
    "mirror_status": "wikisync.sync",
    "new_page": "wikisync.create",
    "normalize_title": "wikisync.pages",
    "open_source": "wikisync.sources",
    "open_target": "wikisync.publish",
    "plan_jobs": "wikisync.jobs",
    "publish_page": "wikisync.publish",
    "pull": "wikisync.sync",
    "push": "wikisync.sync",
    "read_calendar": "wikisync.ical",
    "read_changeset": "wikisync.changeset",
    "rebuild_jobs": "wikisync.jobs",
    "record_type_named": "wikisync.collect",
    "remove_template_param": "wikisync.template_edits",
    "rename_template_param": "wikisync.template_edits",
    "render_index": "wikisync.render",
    "render_job": "wikisync.jobs",
    "render_quality_html": "wikisync.quality_html",
    "set_fields": "wikisync.batch",
    "write_changeset": "wikisync.changeset",
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
    "Job",
    "JobReport",
    "LockError",
    "LoginError",
    "MissingPageError",
    "Namespaces",
    "NewPageResult",
    "PageReport",
    "PageText",
    "PublishError",
    "PublishResult",
    "PullReport",
    "PushReport",
    "QualityReport",
    "RecordError",
    "RenderError",
    "RunLock",
    "RunReport",
    "SectionError",
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
    "copy_example",
    "export_records",
    "format_calendar",
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
    "rebuild_jobs",
    "record_type_named",
    "remove_template_param",
    "rename_template_param",
    "render_index",
    "render_job",
    "render_quality_html",
    "set_fields",
    "write_changeset",
]
