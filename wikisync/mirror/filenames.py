"""Page titles as file names for the mirror folder: readable, portable, reversible.

A title maps to ``<namespace folder>/<escaped title>.wiki``:

* **Folders.** One folder per namespace, named after the namespace's local
  name (``Catégorie/``, ``Modèle/``). The main namespace is ``_main/``: MediaWiki
  turns underscores into spaces, so no namespace name can ever start with
  ``_`` and the folder cannot collide with a real namespace.
* **Escapes.** ``%`` followed by two upper-case hex digits of the UTF-8 bytes,
  for ``%`` itself, ``/`` (subpages) and ``:``, every character Windows forbids
  (``<>"\\|?*`` and control characters, also DEL and C1 controls), ``~`` (it
  starts the tags below), a leading ``.`` or space (hidden files, shell
  surprises) and a trailing ``.`` or space of a folder name (Windows drops
  them). Everything else, accents and typographic punctuation included, stays
  as it is, so ``Atelier vélo à l'école`` is ``_main/Atelier vélo à l'école.wiki``.
* **Windows reserved names.** When the part before the first dot is ``CON``,
  ``PRN``, ``AUX``, ``NUL``, ``COM0`` to ``COM9`` or ``LPT0`` to ``LPT9`` (any case,
  superscript digits too), its last character is escaped: ``Nul`` becomes
  ``Nu%6C.wiki``.
* **Case.** A name keeps the title's case: ``Acteur Mobilité 3`` is
  ``_main/Acteur Mobilité 3.wiki``. macOS and Windows file systems ignore case
  (and macOS Unicode normalisation), so two titles of one folder whose names
  differ only in case (``Acteur ABC`` and ``Acteur abc``, ``Straße`` and
  ``STRASSE``) would share a file there. Only such a pair is told apart: the
  page that comes second into the folder gets a number before ``.wiki``
  (``Acteur abc~2.wiki``; ``~`` is always escaped in a title, so a ``~`` tag
  is never part of one). :class:`TakenNames` picks that name from the names
  already in the mirror; :func:`title_to_path` is the plain name. Earlier
  versions tagged every title with an unusual case pattern
  (``Journée FabMob~w0.wiki``); the files of such mirrors keep the names
  ``pages.jsonl`` records, and :func:`path_to_title` drops any ``~`` tag.
* **Long names.** A name that would not leave room for the longest suffix
  wikisync adds to a page file's name (``.remote``, the conflict file beside
  it) within 255 bytes of UTF-8 (or 255 UTF-16 units once decomposed to NFD,
  the HFS+ limit) is cut on a character boundary and ends with ``~~`` and 12
  hex digits of the title's SHA-256. Such a name no
  longer holds the whole title: :func:`path_to_title` returns ``None`` and the
  title must come from the mirror's metadata (``pages.jsonl``).
* **Unicode.** Titles are NFC; names read back from disk are normalised to NFC
  first, because macOS may return them in NFD.

Pure: no I/O here.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from pathlib import PurePath, PurePosixPath

from wikisync.core.pages import MAIN_NS, Namespaces
from wikisync.ports.mirror import CONFLICT_SUFFIX

#: Extension of every page file.
PAGE_SUFFIX = ".wiki"
#: Folder of the main namespace (no namespace name can start with ``_``).
MAIN_FOLDER = "_main"
#: Longest file name, in UTF-8 bytes (ext4, APFS) and in NFD UTF-16 units (HFS+, NTFS).
MAX_NAME_BYTES = 255
#: The suffixes added to a page file's name; a page file name leaves room for each.
#: (Temporary files get short random names of their own, base copies the same name.)
DERIVED_SUFFIXES: tuple[str, ...] = (CONFLICT_SUFFIX,)

_HASH_DIGITS = 12
_TAG = "~"
_HASH_TAG = "~~"
_ALWAYS_ESCAPED = frozenset('%/:<>"\\|?*~')
_EDGE_ESCAPED = frozenset(". ")
_RESERVED = frozenset(
    ["con", "prn", "aux", "nul", "conin$", "conout$"]
    + [f"{port}{digit}" for port in ("com", "lpt") for digit in "0123456789¹²³"]
)
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def title_to_path(title: str, namespaces: Namespaces) -> PurePosixPath:
    """Return the relative path of a page's file in a mirror folder.

    Args:
        title: the page title; it is normalised first.
        namespaces: the wiki's namespaces, to find the title's folder.

    Returns:
        ``<folder>/<name>.wiki``, for instance ``Catégorie/Evénement.wiki``.

    Raises:
        ValueError: the title is empty or its namespace is unknown.

    Example:
        >>> from wikisync.core.pages import FRENCH
        >>> str(title_to_path("Catégorie:Evénement", FRENCH))
        'Catégorie/Evénement.wiki'
        >>> str(title_to_path("Projets/covoiturage: bilan", FRENCH))
        '_main/Projets%2Fcovoiturage%3A bilan.wiki'
    """
    normal = namespaces.normalize(title)
    ns, rest = namespaces.split(normal)
    if not rest:
        raise ValueError(f"cannot name a file for the empty title {title!r}")
    return PurePosixPath(folder_name(ns, namespaces), file_name(rest))


def path_to_title(path: str | PurePath, namespaces: Namespaces) -> str | None:
    """Return the title a file of a mirror folder holds, or None when the name cannot tell.

    The inverse of :func:`title_to_path`. Lenient with names written by hand:
    ``_main/accueil.wiki`` is ``Accueil``, a ``~`` tag (``~2``, or an older
    version's case tag) is ignored, a folder may use the canonical namespace
    name (``Category/``) and a file at the top level holds a full title
    (``Catégorie%3AEvénement.wiki``).

    Args:
        path: the file's path relative to the mirror folder.
        namespaces: the wiki's namespaces.

    Returns:
        The normalised title, or None when the path is not a page file (no
        ``.wiki`` extension, nested too deep, unknown namespace folder, bad
        escape) or when its name was shortened (``~~`` and a hash): the title of
        such a file is only in the mirror's metadata.
    """
    parts = PurePosixPath(PurePath(path).as_posix()).parts
    if not parts or len(parts) > 2:
        return None
    rest = _decode_file_name(parts[-1])
    if rest is None:
        return None
    if len(parts) == 1:
        return namespaces.normalize(rest) or None
    ns = namespace_of_folder(parts[0], namespaces)
    if ns is None:
        return None
    if ns != MAIN_NS:
        rest = f"{namespaces.name(ns)}:{rest}"
    normal = namespaces.normalize(rest)
    if namespaces.split(normal)[0] != ns or not normal:
        return None
    return normal


def folder_name(ns: int, namespaces: Namespaces) -> str:
    """Return the folder of namespace ``ns`` (``_main`` for the main namespace)."""
    if ns == MAIN_NS:
        return MAIN_FOLDER
    return _escape(namespaces.name(ns), folder=True)


def namespace_of_folder(folder: str, namespaces: Namespaces) -> int | None:
    """Return the namespace a folder name stands for, or None if it names none."""
    name = unicodedata.normalize("NFC", folder)
    if name == MAIN_FOLDER:
        return MAIN_NS
    decoded = _unescape(name)
    if decoded is None or not decoded.strip():
        return None
    ns, _ = namespaces.split(f"{decoded}:x")
    return ns if ns != MAIN_NS else None


def file_name(rest: str) -> str:
    """Return the file name of a title without its namespace prefix (the plain name)."""
    return _file_name(rest, 0)


def _file_name(rest: str, number: int) -> str:
    """The name of a title, with the tag ``~<number>`` when ``number`` is not 0."""
    if not rest:
        raise ValueError("cannot name a file for an empty title")
    stem = _escape(rest, folder=False)
    tag = f"{_TAG}{number}" if number else ""
    name = f"{stem}{tag}{PAGE_SUFFIX}"
    if _fits(name, _ROOM):
        return name
    salted = f"{rest}{tag}" if number else rest
    digest = hashlib.sha256(salted.encode("utf-8")).hexdigest()[:_HASH_DIGITS]
    end = f"{_HASH_TAG}{digest}{PAGE_SUFFIX}"
    return _shorten(stem, end, _ROOM) + end


def fold_keys(path: str | PurePath) -> frozenset[str]:
    """The forms under which a file system that ignores case or normalises may see a path.

    Two paths whose keys meet may name one file on macOS (APFS, HFS+) or
    Windows (NTFS): they are equal after Unicode case folding, whether the
    name is composed (NFC) or decomposed (NFD) first.

    Example:
        >>> fold_keys("_main/Straße.wiki") & fold_keys("_main/STRASSE.wiki") != frozenset()
        True
    """
    text = unicodedata.normalize("NFC", PurePath(path).as_posix())
    return frozenset(
        {
            unicodedata.normalize("NFC", text.casefold()),
            unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).casefold()),
        }
    )


class TakenNames:
    """The page files of a mirror, to name a new page's file so that it shares none.

    Example:
        >>> from wikisync.core.pages import FRENCH
        >>> taken = TakenNames(["_main/Acteur ABC.wiki"])
        >>> str(taken.allocate("Acteur abc", FRENCH)), taken.clash_of("Acteur abc")
        ('_main/Acteur abc~2.wiki', '_main/Acteur ABC.wiki')
    """

    def __init__(self, paths: Iterable[str | PurePath] = ()) -> None:
        """Start from the paths (relative to the mirror) already taken."""
        self._by_key: dict[str, str] = {}
        self._clashes: dict[str, str] = {}
        for path in paths:
            self.add(path)

    def add(self, path: str | PurePath) -> None:
        """Mark a path as taken."""
        posix = PurePath(path).as_posix()
        for key in fold_keys(posix):
            self._by_key.setdefault(key, posix)

    def taken_by(self, path: str | PurePath) -> str | None:
        """The taken path that ``path`` would share a file with, or None."""
        for key in sorted(fold_keys(path)):
            if key in self._by_key:
                return self._by_key[key]
        return None

    def allocate(self, title: str, namespaces: Namespaces) -> PurePosixPath:
        """Name the file of a new page, mark it taken and return it.

        The plain name (:func:`title_to_path`) unless a taken path would share
        its file on a file system that ignores case or normalises Unicode;
        then the first free name tagged ``~2``, ``~3``…, and :meth:`clash_of`
        tells which path was in the way.
        """
        plain = title_to_path(title, namespaces)
        path, number = plain, 1
        while (holder := self.taken_by(path)) is not None:
            if number == 1:
                self._clashes[namespaces.normalize(title)] = holder
            number += 1
            rest = namespaces.split(namespaces.normalize(title))[1]
            path = plain.with_name(_file_name(rest, number))
        self.add(path)
        return path

    def clash_of(self, title: str) -> str | None:
        """The path that made :meth:`allocate` tag the file of ``title`` (normalised), or None."""
        return self._clashes.get(title)


def derived_name(name: str, suffix: str) -> str:
    """The name of a file derived from a page file's: ``name + suffix`` when it fits.

    Page file names leave room for :data:`DERIVED_SUFFIXES`; a longer name
    (written by hand, or by a wikisync that left no room) gets a name cut to
    fit, ending with ``~~``, 12 hex digits of the name's SHA-256, ``.wiki`` and
    the suffix, so it still fits 255 bytes and stays unique.

    Example:
        >>> derived_name("Accueil.wiki", ".remote")
        'Accueil.wiki.remote'
    """
    if _fits(name + suffix):
        return name + suffix
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:_HASH_DIGITS]
    end = f"{_HASH_TAG}{digest}{PAGE_SUFFIX}{suffix}"
    return _shorten(name.removesuffix(PAGE_SUFFIX), end) + end


def is_shortened(name: str) -> bool:
    """Whether a file name was cut to fit (its title is only in the metadata)."""
    stem = unicodedata.normalize("NFC", name).removesuffix(PAGE_SUFFIX)
    _, tag, digest = stem.rpartition(_HASH_TAG)
    return bool(tag) and len(digest) == _HASH_DIGITS and _is_hex(digest)


def _escape(text: str, *, folder: bool) -> str:
    chars = [_escape_char(c) if _must_escape(c) else c for c in unicodedata.normalize("NFC", text)]
    if chars and chars[0] in _EDGE_ESCAPED:
        chars[0] = _escape_char(chars[0])
    if folder and chars and chars[-1] in _EDGE_ESCAPED:
        chars[-1] = _escape_char(chars[-1])
    base = "".join(chars).split(".", 1)[0].rstrip(" ")
    if base.casefold() in _RESERVED:
        # Escape the reserved word's last character: CON -> CO%4E (no character of it is escaped).
        chars[len(base) - 1] = _escape_char(chars[len(base) - 1])
    for i in range(1, len(chars)):
        # A combining mark after an escape would join its last hex digit in NFC ("%7E" + acute).
        before, char = chars[i - 1], chars[i]
        if len(before) > 1 and unicodedata.normalize("NFC", before[-1] + char) != before[-1] + char:
            chars[i] = _escape_char(char)
    return "".join(chars)


def _must_escape(char: str) -> bool:
    code = ord(char)
    return char in _ALWAYS_ESCAPED or code < 0x20 or 0x7F <= code <= 0x9F


def _escape_char(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))


def _decode_file_name(name: str) -> str | None:
    name = unicodedata.normalize("NFC", name)
    if not name.endswith(PAGE_SUFFIX) or name.startswith(".") or is_shortened(name):
        return None
    stem = name.removesuffix(PAGE_SUFFIX)
    head, tag, digits = stem.rpartition(_TAG)
    if tag and digits and all(d in _BASE36 for d in digits):
        stem = head
    return _unescape(stem) or None


def _unescape(text: str) -> str | None:
    """Decode ``%XX`` escapes (UTF-8); a ``%`` not followed by two hex digits stays."""
    out = bytearray()
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%" and _is_hex(text[i + 1 : i + 3]) and len(text[i + 1 : i + 3]) == 2:
            out.append(int(text[i + 1 : i + 3], 16))
            i += 3
        else:
            out += char.encode("utf-8")
            i += 1
    try:
        return unicodedata.normalize("NFC", out.decode("utf-8"))
    except UnicodeDecodeError:
        return None


def _is_hex(text: str) -> bool:
    return bool(text) and all(c in "0123456789abcdefABCDEF" for c in text)


_ROOM = max(len(suffix) for suffix in DERIVED_SUFFIXES)


def _fits(name: str, room: int = 0) -> bool:
    """Whether ``name`` plus ``room`` ASCII characters fits a file name everywhere."""
    nfd = unicodedata.normalize("NFD", name)
    return (
        len(name.encode("utf-8", "surrogateescape")) + room <= MAX_NAME_BYTES
        and len(nfd.encode("utf-16-le", "surrogatepass")) // 2 + room <= MAX_NAME_BYTES
    )


def _shorten(stem: str, end: str, room: int = 0) -> str:
    """Longest prefix of ``stem`` that fits before ``end``, cut between characters."""
    cut = len(stem)
    while cut and not _fits(stem[:cut] + end, room):
        cut -= 1
    # Never cut inside a %XX escape.
    while cut and "%" in stem[max(0, cut - 2) : cut]:
        cut -= 1
    return stem[:cut]
