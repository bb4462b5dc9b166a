"""The log lines of a run: one level per ``-v``/``-q``, every password hidden."""

from __future__ import annotations

import logging
import sys

from wikisync.config import redact


class _RedactingFormatter(logging.Formatter):
    """Log lines with every password hidden (see :func:`wikisync.config.redact`)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(verbosity: int) -> None:
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="wikisync: %(message)s", stream=sys.stderr, force=True)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(_RedactingFormatter("wikisync: %(message)s"))
    # urllib3 would log request lines at DEBUG; wikisync logs what matters itself.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
