"""Exceptions raised by wikisync.

Everything wikisync raises on purpose is a :class:`WikisyncError`, so library
callers need only ``except WikisyncError``. Each error carries the attributes a
caller needs to act on it (``title``, ``field``, ``value``, ``key``) and a
message that names the page or setting, what was expected and, where known,
the fix. ``ValueError`` and ``TypeError`` remain programmer errors.
"""

from __future__ import annotations

from wikisync.core.said import said


class WikisyncError(Exception):
    """Base class of every error wikisync raises on purpose.

    An error says what happened, in the library's words: it names no command
    line flag and carries no exit code (the command line maps both, in
    :mod:`wikisync.cli.outcomes` and :mod:`wikisync.cli.hints`).

    Attributes:
        needs: the argument that would let the refused action go ahead
            (``"allow_shrink"``, ``"force"``, ``"create"``, ``"trusted"``),
            or None when no override exists.
    """

    needs: str | None = None


class ConfigError(WikisyncError):
    """Bad configuration: unknown key, wrong type, missing file, bad flag value.

    The message begins with where: the file and the key path
    (``wikisync.toml: jobs.events.type: …``) for a key read from a file.

    Attributes:
        key: the configuration key or file at fault, when there is one.
        file: the configuration file the key was read from, when there is one.
    """

    def __init__(self, message: str, *, key: str | None = None, file: str | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.file = file


#: In the message of every request a wiki client refused to send because an earlier one
#: gave up (the run's later pages are then reported together).
NOT_SENT = "not sent: the wiki stopped answering earlier in this run"


class SiteError(WikisyncError):
    """The wiki cannot be reached, refused the login, or kept failing.

    Attributes:
        site: the wiki's URL (or the mirror/dump path).
    """

    def __init__(self, message: str, *, site: str | None = None) -> None:
        super().__init__(message)
        self.site = site


class LoginError(SiteError):
    """The wiki refused the login, or the site could not be reached at start.

    A configuration problem from the user's point of view.
    """


class SourceError(WikisyncError):
    """A local source (mirror folder, XML dump) is unreadable or malformed.

    Bad input from the user's point of view.

    Attributes:
        path: the file at fault.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class DumpError(SourceError):
    """An XML dump is malformed, truncated, or holds a value wikisync refuses.

    Bad input from the user's point of view.
    """


class MissingPageError(WikisyncError):
    """A page that a command needs does not exist (a refused page, for a run).

    Raised for the page of an index job that may not create it; the run
    reports that page as refused and goes on with the others.

    Attributes:
        title: the missing page's title.
        needs: ``"create"`` when creating the page is allowed on request.
    """

    def __init__(self, title: str, message: str | None = None, *, needs: str | None = None) -> None:
        super().__init__(message or said('Page "%(title)s" does not exist', title=title))
        self.title = title
        self.needs = needs


class UnknownNameError(WikisyncError):
    """A category or template named by the user does not exist.

    The message names the closest existing names (see :mod:`wikisync.ops.suggest`).

    Attributes:
        name: the name as given.
        key: where the configuration gave it (``types.event.categories``), or
            None for a name given on the command line.
    """

    def __init__(self, message: str, *, name: str, key: str | None = None) -> None:
        super().__init__(message)
        self.name = name
        self.key = key


class RecordError(WikisyncError):
    """A field of a page does not fit its schema.

    Attributes:
        title: the page.
        field: the field (schema name), or None for a page-level problem.
        value: the raw value, or None.
    """

    def __init__(
        self,
        message: str,
        *,
        title: str,
        field: str | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(message)
        self.title = title
        self.field = field
        self.value = value


class ValueFormatError(WikisyncError):
    """A value does not fit its field type (bad input).

    Raised by :func:`wikisync.core.fields.values.parse_value`; reading records turns it
    into a :class:`RecordError` naming the page and field, a batch edit into
    a refused page.

    Attributes:
        expected: what was expected, as a noun phrase ("a date").
        value: the offending value, as written on the page.
    """

    def __init__(self, expected: str, value: str) -> None:
        value = value.strip()
        super().__init__(
            said("should be %(expected)s, got %(value)r", expected=expected, value=value)
        )
        self.expected = expected
        self.value = value


class RenderError(WikisyncError):
    """A page template failed to render (undefined variable, syntax error)."""


class PublishError(WikisyncError):
    """A page could not be saved, or a guard refused to save it.

    Attributes:
        title: the target page.
    """

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.title = title


class EditConflictError(PublishError):
    """The page changed since it was read; nothing was overwritten."""


class PageDeletedError(EditConflictError):
    """The page was deleted since it was read; nothing was saved (never re-created)."""


class PageMovedError(EditConflictError):
    """The page was moved (renamed) since it was read; its old title was not written.

    Attributes:
        new_title: the page's title now.
    """

    def __init__(self, message: str, *, title: str | None = None, new_title: str) -> None:
        super().__init__(message, title=title)
        self.new_title = new_title


class SectionError(WikisyncError):
    """A marker section cannot be safely replaced; the page is left alone.

    Raised by the pure core (:mod:`wikisync.core.sections`) before anything is
    saved; a run reports the page as refused, as for a :class:`PublishError`.

    Attributes:
        title: the target page, when known.
        name: the section name.
    """

    def __init__(self, message: str, *, name: str, title: str | None = None) -> None:
        super().__init__(message)
        self.name = name
        self.title = title


class MarkerError(SectionError):
    """A marker is missing, duplicated, misordered, nested, misplaced or malformed."""


class HandEditError(SectionError):
    """The section's text is not what wikisync last wrote (override: ``force``)."""

    needs = "force"


class ShrinkError(SectionError):
    """The new list is much shorter than the old one (override: ``allow_shrink``).

    Attributes:
        old_count: items in the section now.
        new_count: items in the new body.
        max_shrink: the share that was allowed.
    """

    needs = "allow_shrink"

    def __init__(
        self,
        message: str,
        *,
        name: str,
        title: str | None = None,
        old_count: int,
        new_count: int,
        max_shrink: float,
    ) -> None:
        super().__init__(message, name=name, title=title)
        self.old_count = old_count
        self.new_count = new_count
        self.max_shrink = max_shrink


#: What refuses one page and lets a run go on with the others: the page is
#: reported "refused" and nothing is saved to it.
PAGE_REFUSALS: tuple[type[WikisyncError], ...] = (PublishError, SectionError, MissingPageError)


class LockError(WikisyncError):
    """Another run holds the lock."""


class UnsafePathError(SourceError):
    """A path wikisync refuses to read or write (bad input).

    A symbolic link inside a mirror folder (wikisync never follows one there),
    something other than a regular file where a file is read or replaced, or
    an output file whose folder does not exist.

    Attributes:
        path: the path at fault.
    """


class FieldValueError(WikisyncError):
    """A value given for a field does not fit the field (a usage error).

    Attributes:
        field: the field's name.
        value: the value given.
        expected: what the field takes ("a date").
    """

    def __init__(self, message: str, *, field: str, value: str, expected: str) -> None:
        super().__init__(message)
        self.field = field
        self.value = value
        self.expected = expected


class SpreadsheetError(WikisyncError):
    """The file is not an export of this record type (a usage error).

    Attributes:
        path: the file.
        row: the row at fault (1-based, the header is row 1), if any.
    """

    def __init__(self, message: str, *, path: str | None = None, row: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.row = row
