"""Configuration: ``wikisync.toml``, ``WIKISYNC_*`` variables and flags.

:func:`load_config` is the only place wikisync reads a configuration file or
the environment. Precedence, strongest first: command-line flags (passed in
as ``overrides``), ``WIKISYNC_*`` environment variables, the TOML file, the
defaults. The wiki password comes only from ``WIKISYNC_PASSWORD`` (or a prompt
the command line shows); a ``password`` key in the file is refused. Paths in
the file (``site`` when it is a folder or dump, ``cache``, ``lock_dir``) are relative to the
file's folder. A file that is not UTF-8 text (a binary file, NUL bytes) is
refused, and so is a number out of its range wherever it comes from (file,
environment or flag): ``timeout = inf``, ``nan``, ``-5``, a negative or huge
``retries``, ``max_wait`` or ``maxlag``, a ``max_text_mib`` under 1.

Example ``wikisync.toml``::

    site = "https://wiki.example.org/"   # or a mirror folder, or a dump file
    user = "WikiBot@sync"                 # a bot password's login name
    contact = "admin@example.org"         # goes into the User-Agent

    [types.event]                         # record types, see schema.py
    ...
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from wikisync import loaders
from wikisync.core.config_tables import ConfigTables, toml_key
from wikisync.core.errors import ConfigError
from wikisync.core.names import did_you_mean
from wikisync.core.said import said
from wikisync.i18n import N_

DEFAULT_CONFIG_NAME = "wikisync.toml"
ENV_PREFIX = "WIKISYNC_"
#: The edit summary of ``rebuild`` and ``push`` when neither a flag nor the
#: ``summary`` setting gives one (batch edits name their change instead): said in the
#: run's language (``gettext(DEFAULT_SUMMARY)``, see :mod:`wikisync.i18n`).
DEFAULT_SUMMARY = N_("wikisync: automatic update")


@dataclass(frozen=True)
class Config:
    """Everything a wikisync run needs to know, already validated.

    Attributes:
        site: the wiki's URL, a mirror folder or an XML dump file ("" if unset).
        user: login name (a bot password's ``User@app``), or None for anonymous.
        password: the password, from the environment or a prompt; never shown.
        contact: an e-mail or URL for the User-Agent, so wiki admins can reach you.
        timeout: seconds to wait for one HTTP response.
        retries: how many times to retry one request after a transient fault.
        max_wait: seconds one request may take in all, attempts and waits included.
        maxlag: the ``maxlag`` sent on every API call (seconds of replica lag).
        max_text_mib: the longest page text (MiB) an XML dump may hold; a
            longer one stops the reading (MediaWiki's own limit is 2 MiB). A
            live wiki's page over it is skipped with a warning.
        max_reply_mib: the largest reply (MiB) wikisync reads from a live
            wiki; a longer one fails its request (MediaWiki's API caps a
            reply at 8 MiB by default).
        cache: path of the revision cache, or None for the default location.
        use_cache: False to read everything afresh.
        summary: the edit summary of every writing command when its own
            summary is not given; None (unset): each command's own
            default (:data:`DEFAULT_SUMMARY`, or one naming the change for
            ``set``, ``rename-param``, ``remove-param`` and ``import``).
        lang: the language of reports' labels, ``"fr"`` or ``"en"``; ``""``
            (the default) for the wiki's own language.
        lock_dir: the folder of run lock files, or None for the user's state
            folder; several users (cron jobs) share locks through one folder.
        edit_rate: the most edits a minute sent to a live wiki (0: as fast as
            the account's own rate limits allow, which are always kept).
        max_continues: the most requests one query may send following the
            wiki's continuation; a query past it stops with an error.
        log_file: a file to append a timestamped line per action to (reads,
            saves, skips, conflicts), or None.
        types: the raw ``[types.*]`` tables (validated by ``wikisync.core.schema``).
        jobs: the raw ``[jobs.*]`` tables (validated by ``wikisync.ops.jobs.run``).
        watch: the ``[watch]`` settings (``interval``, ``min_interval``,
            ``reconcile``, ``stop_page``; also ``WIKISYNC_WATCH_*``), validated;
            the keys not set are absent (``wikisync.ops.watch.settings`` has the defaults).
        path: the configuration file read, or None.
    """

    site: str = ""
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    contact: str = ""
    timeout: float = 30.0
    retries: int = 5
    max_wait: float = 120.0
    maxlag: int = 5
    max_text_mib: int = 8
    max_reply_mib: int = 64
    cache: str | None = None
    use_cache: bool = True
    summary: str | None = None
    lang: str = ""
    lock_dir: str | None = None
    edit_rate: float = 0.0
    max_continues: int = 100_000
    log_file: str | None = None
    types: Mapping[str, Any] = field(default_factory=dict)
    jobs: Mapping[str, Any] = field(default_factory=dict)
    watch: Mapping[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def __post_init__(self) -> None:
        # Whatever builds a Config, its secrets are masked in every text shown from now on.
        register_secret(self.password)
        credentials = site_credentials(self.site) if isinstance(self.site, str) else None
        if credentials is not None:
            register_secret(credentials[1])

    def with_overrides(self, **values: Any) -> Config:
        """Return a copy with the given (already typed) values replaced."""
        return replace(self, **values)


# key -> (type, settable from the file, settable from the environment)
_SCALARS: dict[str, tuple[type, bool, bool]] = {
    "site": (str, True, True),
    "user": (str, True, True),
    "password": (str, False, True),
    "contact": (str, True, True),
    "timeout": (float, True, True),
    "retries": (int, True, True),
    "max_wait": (float, True, True),
    "maxlag": (int, True, True),
    "max_text_mib": (int, True, True),
    "max_reply_mib": (int, True, True),
    "cache": (str, True, True),
    "use_cache": (bool, True, True),
    "summary": (str, True, True),
    "lang": (str, True, True),
    "lock_dir": (str, True, True),
    "edit_rate": (float, True, True),
    "max_continues": (int, True, True),
    "log_file": (str, True, True),
}
_TABLES = ("types", "jobs")
#: The ``[watch]`` table's keys: type and allowed range (seconds), also ``WIKISYNC_WATCH_KEY``.
_WATCH_KEYS: dict[str, tuple[type, float, float]] = {
    "interval": (float, 1.0, 86_400.0),
    "min_interval": (float, 0.0, 86_400.0),
    "reconcile": (float, 0.0, 30 * 86_400.0),
    "stop_page": (str, 0, 0),
}
_PATH_KEYS = ("site", "cache", "lock_dir", "log_file")
# key -> (smallest, largest) allowed; NaN and infinities are never allowed.
_RANGES: dict[str, tuple[float, float]] = {
    "timeout": (0.001, 86_400.0),
    "retries": (0, 1_000),
    "max_wait": (0.0, 86_400.0),
    "maxlag": (0, 86_400),
    "max_text_mib": (1, 65_536),
    "max_reply_mib": (1, 65_536),
    "edit_rate": (0.0, 60_000.0),
    "max_continues": (1, 100_000_000),
}
# key -> the values allowed
_CHOICES: dict[str, tuple[str, ...]] = {"lang": ("", "fr", "en")}
_TRUE = {"1", "true", "yes", "oui", "on"}
_FALSE = {"0", "false", "no", "non", "off"}


def load_config(
    path: str | Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Read the configuration file, the environment and the flags.

    Args:
        path: the TOML file. None means ``$WIKISYNC_CONFIG`` or
            ``./wikisync.toml`` when it exists (no file at all is fine then).
            A path given explicitly must exist.
        overrides: values from command-line flags; None values are ignored.
        environ: the environment (defaults to ``os.environ``).

    Returns:
        The validated configuration.

    Raises:
        ConfigError: unknown key, wrong type, a number out of range (NaN,
            infinite, negative, huge), a password in the file, a missing or
            unreadable file, one that is not UTF-8 text.
    """
    env = os.environ if environ is None else environ
    check_environment(env)
    explicit = path is not None or bool(env.get(ENV_PREFIX + "CONFIG"))
    if path is None:
        path = env.get(ENV_PREFIX + "CONFIG") or DEFAULT_CONFIG_NAME
    config_path = Path(path)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    if config_path.is_file():
        values.update(_read_file(config_path))
        origins.update(dict.fromkeys(values, str(config_path)))
        values["path"] = config_path.resolve()
    elif explicit:
        raise ConfigError(f"configuration file {config_path} does not exist", key=str(config_path))

    watch = dict(values.get("watch", {}))
    for key, (kind, _low, _high) in _WATCH_KEYS.items():
        name = f"{ENV_PREFIX}WATCH_{key.upper()}"
        raw = env.get(name)
        if raw is not None and raw != "":
            watch[key] = _watch_value(name, key, _coerce(key, raw, kind, name), None)
    if watch:
        values["watch"] = watch
    for key, (kind, _, from_env) in _SCALARS.items():
        raw = env.get(ENV_PREFIX + key.upper())
        if from_env and raw is not None and raw != "":
            values[key] = _coerce(key, raw, kind, ENV_PREFIX + key.upper())
            origins[key] = ENV_PREFIX + key.upper()
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in _SCALARS:
            raise ValueError(f"unknown override {key!r}")
        values[key] = value
        origins[key] = "the command line"
    for key, (low, high) in _RANGES.items():
        if key in values:
            _check_range(key, values[key], low, high, origins.get(key, ""))
    for key, allowed in _CHOICES.items():
        if key in values and values[key] not in allowed:
            choices = ", ".join(repr(choice) for choice in allowed)
            raise ConfigError(
                f"{_where(origins.get(key, ''), key)}: should be one of {choices}, "
                f"got {values[key]!r}",
                key=key,
                file=_file_origin(origins.get(key, "")),
            )
    known = {f.name for f in fields(Config)}
    return Config(**{k: v for k, v in values.items() if k in known})


def not_text(value: str) -> int | None:
    """Where ``value`` holds bytes that were not UTF-8 (surrogate escapes), or None.

    Python hands over such bytes of arguments and environment variables as
    lone surrogates (``surrogateescape``); no text may carry them to a wiki.
    """
    for index, char in enumerate(value):
        if "\ud800" <= char <= "\udfff":
            return index
    return None


def check_environment(environ: Mapping[str, str]) -> None:
    """Refuse ``WIKISYNC_*`` variables holding bytes that are not UTF-8 text.

    Raises:
        ConfigError: naming the first such variable and the byte (never its
            value: it may be the password).
    """
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX):
            continue
        at = not_text(environ[name])
        if at is not None:
            byte = ord(environ[name][at]) - 0xDC00
            raise ConfigError(
                f"environment variable {name} is not UTF-8 text (byte {byte:#04x} at "
                f"character {at}); nothing was done",
                key=name,
            )


def _check_range(key: str, value: Any, low: float, high: float, origin: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return  # a wrong type is reported where the value is read
    if not math.isfinite(value) or not low <= value <= high:
        raise ConfigError(
            f"{_where(origin, key)}: should be a number from {low:g} to {high:g}, got {value!r}",
            key=key,
            file=_file_origin(origin),
        )


def _where(origin: str, key: str) -> str:
    # A variable's name says the key; a file or the command line is followed by it.
    return origin if origin.startswith(ENV_PREFIX) else f"{origin}: {key}"


def _file_origin(origin: str) -> str | None:
    return None if origin.startswith(ENV_PREFIX) or origin == "the command line" else origin


def _read_file(config_path: Path) -> dict[str, Any]:
    try:
        raw = config_path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read configuration file {config_path}: {exc.strerror}", key=str(config_path)
        ) from exc
    nul = raw.find(b"\0")
    if nul >= 0:
        raise ConfigError(
            f"{config_path}: not a TOML text file (it holds a NUL byte at offset {nul}: "
            "a binary file?)",
            key=str(config_path),
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{config_path}: not UTF-8 text (byte {exc.start} is {raw[exc.start]:#04x}); "
            "save it as UTF-8",
            key=str(config_path),
        ) from None
    try:
        data = loaders.parse_toml(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        reason = " ".join(str(exc).split())
        raise ConfigError(
            f"{config_path}: not valid TOML: {reason}", key=str(config_path)
        ) from None

    values: dict[str, Any] = {}
    base = config_path.resolve().parent
    file = str(config_path)
    for key, value in data.items():
        if key == "watch":
            values[key] = _watch_table(file, value)
            continue
        if key in _TABLES:
            if not isinstance(value, dict):
                raise ConfigError(f"{file}: {key}: should be a table", key=key, file=file)
            values[key] = ConfigTables(value, file)
            continue
        spec = _SCALARS.get(key)
        if key == "password":
            raise ConfigError(
                f"{file}: password: not read from the file; "
                f"set {ENV_PREFIX}PASSWORD or let wikisync prompt for it",
                key=key,
                file=file,
            )
        if spec is None or not spec[1]:
            known = sorted([k for k, s in _SCALARS.items() if s[1]] + [*_TABLES, "watch"])
            raise ConfigError(
                said(
                    "%(file)s: %(key)s: unknown key%(hint)s (known keys: %(known)s)",
                    file=file,
                    key=toml_key(key),
                    hint=did_you_mean(key, known),
                    known=", ".join(known),
                ),
                key=key,
                file=file,
            )
        values[key] = _check_type(config_path, key, value, spec[0])
    for key in _PATH_KEYS:
        if key in values and isinstance(values[key], str):
            values[key] = _resolve_path(values[key], base)
    return values


def _watch_table(file: str, table: Any) -> dict[str, Any]:
    """The ``[watch]`` table, checked: known keys, types, ranges (errors name file and key)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: watch: should be a table", key="watch", file=file)
    checked: dict[str, Any] = {}
    for key, value in table.items():
        path = f"watch.{toml_key(key)}"
        if key not in _WATCH_KEYS:
            known = ", ".join(_WATCH_KEYS)
            hint = did_you_mean(key, _WATCH_KEYS)
            raise ConfigError(
                f"{file}: {path}: unknown key{hint} (known keys: {known})",
                key=path,
                file=file,
            )
        checked[key] = _watch_value(f"{file}: {path}", key, value, file)
    return checked


def _watch_value(where: str, key: str, value: Any, file: str | None) -> Any:
    kind, low, high = _WATCH_KEYS[key]
    path = f"watch.{key}"
    if kind is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: should be text, got {value!r}", key=path, file=file)
        return value.strip()
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or not low <= value <= high:
        raise ConfigError(
            f"{where}: should be a number of seconds from {low:g} to {high:g}, got {value!r}",
            key=path,
            file=file,
        )
    return float(value)


def _check_type(config_path: Path, key: str, value: Any, kind: type) -> Any:
    file = str(config_path)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > 2**53:
            raise ConfigError(f"{file}: {key}: too large, got {value}", key=key, file=file)
        return float(value)
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    raise ConfigError(
        f"{file}: {key}: should be {_KIND_NAMES[kind]}, got {value!r}", key=key, file=file
    )


def _coerce(key: str, raw: str, kind: type, source: str) -> Any:
    if kind is str:
        return raw
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    else:
        try:
            return kind(raw.strip())
        except ValueError:
            pass
    raise ConfigError(f"{source} should be {_KIND_NAMES[kind]}, got {raw!r}", key=key)


def _resolve_path(value: str, base: Path) -> str:
    """Make a relative local path absolute against the config file's folder."""
    if "://" in value or not value:
        return value
    candidate = Path(value).expanduser()
    return str(candidate if candidate.is_absolute() else (base / candidate))


_KIND_NAMES: dict[type, str] = {
    str: "a string",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
}


# -- credentials: never shown, never written ----------------------------------------

#: What replaces a password wherever wikisync shows a text that held one.
REDACTED = "***"
#: The secrets met in this process (the password, a site URL's password), masked in
#: every text :func:`redact` cleans; shorter ones would mask ordinary words.
_SECRETS: set[str] = set()
_MIN_SECRET = 4
#: Where a URL's ``user:password@`` part starts: after ``scheme:`` and one or more
#: slashes, any spelling (``HTTP://``, ``http:/``, ``htp://``), or after ``//``.
_AUTHORITY_START = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:/+|//")
_LEADING = re.compile(r"^[\s'\"(<\[]*")


def register_secret(secret: str | None) -> None:
    """Remember a secret (a password) so that :func:`redact` masks it in any text."""
    if not secret or len(secret) < _MIN_SECRET:
        return
    from urllib.parse import quote, unquote

    for form in (secret, unquote(secret), quote(secret, safe=""), quote(unquote(secret), safe="")):
        if len(form) >= _MIN_SECRET:
            _SECRETS.add(form)


def site_credentials(site: str) -> tuple[str, str] | None:
    """The ``(user, password)`` a site string holds before its last ``@``, raw, or None.

    Lenient on purpose: any scheme spelling (or none), a leading space, a
    password holding ``/``, ``#``, ``?`` or ``@``. Used to hide and drop
    credentials, never to send them.
    """
    at = site.rfind("@")
    if at < 0:
        return None
    start = _userinfo_start(site, at)
    userinfo = site[start:at]
    if ":" not in userinfo:
        return None
    user, _, password = userinfo.partition(":")
    return user, password


def _userinfo_start(text: str, at: int) -> int:
    match = _AUTHORITY_START.search(text, 0, at)
    if match is not None:
        return match.end()
    lead = _LEADING.match(text)
    start = lead.end() if lead else 0
    scheme = re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:(?=[^:@]*:)", text[start:at])
    return start + scheme.end() if scheme else start


def redact_site(site: str) -> str:
    """``site`` with the password of its ``user:password@`` part shown as ``***``.

    Whatever the spelling (``HTTP://``, ``http:/``, ``htp://``, no scheme, a
    leading space) and whatever the password holds (``/``, ``#``, ``?``, ``@``):
    everything between the user name and the last ``@`` is hidden. Never raises.

    Example:
        >>> redact_site("HTTP://bot:s/cr#t@wiki.example.org/w/")
        'HTTP://bot:***@wiki.example.org/w/'
    """
    at = site.rfind("@")
    if at < 0:
        return _mask_secrets(site)
    start = _userinfo_start(site, at)
    userinfo = site[start:at]
    if ":" not in userinfo:
        return _mask_secrets(site)
    user = userinfo.partition(":")[0]
    return _mask_secrets(f"{site[:start]}{user}:{REDACTED}{site[at:]}")


def site_without_credentials(site: str) -> str:
    """``site`` with its ``user:password@`` (or ``user@``) part removed."""
    at = site.rfind("@")
    if at < 0:
        return site
    start = _userinfo_start(site, at)
    if "/" in site[start:at] and ":" not in site[start:at]:
        return site  # an @ in the path of a URL without credentials
    return site[:start] + site[at + 1 :]


def redact(text: str) -> str:
    """``text`` with every password in it hidden: the ones wikisync was given
    (:func:`register_secret`) and any URL's ``user:password@`` part, whatever
    the spelling of the URL.

    The one cleaning every error line, log line and report goes through.

    Example:
        >>> redact("cannot reach Http://bot:pw@wiki.example.org (refused)")
        'cannot reach Http://bot:***@wiki.example.org (refused)'
    """
    text = _mask_secrets(text)
    if "@" not in text:
        return text
    return re.sub(r"\S+", _redact_token, text)


def _redact_token(match: re.Match[str]) -> str:
    token = match.group()
    at = token.rfind("@")
    if at < 0 or _AUTHORITY_START.search(token, 0, at) is None:
        return token
    return redact_site(token)


def _mask_secrets(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text
