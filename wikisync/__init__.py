"""wikisync: keep a MediaWiki wiki's structured content and index pages in order.

A library first (``import wikisync``) with a command line as a thin shell.
Open any source of pages (a live wiki, a local mirror folder, an XML dump)
with :func:`open_source` and read :class:`PageText` from it.
"""

from __future__ import annotations

from wikisync.__about__ import __version__
from wikisync.config import Config, load_config
from wikisync.errors import (
    ConfigError,
    EditConflictError,
    LockError,
    LoginError,
    MissingPageError,
    PublishError,
    RecordError,
    RenderError,
    SiteError,
    SourceError,
    WikisyncError,
)
from wikisync.pages import Namespaces, PageText, normalize_title
from wikisync.sources import FetchResult, Source, open_source

__all__ = [
    "Config",
    "ConfigError",
    "EditConflictError",
    "FetchResult",
    "LockError",
    "LoginError",
    "MissingPageError",
    "Namespaces",
    "PageText",
    "PublishError",
    "RecordError",
    "RenderError",
    "SiteError",
    "Source",
    "SourceError",
    "WikisyncError",
    "__version__",
    "load_config",
    "normalize_title",
    "open_source",
]
