"""What ``pull``, ``push`` and ``mirror_status`` take as the wiki: a Config, a Source or a client.

Every library call of wikisync takes a :class:`~wikisync.config.Config` or an
open :class:`~wikisync.ports.source.Source`; the mirror commands take them
too. :func:`connected` turns any of them into the
:class:`~wikisync.wiki.site.WikiClient` the sync code speaks through, and
closes the connection only when it opened it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeAlias

from wikisync.config import Config
from wikisync.core.errors import ConfigError
from wikisync.core.said import said
from wikisync.mirror.layout import METADATA_FILE
from wikisync.mirror.reader import open_mirror
from wikisync.ports.source import Source
from wikisync.wiki.site import WikiClient

__all__ = ["Wiki", "WikiConnection", "connected", "open_wiki", "wiki_url"]

#: What the sync calls accept as the wiki.
Wiki: TypeAlias = Config | Source | WikiClient
#: A live wiki's connection, as the sync calls use it.
WikiConnection: TypeAlias = WikiClient


def wiki_url(config: Config, mirror_dir: str | os.PathLike[str]) -> str:
    """The wiki a mirror folder syncs with.

    The configuration's ``site`` when it is a URL, else the wiki the mirror
    recorded when it was first pulled.

    Raises:
        ConfigError: neither names a wiki.
    """
    mirror = Path(mirror_dir)
    recorded = open_mirror(mirror).site if (mirror / METADATA_FILE).is_file() else None
    given = config.site if config.site[:8].lower().startswith(("http://", "https://")) else None
    url = given or recorded
    if not url:
        raise ConfigError(
            said(
                "no wiki to sync %(mirror)s with: pass %(override)s, the wiki's URL "
                "(the mirror records no wiki yet)",
                mirror=mirror,
                override="site=URL",
            ),
            key="site",
        )
    return url


def open_wiki(config: Config, mirror_dir: str | os.PathLike[str]) -> WikiConnection:
    """A connection to the wiki ``mirror_dir`` syncs with (:func:`wiki_url`); close it.

    Raises:
        ConfigError: no wiki to sync with.
        LoginError: the wiki cannot be reached or refused the login.
    """
    return WikiClient(wiki_url(config, mirror_dir), config)


@contextmanager
def connected(wiki: Wiki, mirror_dir: str | os.PathLike[str]) -> Iterator[WikiClient]:
    """The connection to sync ``mirror_dir`` through, closed afterwards if opened here.

    Args:
        wiki: a client (used as it is); an open live-wiki source (its client;
            the caller closes the source); or a Config (a client is opened on
            :func:`wiki_url` with its credentials and timeouts, and closed).
        mirror_dir: the mirror folder (for the wiki it records).

    Raises:
        ConfigError: ``wiki`` is a source that is not a live wiki, or a Config
            that names no wiki for a mirror that records none.
        LoginError: the wiki cannot be reached or refused the login.
    """
    if isinstance(wiki, WikiClient):
        yield wiki
        return
    if isinstance(wiki, Config):
        client = WikiClient(wiki_url(wiki, mirror_dir), wiki)
        try:
            yield client
        finally:
            client.close()
        return
    live = getattr(wiki, "client", None)
    if not isinstance(live, WikiClient):
        raise ConfigError(
            f"{wiki.location} is not a live wiki: a mirror syncs with a wiki's URL", key="site"
        )
    yield live
