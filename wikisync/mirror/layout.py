"""The mirror folder on disk: its layout, its metadata, and reading its files.

Layout of a mirror folder ``DIR`` (file names: see :mod:`wikisync.mirror.filenames`)::

    DIR/
      wikisync-mirror.json      {"format": 1, "site": URL or null, "namespaces": [...]}
      pages.jsonl               one line per page pulled, sorted by title: the base
                                revision ({"title", "file", "ns", "pageid", "revid",
                                "timestamp", "categories", "sha1"})
      _main/Accueil.wiki        the page's current text (the main namespace is _main)
      Catégorie/Evénement.wiki
      Modèle/Event.wiki
      .wikisync/.gitignore      "*": what follows stays out of git
      .wikisync/base/_main/Accueil.wiki   the base revision's text, for three-way merges
      .wikisync/journal.jsonl   metadata of a batch being written
      .wikisync/lock            held by a writer

:func:`load_metadata` reads ``wikisync-mirror.json``, ``pages.jsonl`` and the
journal replayed over it into :class:`MirrorMetadata` (a torn last journal
line, left by a crash, is skipped; anything else malformed is a
:class:`~wikisync.core.errors.SourceError` naming the file and line). A page file
holds the wikitext plus one final newline (:func:`read_page_file` drops it);
a base copy counts only while its SHA-1 matches the metadata's. Temporary and
state files start with a dot, which no page file name does. Every file is
reached through :mod:`wikisync.mirror.files`, which never follows a
symbolic link. Reading the folder as a source is :mod:`wikisync.mirror.reader`; writing it,
:mod:`wikisync.mirror.writer`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from wikisync.core.errors import SourceError
from wikisync.core.pages import FRENCH, Namespace, Namespaces
from wikisync.loaders import parse_json
from wikisync.mirror.filenames import MAIN_FOLDER, MAX_NAME_BYTES, PAGE_SUFFIX
from wikisync.mirror.files import link_error, list_folder, not_a_folder_error, read_file
from wikisync.ports.mirror import MirrorEntry, text_sha1

__all__ = [
    "BASE_DIR",
    "FORMAT",
    "INDEX_FILE",
    "JOURNAL_FILE",
    "LOCK_FILE",
    "METADATA_FILE",
    "STATE_DIR",
    "MirrorEntry",
    "MirrorMetadata",
    "load_metadata",
    "namespace_to_dict",
    "read_base_text",
    "read_page_file",
    "read_settings",
    "scan_page_files",
    "text_sha1",
]

#: The mirror's description: format, site, namespaces.
METADATA_FILE = "wikisync-mirror.json"
#: One line per page: the base revision each file was pulled at.
INDEX_FILE = "pages.jsonl"
#: Version of the folder layout; a newer one is refused.
FORMAT = 1
STATE_DIR = ".wikisync"
BASE_DIR = f"{STATE_DIR}/base"
JOURNAL_FILE = f"{STATE_DIR}/journal.jsonl"
LOCK_FILE = f"{STATE_DIR}/lock"


@dataclass(slots=True)
class MirrorMetadata:
    """A mirror's metadata as read: its site, namespaces and base revisions by title.

    ``has_metadata`` is False for a folder of plain ``.wiki`` files with no
    metadata files at all (read as a French wiki with nothing pulled).
    """

    site: str | None
    namespaces: Namespaces
    entries: dict[str, MirrorEntry] = field(default_factory=dict)
    has_metadata: bool = True


def scan_page_files(root: Path) -> Iterator[PurePosixPath]:
    """Relative paths of the page files: ``*.wiki`` at the top and one folder down.

    Links are never followed: a page file or a namespace folder that is a
    symbolic link is refused (:class:`~wikisync.core.errors.UnsafePathError`).
    """
    try:
        top = list_folder(root)
    except OSError as exc:
        raise SourceError(f'Mirror "{root}" cannot be read: {exc}', path=str(root)) from exc
    for name, kind in top:
        if name.startswith("."):
            continue
        if kind == "link" and (name.endswith(PAGE_SUFFIX) or (root / name).is_dir()):
            raise link_error(root / name)
        if name == MAIN_FOLDER and kind != "folder":
            raise not_a_folder_error(root / name)
        if kind == "file" and name.endswith(PAGE_SUFFIX):
            yield PurePosixPath(name)
        elif kind == "folder":
            try:
                inside = list_folder(root, name)
            except OSError as exc:
                raise SourceError(
                    f'Mirror "{root}": folder "{name}" cannot be read: {exc}', path=str(root / name)
                ) from exc
            for sub, sub_kind in inside:
                if sub.startswith("."):
                    continue
                if sub_kind == "link" and sub.endswith(PAGE_SUFFIX):
                    raise link_error(root / name / sub)
                if sub_kind == "file" and sub.endswith(PAGE_SUFFIX):
                    yield PurePosixPath(name, sub)
                elif sub_kind == "folder" and _holds_page_files(root / name / sub):
                    raise SourceError(
                        f'Mirror "{root}": folder "{name}/{sub}" holds .wiki files, '
                        "but page files sit directly in their namespace folder (a subpage "
                        'title\'s "/" is written %2F in the file name)',
                        path=str(root / name / sub),
                    )


def _holds_page_files(folder: Path) -> bool:
    return any(name.endswith(PAGE_SUFFIX) for _, _, names in os.walk(folder) for name in names)


def read_page_file(root: Path, relative: str | PurePosixPath) -> str | None:
    """A page file's text as the mirror source reads it (one final newline dropped).

    Args:
        root: the mirror folder.
        relative: the file, relative to it.

    Returns:
        The text, or None when the file does not exist.

    Raises:
        UnsafePathError: the file or a folder on the way is a symbolic link,
            or the file is not a regular file.
        SourceError: the file cannot be read, is not UTF-8 or holds a NUL character.
    """
    file = root / relative
    try:
        data = read_file(root, relative)
    except OSError as exc:
        raise SourceError(f'Page file "{file}" cannot be read: {exc}', path=str(file)) from exc
    if data is None:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f'Page file "{file}" is not UTF-8 (byte {exc.start}): save it as UTF-8',
            path=str(file),
        ) from exc
    # Universal newlines, as open() in text mode reads them.
    text = text.replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n")
    if "\0" in text:
        # No wiki page holds one, and the wikitext parser stops reading at it.
        line = text.count("\n", 0, text.index("\0")) + 1
        raise SourceError(
            f'Page file "{file}", line {line}: a NUL character (U+0000), which no wiki page '
            "can hold: remove it",
            path=str(file),
        )
    return text


def read_base_text(root: Path, entry: MirrorEntry) -> str | None:
    """The base copy of a page's revision, or None when it is missing or stale."""
    try:
        data = read_file(root, f"{BASE_DIR}/{entry.file}")
        text = data.decode("utf-8") if data is not None else None
    except (OSError, UnicodeDecodeError):
        return None
    if text is None:
        return None
    # A base copy left by an interrupted write belongs to another revision.
    return text if not entry.sha1 or text_sha1(text) == entry.sha1 else None


def load_metadata(root: Path) -> MirrorMetadata:
    """Read a mirror's settings, ``pages.jsonl`` and the journal replayed over it.

    Raises:
        SourceError: a metadata file is missing or malformed (named, with its line).
    """
    site, namespaces = read_settings(root)
    metadata = MirrorMetadata(site, namespaces)
    index = root / INDEX_FILE
    data = _read_metadata_file(root, INDEX_FILE)
    if data is None:
        raise SourceError(
            f'Mirror "{root}": {INDEX_FILE} is missing; restore it (git checkout) or pull again',
            path=str(index),
        )
    for number, record in _read_jsonl(index, data, tolerate_torn_end=False):
        entry = _entry_from_record(record, index, number, namespaces)
        metadata.entries[entry.title] = entry
    journal = root / JOURNAL_FILE
    journal_data = _read_metadata_file(root, JOURNAL_FILE)
    if journal_data is not None:
        for number, record in _read_jsonl(journal, journal_data, tolerate_torn_end=True):
            if record.get("removed") is True and isinstance(record.get("title"), str):
                metadata.entries.pop(namespaces.normalize(record["title"]), None)
            else:
                entry = _entry_from_record(record, journal, number, namespaces)
                metadata.entries[entry.title] = entry
    return metadata


def read_settings(root: Path) -> tuple[str | None, Namespaces]:
    """Read ``wikisync-mirror.json``: the site (or None) and the namespaces."""
    path = root / METADATA_FILE
    raw = _read_metadata_file(root, METADATA_FILE)
    if raw is None:
        raise SourceError(
            f'Mirror "{root}": {METADATA_FILE} is missing (but {INDEX_FILE} is there); '
            "restore it (git checkout) or pull again",
            path=str(path),
        )
    try:
        data = parse_json(raw.decode("utf-8"))
    except json.JSONDecodeError as exc:
        raise SourceError(
            f'Mirror metadata "{path}" is not valid JSON at line {exc.lineno}, '
            f"column {exc.colno}: {exc.msg}",
            path=str(path),
        ) from exc
    except UnicodeDecodeError as exc:
        raise SourceError(
            f'Mirror metadata "{path}" cannot be read: {exc}', path=str(path)
        ) from exc
    if not isinstance(data, dict):
        raise SourceError(f'Mirror metadata "{path}" should hold a JSON object', path=str(path))
    if data.get("format") != FORMAT:
        raise SourceError(
            f'Mirror metadata "{path}": format {data.get("format")!r} is not {FORMAT} '
            "(made by another version of wikisync?)",
            path=str(path),
        )
    site = data.get("site")
    if site is not None and not isinstance(site, str):
        raise SourceError(f'Mirror metadata "{path}": "site" should be a string', path=str(path))
    raw_namespaces = data.get("namespaces")
    if raw_namespaces is None:
        return site, FRENCH
    try:
        namespaces = Namespaces.from_list(_namespace_from_dict(raw) for raw in raw_namespaces)
    except (TypeError, ValueError, KeyError) as exc:
        raise SourceError(
            f'Mirror metadata "{path}": bad "namespaces" entry ({exc}); each needs "id" and '
            '"name", optionally "canonical", "aliases" and "case"',
            path=str(path),
        ) from exc
    return site, namespaces


def namespace_to_dict(ns: Namespace) -> dict[str, object]:
    """A namespace as ``wikisync-mirror.json`` lists it."""
    return {
        "id": ns.id,
        "name": ns.name,
        "canonical": ns.canonical,
        "aliases": list(ns.aliases),
        "case": "first-letter" if ns.first_letter_case else "case-sensitive",
    }


def _namespace_from_dict(raw: Any) -> Namespace:
    if not isinstance(raw, dict):
        raise TypeError(f"expected an object, got {raw!r}")
    ns_id, name = raw["id"], raw["name"]
    aliases = raw.get("aliases", [])
    if (
        not isinstance(ns_id, int)
        or not isinstance(name, str)
        or not isinstance(aliases, list)
        or not all(isinstance(a, str) for a in aliases)
    ):
        raise TypeError(f"bad types in {raw!r}")
    return Namespace(
        id=ns_id,
        name=name,
        canonical=str(raw.get("canonical", "")),
        aliases=tuple(aliases),
        first_letter_case=raw.get("case", "first-letter") != "case-sensitive",
    )


def _read_metadata_file(root: Path, name: str) -> bytes | None:
    """A metadata file's bytes (None when absent), never through a link."""
    try:
        return read_file(root, name)
    except OSError as exc:
        raise SourceError(
            f'Mirror metadata "{root / name}" cannot be read: {exc}', path=str(root / name)
        ) from exc


def _read_jsonl(
    path: Path, data: bytes, *, tolerate_torn_end: bool
) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        lines = data.decode("utf-8").split("\n")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f'Mirror metadata "{path}" cannot be read: {exc}', path=str(path)
        ) from exc
    last = len(lines)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = parse_json(line)
        except json.JSONDecodeError as exc:
            # A crash while appending to the journal leaves a torn last line: skip it.
            if tolerate_torn_end and number >= last - 1:
                return
            raise SourceError(
                f'Mirror metadata "{path}", line {number}, column {exc.colno}: invalid JSON '
                f"({exc.msg}); fix the line or restore the file from git",
                path=str(path),
            ) from exc
        if not isinstance(record, dict):
            raise SourceError(
                f'Mirror metadata "{path}", line {number}: expected a JSON object', path=str(path)
            )
        yield number, record


def _entry_from_record(
    record: dict[str, Any], path: Path, number: int, namespaces: Namespaces
) -> MirrorEntry:
    def fail(reason: str) -> SourceError:
        return SourceError(f'Mirror metadata "{path}", line {number}: {reason}', path=str(path))

    title, file = record.get("title"), record.get("file")
    if not isinstance(title, str) or not title.strip() or _has_surrogate(title):
        raise fail('"title" should be a non-empty string')
    if not isinstance(file, str) or not _is_safe_relative(file):
        raise fail(
            '"file" should be a relative path to a page file inside the mirror '
            f'("Folder/Name.wiki"), got {file!r}'
        )
    categories = record.get("categories") or []
    pageid = record.get("pageid")
    revid = record.get("revid", 0)
    ns = record.get("ns")
    timestamp = record.get("timestamp") or ""
    sha1 = record.get("sha1") or ""
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise fail('"categories" should be a list of titles')
    if not _is_int(revid) or (pageid is not None and not _is_int(pageid)):
        raise fail('"revid" and "pageid" should be integers')
    if ns is not None and not _is_int(ns):
        raise fail(f'"ns" should be a namespace number, got {ns!r}')
    if not isinstance(timestamp, str) or not isinstance(sha1, str):
        raise fail('"timestamp" and "sha1" should be strings')
    normal = namespaces.normalize(title)
    return MirrorEntry(
        title=normal,
        file=file,
        ns=ns if ns is not None else namespaces.split(normal)[0],
        pageid=pageid,
        revid=revid,
        timestamp=timestamp,
        categories=tuple(categories),
        sha1=sha1,
    )


def _has_surrogate(text: str) -> bool:
    # JSON may hold lone surrogates ("\\ud800"), which no file name can encode.
    return any("\ud800" <= char <= "\udfff" for char in text)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_safe_relative(file: str) -> bool:
    """A page file's path as ``pages.jsonl`` may name it: one or two plain names, ``.wiki``."""
    parts = file.split("/")
    return (
        0 < len(parts) <= 2
        and file.endswith(PAGE_SUFFIX)
        and all(
            part
            and not part.startswith(".")
            and "\\" not in part
            and "\0" not in part
            and not _has_surrogate(part)
            and len(part.encode("utf-8")) <= MAX_NAME_BYTES
            for part in parts
        )
    )
