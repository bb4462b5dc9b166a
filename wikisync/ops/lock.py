"""The run lock: two runs that write to the same site never overlap.

``wikisync rebuild`` and ``wikisync apply`` hold a lock for their whole run,
so a cron entry that fires while the previous run is still going exits at
once (exit code 4) instead of racing it. The lock is a :mod:`filelock` lock
file (an OS lock: it dies with its process, so a crash never leaves a stale
lock) plus a small JSON sidecar saying who holds it (pid, host, start time,
command), read by the run that is turned away.

Where: one lock per site, in the user's state folder
(``platformdirs.user_state_dir("wikisync")/locks``; on Linux
``$XDG_STATE_HOME/wikisync/locks``), or in the ``lock_dir`` setting's folder,
which several users may share (lock files there are made group-writable).
Keyed by site rather than by configuration file, because what must not
overlap is two runs writing the same wiki, whichever configuration each one
read. A live wiki's key is its identity as the wiki itself reports it
(:func:`run_lock_key`: ``meta=siteinfo``'s server, script path and wiki id,
read by the probe), so every spelling of its URL (``localhost`` or
``127.0.0.1``, ``…/api.php``, an upper-case scheme or host), every alias or
address, and a proxy in front of it share one lock; a mirror folder's (or a
dump's) key is its resolved real path. The lock is therefore taken once the
site is open.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import filelock
import platformdirs

from wikisync.core.errors import LockError, UnsafePathError
from wikisync.files import read_regular, state_file, write_atomic
from wikisync.loaders import parse_json

if TYPE_CHECKING:
    from wikisync.ports.source import Site

__all__ = [
    "LockHolder",
    "RunLock",
    "default_lock_path",
    "lock_key",
    "read_holder",
    "run_lock_key",
]

#: The mode of lock files in a shared ``lock_dir``: the folder's group may take them.
SHARED_MODE = 0o664


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds a run lock, from its sidecar file."""

    pid: int
    host: str
    started: str
    command: str = ""

    def describe(self) -> str:
        """``pid 1234 on host cron-1 since 2025-01-06T08:00:00Z (rebuild)``."""
        what = f" ({self.command})" if self.command else ""
        return f"pid {self.pid} on host {self.host} since {self.started}{what}"


def _normal_key(site: str) -> str:
    if "://" not in site:
        return str(Path(site).resolve())
    # urlsplit lowers the scheme; the host is lowered below (both are case-insensitive).
    parts = urlsplit(site.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


def lock_key(site: Site | str | os.PathLike[str]) -> str:
    """One string per wiki address or folder, however it was spelt.

    The run lock of a live wiki is keyed on its identity instead
    (:func:`run_lock_key`); this address key tells whether two URLs name the
    same ``api.php`` (a changeset's planned site, say).

    Args:
        site: an open source, a live wiki's connection (as ``push`` has), or
            a folder's path.

    Returns:
        For a live wiki, the ``api.php`` URL the connection found by probing
        (scheme and host in lower case); for a mirror folder or a dump, its
        resolved real path.
    """
    if isinstance(site, str | os.PathLike):
        return _normal_key(os.fspath(site))
    return _normal_key(site.site_address())


def run_lock_key(site: Site | str | os.PathLike[str]) -> str:
    """What a run lock is keyed on: the wiki's own identity, or a folder's real path.

    Args:
        site: an open source, a live wiki's connection, or a folder's path.

    Returns:
        For a live wiki, ``mediawiki://`` and the identity its site information
        gave (:func:`wikisync.wiki.address.wiki_identity`: server, script path,
        wiki id), the same however the wiki was reached; otherwise
        :func:`lock_key`.
    """
    if not isinstance(site, str | os.PathLike):
        identity = site.site_identity()
        if identity:
            return f"mediawiki://{identity}"
    return lock_key(site)


def default_lock_path(site: str, lock_dir: str | os.PathLike[str] | None = None) -> Path:
    """The lock file for runs that write to ``site``: a :func:`run_lock_key`, a URL or a folder.

    Args:
        site: the key; a URL is used as given (scheme and host in lower case):
            pass :func:`run_lock_key` so every spelling of one wiki shares a lock.
        lock_dir: the folder of lock files (the ``lock_dir`` setting); None for
            the user's state folder.
    """
    key = _normal_key(site)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9.-]+", "-", key.split("://", 1)[-1]).strip("-")[-40:]
    folder = Path(lock_dir) if lock_dir else Path(platformdirs.user_state_dir("wikisync")) / "locks"
    return folder / f"{slug}-{digest}.lock"


class RunLock:
    """A non-blocking lock on a file, with a sidecar naming its holder.

    Example:
        >>> with RunLock(default_lock_path(run_lock_key(source)), command="rebuild"):
        ...     rebuild_jobs(config, source, target)

    Args:
        path: the lock file (its folder is created); the sidecar is the same
            path with ``.json`` added.
        command: what the holder is doing, for the message others get.
        site: what the lock guards (its :func:`run_lock_key`), for the message.
        shared: the lock file and its sidecar are made group-writable
            (:data:`SHARED_MODE`), so users of a shared ``lock_dir``'s group
            may take the lock in turn.
    """

    def __init__(
        self, path: Path, *, command: str = "", site: str = "", shared: bool = False
    ) -> None:
        self.path = Path(path)
        self.info_path = self.path.with_name(self.path.name + ".json")
        self.command = command
        self.site = site
        self.shared = shared
        mode = SHARED_MODE if shared else -1
        self._lock = filelock.FileLock(str(self.path), timeout=0, mode=mode)
        self._wrote_sidecar = False

    def acquire(self) -> None:
        """Take the lock at once, or fail.

        Raises:
            LockError: another run holds it; the message says who.
            UnsafePathError: the lock file is a symbolic link or cannot be made.
        """
        if self.path.is_symlink():
            raise UnsafePathError(
                f"lock file {self.path} is a symbolic link: wikisync does not lock through a "
                "link (it would create or truncate the file it points to); remove it",
                path=str(self.path),
            )
        state_file(self.path, "lock file")  # a folder, a pipe or a device: refused
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        except filelock.Timeout:
            holder = read_holder(self.info_path)
            for _ in range(10):  # the holder writes its sidecar just after locking
                if holder is not None:
                    break
                time.sleep(0.05)
                holder = read_holder(self.info_path)
            who = holder.describe() if holder else "another run (holder unknown)"
            what = f" on {self.site}" if self.site else ""
            raise LockError(
                f"another wikisync run holds the lock{what}: {who}; this run did nothing "
                f"(lock file {self.path}; if that process is gone, the lock is free already: "
                "run again)"
            ) from None
        except OSError as exc:
            raise UnsafePathError(
                f"lock file {self.path} cannot be used: {exc.strerror or exc}", path=str(self.path)
            ) from None
        holder = LockHolder(
            os.getpid(),
            socket.gethostname(),
            dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            self.command or " ".join(sys.argv[1:3]),
        )
        # The sidecar only helps the message of a run turned away: the lock is held anyway.
        # A pipe or a folder there is skipped (write_atomic refuses it): never a hang.
        with contextlib.suppress(OSError, UnsafePathError):
            if self.info_path.is_symlink():  # never written through a link
                self.info_path.unlink()
            data = json.dumps(_holder_dict(holder)) + "\n"
            write_atomic(self.info_path, data.encode("utf-8"), durable=False)
            self._wrote_sidecar = True
            if self.shared:
                os.chmod(self.info_path, SHARED_MODE)

    def release(self) -> None:
        """Release the lock and remove the sidecar."""
        if self._wrote_sidecar:  # never what was there already (a pipe, a folder)
            with contextlib.suppress(OSError):
                self.info_path.unlink()
            self._wrote_sidecar = False
        self._lock.release()

    @property
    def is_locked(self) -> bool:
        """True while this object holds the lock."""
        return bool(self._lock.is_locked)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def _holder_dict(holder: LockHolder) -> dict[str, object]:
    return {
        "pid": holder.pid,
        "host": holder.host,
        "started": holder.started,
        "command": holder.command,
    }


def read_holder(info_path: Path) -> LockHolder | None:
    """The holder named by a sidecar file, or None when absent or unreadable."""
    try:
        # Only a regular file, opened without blocking: a pipe there never hangs the run.
        raw = read_regular(info_path, "lock sidecar", limit=1 << 16)
        if raw is None:
            return None
        data = parse_json(raw.decode("utf-8"))
        return LockHolder(
            int(data["pid"]), str(data["host"]), str(data["started"]), str(data.get("command", ""))
        )
    except (OSError, ValueError, KeyError, TypeError, UnsafePathError):
        return None
