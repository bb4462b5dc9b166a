"""The log lines of a run: one level per ``-v``/``-q``, every password hidden."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from wikisync.config import redact
from wikisync.core.errors import ConfigError


class _RedactingFormatter(logging.Formatter):
    """Log lines with every password hidden (see :func:`wikisync.config.redact`)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(verbosity: int) -> None:
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="wikisync: %(message)s", stream=sys.stderr, force=True)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(_RedactingFormatter("wikisync: %(message)s"))
        handler.setLevel(level)  # a log file (log_to_file) may let more through to it
    # A run starts with no log file (an earlier run's, in the same process, is closed).
    logger = logging.getLogger("wikisync")
    for handler in [h for h in logger.handlers if isinstance(h, logging.FileHandler)]:
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(logging.NOTSET)
    # urllib3 would log request lines at DEBUG; wikisync logs what matters itself.
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def log_to_file(path: str) -> None:
    """Append every action of the run to ``path`` (``--log``, ``log_file``), one
    timestamped line each (UTC), whatever ``-v``/``-q`` say; passwords hidden, and
    no request parameter beyond the names of what is read or saved is ever logged.

    Raises:
        ConfigError: the file cannot be opened for appending.
    """
    target = str(Path(path).expanduser().absolute())
    logger = logging.getLogger("wikisync")
    if any(getattr(h, "baseFilename", None) == target for h in logger.handlers):
        return
    try:
        handler = logging.FileHandler(target, mode="a", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"log_file: cannot append to {path}: {exc.strerror or exc}", key="log_file"
        ) from None
    formatter = _RedactingFormatter(
        "%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S"
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
