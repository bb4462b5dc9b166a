"""Page titles as file names for the mirror folder: readable, portable, reversible.

A title maps to ``<namespace folder>/<escaped title><case tag>.wiki``:

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
* **Case tag.** macOS and Windows file systems ignore case, so ``La Rochelle``
  and ``La rochelle`` would share a file. A title whose letters are not in the
  usual pattern (first letter upper case, all others lower case) gets a tag
  ``~<n>`` before ``.wiki``, where ``n`` (base 36, lower case) is the bit mask of
  the letters that differ from that pattern: ``La Rochelle~4.wiki``,
  ``Journée FabMob~w0.wiki``, while ``La rochelle.wiki`` has none. Titles that
  differ only in case always get different tags, hence names that differ even
  when case is ignored; the name itself stays readable and keeps the real
  case. Escaping upper-case letters instead (``!fab!mob``, as Go modules do)
  would be exact too but unreadable, and most FabMob titles hold proper nouns.
  Letters count as upper case when ``str.lower`` changes them; exotic folding
  pairs that are not upper/lower pairs (long s and s, final and medial sigma,
  the title-case digraphs) are not told apart.
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
from pathlib import PurePath, PurePosixPath

from wikisync.pages import MAIN_NS, Namespaces

#: Extension of every page file.
PAGE_SUFFIX = ".wiki"
#: Folder of the main namespace (no namespace name can start with ``_``).
MAIN_FOLDER = "_main"
#: Longest file name, in UTF-8 bytes (ext4, APFS) and in NFD UTF-16 units (HFS+, NTFS).
MAX_NAME_BYTES = 255
#: Suffix of the file holding the wiki's version of a page in conflict, beside the page file.
CONFLICT_SUFFIX = ".remote"
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
        >>> from wikisync.pages import FRENCH
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
    ``_main/accueil.wiki`` is ``Accueil``, a missing or wrong case tag is
    ignored, a folder may use the canonical namespace name (``Category/``) and a
    file at the top level holds a full title (``Catégorie%3AEvénement.wiki``).

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
    """Return the file name of a title without its namespace prefix."""
    if not rest:
        raise ValueError("cannot name a file for an empty title")
    stem = _escape(rest, folder=False)
    mask = case_mask(rest)
    tag = f"{_TAG}{_base36(mask)}" if mask else ""
    name = f"{stem}{tag}{PAGE_SUFFIX}"
    if _fits(name, _ROOM):
        return name
    digest = hashlib.sha256(rest.encode("utf-8")).hexdigest()[:_HASH_DIGITS]
    end = f"{_HASH_TAG}{digest}{PAGE_SUFFIX}"
    return _shorten(stem, end, _ROOM) + end


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


def case_mask(text: str) -> int:
    """Bit mask of the letters whose case differs from "first letter upper, others lower".

    Bit ``i`` stands for the ``i``-th letter that has a case (digits, spaces and
    punctuation are skipped); titles that differ only in case have different masks.

    Example:
        >>> case_mask("La rochelle"), case_mask("La Rochelle")
        (0, 4)
    """
    mask = 0
    index = 0
    for char in text:
        if char.lower() == char.upper():
            continue
        upper = char != char.lower()
        if upper != (index == 0):
            mask |= 1 << index
        index += 1
    return mask


def _escape(text: str, *, folder: bool) -> str:
    chars = [_escape_char(c) if _must_escape(c) else c for c in unicodedata.normalize("NFC", text)]
    if chars and chars[0] in _EDGE_ESCAPED:
        chars[0] = _escape_char(chars[0])
    if folder and chars and chars[-1] in _EDGE_ESCAPED:
        chars[-1] = _escape_char(chars[-1])
    joined = "".join(chars)
    base = joined.split(".", 1)[0].rstrip(" ")
    if base.casefold() in _RESERVED:
        # Escape the reserved word's last character: CON -> CO%4E.
        last = len(base) - 1
        joined = joined[:last] + _escape_char(joined[last]) + joined[last + 1 :]
    return joined


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


def _base36(number: int) -> str:
    digits = []
    while number:
        number, digit = divmod(number, 36)
        digits.append(_BASE36[digit])
    return "".join(reversed(digits)) or "0"
