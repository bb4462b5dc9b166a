"""Jobs that write a file instead of a wiki page: a calendar for a web folder, a CSV…

A job with ``file = "…"`` (see :mod:`wikisync.ops.jobs.config`) writes its records
to that file, in a ``format`` (``ics``: :mod:`wikisync.ops.ical`; ``geojson``:
:mod:`wikisync.ops.geojson`; ``json``, ``jsonl``, ``csv``:
:mod:`wikisync.ops.formats`) or through its ``page_template`` (the whole
file is the template's output)::

    [jobs.agenda]
    type = "event"
    file = "public/agenda.ics"     # relative to the configuration's folder
    format = "ics"                 # default: from the suffix (.ics .json .jsonl .csv .geojson)

The rule is the one of pages: no change, no write. :class:`FileTarget`
replaces the file atomically (:func:`wikisync.files.write_atomic`) only when
its bytes differ, so a run with nothing changed leaves the file, its
modification time included, as it was. The file must be a regular file or
not exist: it is read without following a link or blocking
(:func:`wikisync.files.read_regular`), so a named pipe, a device, a folder
or a link there is refused with one message, never read or written through.
:func:`render_file` is pure; :func:`run_file_job` reads the file and writes it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from wikisync import files
from wikisync.core.errors import RecordError
from wikisync.core.records import RecordSet
from wikisync.core.schema import RecordType
from wikisync.ops.collect import collect_records
from wikisync.ops.formats import format_records
from wikisync.ops.geojson import format_geojson
from wikisync.ops.ical import TimedSource, format_calendar
from wikisync.ops.jobs.config import Job, render_job
from wikisync.ops.quality.check import wiki_links
from wikisync.ports.outcome import Outcome
from wikisync.ports.source import Source

__all__ = ["FileOutcome", "FileTarget", "read_file_job", "render_file", "run_file_job"]


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What a file job did.

    Attributes:
        path: the file.
        status: ``unchanged``, ``written`` or ``planned`` (a dry run that would write).
        old_text: the file's text before, or None when it did not exist.
        new_text: the text wanted.
        problems: records left out of the file (a calendar's, a map's), beside the
            records' own.
    """

    path: str
    status: Outcome
    old_text: str | None
    new_text: str
    problems: tuple[RecordError, ...] = ()


class FileTarget:
    """A file a job writes: read as it is, replaced only when its bytes change."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def read(self) -> bytes | None:
        """The file's bytes, or None when it does not exist.

        Raises:
            UnsafePathError: it is not a regular file (a folder, a link, a
                named pipe, a device) or cannot be read (no permission).
        """
        return files.read_regular(self.path, "job file")

    def write(self, data: bytes, *, dry_run: bool = False) -> tuple[Outcome, bytes | None]:
        """Write ``data`` unless the file holds it already.

        Returns:
            The status (``unchanged``, ``written``, or ``planned`` on a dry run)
            and the bytes the file held before (None when it did not exist).

        Raises:
            UnsafePathError: the file cannot be read or written (its folder
                does not exist, it is a symbolic link or a folder…).
        """
        before = self.read()
        if before == data:
            return Outcome.UNCHANGED, before
        if dry_run:
            files.check_output(self.path, probe=False)  # a dry run makes no file
            return Outcome.PLANNED, before
        files.write_atomic(self.path, data)  # never a stream: a pipe swapped in is refused
        return Outcome.WRITTEN, before


def render_file(
    job: Job,
    sets: Sequence[RecordSet],
    record_types: Mapping[str, RecordType],
    *,
    today: dt.date,
    times: Mapping[str, str] | None = None,
    page_url: Callable[[str], str] | None = None,
    wiki: str = "",
) -> tuple[str, tuple[RecordError, ...]]:
    """The text of a file job, and the records it left out (a calendar's).

    Args:
        job: the job (``job.file`` set).
        sets: the records of its types, in order.
        record_types: the record types by name.
        today: for a page template.
        times: page title to revision time, for a calendar's DTSTAMP.
        page_url: a page title to its address, for a calendar's URL.
        wiki: the wiki's address, part of a calendar's UIDs.

    Raises:
        RenderError: the page template failed.
    """
    if job.format == "ics":
        calendar = format_calendar(
            [record for found in sets for record in found.records],
            record_types[job.type],
            times=times,
            page_url=page_url,
            wiki=wiki,
        )
        return calendar.text, calendar.problems
    if job.format == "geojson":
        geo = format_geojson(sets[0].records, record_types[job.type])
        return geo.text, geo.problems
    if job.format:
        single = record_types[job.type] if len(sets) == 1 else None
        records = [record for found in sets for record in found.records]
        return format_records(records, job.format, single), ()
    return render_job(job, sets, today=today), ()


def run_file_job(
    job: Job,
    sets: Sequence[RecordSet],
    record_types: Mapping[str, RecordType],
    *,
    today: dt.date,
    dry_run: bool = False,
    times: Mapping[str, str] | None = None,
    page_url: Callable[[str], str] | None = None,
    wiki: str = "",
) -> FileOutcome:
    """Render a file job and write its file if (and only if) its bytes change.

    Arguments as for :func:`render_file`; ``dry_run`` writes nothing.

    Raises:
        RenderError: the page template failed.
        UnsafePathError: the file cannot be read or written.
    """
    text, problems = render_file(
        job, sets, record_types, today=today, times=times, page_url=page_url, wiki=wiki
    )
    data = text.encode("utf-8")
    status, before = FileTarget(job.file).write(data, dry_run=dry_run)
    old = None if before is None else before.decode("utf-8", errors="replace")
    return FileOutcome(job.file, status, old, text, problems)


def read_file_job(
    source: Source,
    job: Job,
    record_types: Sequence[RecordType],
    *,
    today: dt.date | None = None,
) -> tuple[str, list[RecordSet]]:
    """Read a file job's records from a source and render its text; write nothing.

    Args:
        source: where the pages are read.
        job: the job (``job.file`` set).
        record_types: its record types, in order (``job.record_types``).
        today: for a page template (default: today).

    Returns:
        The file's text and the records read, one set per type.
    """
    timed = TimedSource(source)
    sets = [collect_records(timed, record_type) for record_type in record_types]
    links = wiki_links(source)
    text, _left_out = render_file(
        job,
        sets,
        {record_type.name: record_type for record_type in record_types},
        today=today or dt.date.today(),
        times=timed.times,
        page_url=links.page_url if links is not None else None,
        wiki=links.script if links is not None else "",
    )
    return text, sets
