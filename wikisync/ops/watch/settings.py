"""The watcher's settings: the ``[watch]`` table over its defaults.

``interval`` (seconds between two polls of the wiki's recent changes),
``min_interval`` (at most one save of an index page or file per so many
seconds), ``reconcile`` (a full pass through the revision listing every so
many seconds, 0 for never) and ``stop_page`` (a wiki page whose non-empty text
pauses every write). :func:`wikisync.config.load_config` reads and checks
them (also from ``WIKISYNC_WATCH_*``); this module adds the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from wikisync.config import Config

__all__ = ["WatchSettings", "watch_settings"]


@dataclass(frozen=True, slots=True)
class WatchSettings:
    """How the watcher paces itself.

    Attributes:
        interval: seconds between two polls.
        min_interval: at least so many seconds between two saves of one page or file.
        reconcile: seconds between two full passes (0: only at start).
        stop_page: the emergency stop page's title ("" for none).
    """

    interval: float = 60.0
    min_interval: float = 60.0
    reconcile: float = 3600.0
    stop_page: str = ""


def watch_settings(config: Config, *, interval: float | None = None) -> WatchSettings:
    """The configuration's ``[watch]`` settings over the defaults; ``interval`` over both."""
    table = config.watch
    default = WatchSettings()
    settings = WatchSettings(
        interval=float(table.get("interval", default.interval)),
        min_interval=float(table.get("min_interval", default.min_interval)),
        reconcile=float(table.get("reconcile", default.reconcile)),
        stop_page=str(table.get("stop_page", "")),
    )
    return settings if interval is None else replace(settings, interval=float(interval))
