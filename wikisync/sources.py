"""Sources of pages: the live wiki, a local mirror folder, an XML dump.

:func:`open_source` is the one entry point: give it a URL, a folder or a dump
file (or a :class:`~wikisync.config.Config`) and read pages from what it
returns, whatever the kind.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from wikisync.config import Config, redact_site
from wikisync.core.errors import ConfigError
from wikisync.core.said import said
from wikisync.ports.source import FetchResult, Source

if TYPE_CHECKING:
    from wikisync.ports.mirror import MirrorFolder
    from wikisync.ports.sync import Connection, SyncWiki, Wiki
    from wikisync.ports.target import Target
    from wikisync.wiki.cache import RevisionCache
    from wikisync.wiki.site import WikiClient

__all__ = [
    "FetchResult",
    "Source",
    "api_urls",
    "index_url",
    "mirror_folder",
    "open_revision_cache",
    "open_source",
    "open_target",
    "source_kind",
    "sync_wiki",
    "wiki_source",
    "wiki_url",
]


def source_kind(site: str) -> str:
    """Tell what ``site`` names: ``"wiki"`` (a URL), ``"mirror"`` (a folder) or ``"dump"``.

    Raises:
        ConfigError: ``site`` is empty, or a local path that does not exist.
    """
    if not site:
        raise ConfigError(
            "no site given: pass site=URL (a wiki URL, a mirror folder or an XML dump), "
            "set WIKISYNC_SITE, or set 'site' in wikisync.toml",
            key="site",
        )
    if site[:8].lower().startswith(("http://", "https://")):
        return "wiki"
    path = Path(site)
    if path.is_dir():
        return "mirror"
    if path.is_file():
        return "dump"
    raise ConfigError(
        f"site {redact_site(site)}: no such folder or file (expected a wiki URL, a mirror "
        "folder or an XML dump file)",
        key="site",
    )


def open_source(site: str | Config, config: Config | None = None) -> Source:
    """Open a wiki URL, a mirror folder or an XML dump as a page source.

    Args:
        site: a URL (``https://wiki.example.org/``), a mirror folder, a dump file
            (``.xml``, ``.xml.bz2``, ``.xml.gz``, ``.xml.xz``, ``.xml.lzma``), or a
            Config whose ``site`` is one.
        config: connection settings for a live wiki (user, password, timeouts)
            and the dump text limit (``max_text_mib``); defaults to ``Config()``.

    Returns:
        A :class:`Source`; close it when done.

    Raises:
        ConfigError: ``site`` names nothing usable.
        LoginError: the wiki cannot be reached or refused the login.
        SourceError: the mirror or dump is unreadable.

    Example:
        >>> from wikisync import open_source
        >>> source = open_source("examples/fabmob/mirror")
        >>> source.list_category("Evénement")[0]
        "Atelier de l'été 2027 — rétrofit électrique"
    """
    if isinstance(site, Config):
        config, site = site, site.site
    config = config or Config(site=site)
    kind = source_kind(site)
    if kind == "wiki":
        from wikisync.wiki.cache import open_cache
        from wikisync.wiki.reader import WikiClient, WikiSource

        return WikiSource(WikiClient(site, config), open_cache(config))
    if kind == "mirror":
        from wikisync.mirror.reader import open_mirror

        return open_mirror(Path(site))
    from wikisync.dump.reader import open_dump

    return open_dump(Path(site), max_text=config.max_text_mib * 1024 * 1024)


def wiki_source(client: WikiClient) -> Source:
    """A live wiki's connection as a :class:`Source` (no revision cache; closing it
    closes the connection)."""
    from wikisync.wiki.reader import WikiSource

    return WikiSource(client)


def open_target(source: Source, *, bot: bool = True, minor: bool = False) -> Target:
    """The target that saves into what ``source`` reads: a live wiki or a mirror.

    Args:
        source: from :func:`~wikisync.sources.open_source`.
        bot: mark wiki edits as bot edits (hidden from recent changes by default).
        minor: mark wiki edits as minor.

    Raises:
        ConfigError: the source cannot be written (an XML dump).
    """
    from wikisync.mirror.reader import MirrorSource
    from wikisync.mirror.target import MirrorTarget
    from wikisync.wiki.reader import WikiSource
    from wikisync.wiki.writer import WikiWriter

    if isinstance(source, WikiSource):
        return WikiWriter(source.client, bot=bot, minor=minor)
    if isinstance(source, MirrorSource):
        return MirrorTarget(source)
    raise ConfigError(
        f"site {source.location} is an XML dump, which cannot be written: use a wiki URL or "
        "a mirror folder as the site",
        key="site",
    )


def api_urls(url: str) -> list[str]:
    """The ``api.php`` URLs a wiki's URL may mean, most likely first (no request sent).

    Raises:
        ValueError: the URL is not http(s) or has no host.
    """
    from wikisync.wiki.address import candidate_addresses

    return [address.api_url for address in candidate_addresses(url)]


def index_url(url: str) -> str | None:
    """The ``index.php`` most likely behind a wiki's URL (no request sent); None when
    ``url`` is not a wiki's URL."""
    from wikisync.wiki.address import candidate_addresses

    try:
        first = candidate_addresses(url)[0]
    except ValueError:
        return None
    return f"{first.scheme}://{first.host}{first.path}index.php"


def open_revision_cache(config: Config) -> RevisionCache | None:
    """The live wiki's revision cache the configuration names (None with ``use_cache`` off)."""
    from wikisync.wiki.cache import open_cache

    return open_cache(config)


def mirror_folder(path: str | os.PathLike[str]) -> MirrorFolder:
    """A folder as the mirror's side of a sync (made a mirror by the first pull)."""
    from wikisync.mirror.folder import LocalMirror

    return LocalMirror(path)


def wiki_url(config: Config, mirror_dir: str | os.PathLike[str]) -> str:
    """The wiki a mirror folder syncs with.

    The configuration's ``site`` when it is a URL, else the wiki the mirror
    recorded when it was first pulled.

    Raises:
        ConfigError: neither names a wiki.
    """
    given = config.site if config.site[:8].lower().startswith(("http://", "https://")) else None
    url = given or mirror_folder(mirror_dir).recorded_site
    if not url:
        raise ConfigError(
            said(
                "no wiki to sync %(mirror)s with: pass %(override)s, the wiki's URL "
                "(the mirror records no wiki yet)",
                mirror=mirror_dir,
                override="site=URL",
            ),
            key="site",
        )
    return url


def open_wiki(config: Config, mirror_dir: str | os.PathLike[str]) -> Connection:
    """A connection to the wiki ``mirror_dir`` syncs with (:func:`wiki_url`); close it.

    Raises:
        ConfigError: no wiki to sync with.
        LoginError: the wiki cannot be reached or refused the login.
    """
    from wikisync.wiki.site import WikiClient

    return WikiClient(wiki_url(config, mirror_dir), config)


@contextmanager
def sync_wiki(wiki: Wiki, mirror_dir: str | os.PathLike[str]) -> Iterator[SyncWiki]:
    """The wiki's side of a sync of ``mirror_dir``, closed afterwards if opened here.

    Args:
        wiki: a connection (used as it is); an open live-wiki source (its
            connection; the caller closes the source); or a Config (a
            connection is opened on :func:`wiki_url` with its credentials and
            timeouts, and closed).
        mirror_dir: the mirror folder (for the wiki it records).

    Raises:
        ConfigError: ``wiki`` is a source that is not a live wiki, or a Config
            that names no wiki for a mirror that records none.
        LoginError: the wiki cannot be reached or refused the login.
    """
    from wikisync.wiki.reader import WikiSource
    from wikisync.wiki.remote import WikiRemote
    from wikisync.wiki.site import WikiClient

    if isinstance(wiki, WikiClient):
        yield WikiRemote(wiki)
    elif isinstance(wiki, Config):
        client = WikiClient(wiki_url(wiki, mirror_dir), wiki)
        try:
            yield WikiRemote(client)
        finally:
            client.close()
    elif isinstance(wiki, WikiSource):
        yield WikiRemote(wiki.client)
    else:
        location = getattr(wiki, "location", None) or getattr(wiki, "url", "?")
        raise ConfigError(
            f"{location} is not a live wiki: a mirror syncs with a wiki's URL", key="site"
        )
