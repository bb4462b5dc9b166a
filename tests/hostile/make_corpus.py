"""Write the hostile-input corpus of this folder (run once; the files are committed).

    python tests/hostile/make_corpus.py

Each file is one hostile or malformed input; ``cases.toml`` says which command
reads it, the exit code expected and a phrase the one-line message must hold.
``tests/unit/test_hostile_corpus.py`` runs them all through the command line.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
from pathlib import Path

HERE = Path(__file__).parent
NS = (
    '<namespaces><namespace key="0" case="first-letter" />'
    '<namespace key="14" case="first-letter">Catégorie</namespace></namespaces>'
)


def dump(pages: str, namespaces: str = NS, head: str = "") -> str:
    return (
        f'{head}<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11">\n'
        f"<siteinfo><sitename>Essai</sitename>{namespaces}</siteinfo>\n{pages}</mediawiki>\n"
    )


def page(title: str, text: str, ns: str = "0", pageid: str = "1", revid: str = "5") -> str:
    return (
        f"<page><title>{title}</title><ns>{ns}</ns><id>{pageid}</id>"
        f"<revision><id>{revid}</id><timestamp>2024-01-01T00:00:00Z</timestamp>"
        f'<text xml:space="preserve">{text}</text></revision></page>\n'
    )


def bomb() -> bytes:
    """A few hundred bytes of bz2 that expand to one 300 MB page."""
    compressor = bz2.BZ2Compressor(9)
    head = dump("").removesuffix("</mediawiki>\n") + (
        "<page><title>Bombe</title><ns>0</ns><id>1</id><revision><id>1</id><text>"
    )
    parts = [compressor.compress(head.encode())]
    block = b"a" * (1 << 20)
    parts.extend(compressor.compress(block) for _ in range(300))
    parts.append(compressor.compress(b"</text></revision></page></mediawiki>\n"))
    parts.append(compressor.flush())
    return b"".join(parts)


def state_files(member: str) -> dict[str, str]:
    """Numbers too long to print, an encoding no reader knows, nesting deeper than any stack."""
    return {
        "dump-long-ns.xml": dump(page("Atelier", member, ns="1" * 5000)),
        "dump-long-id.xml": dump(page("Atelier", member, pageid="9" * 5000)),
        "dump-utf7.xml": dump(
            page("Atelier", member), head='<?xml version="1.0" encoding="UTF-7"?>\n'
        ),
        "dump-unknown-encoding.xml": dump(
            page("Atelier", member), head='<?xml version="1.0" encoding="x-nope"?>\n'
        ),
        "config-deep.toml": "site = " + "[" * 100_000 + "\n",
        "config-long-int.toml": "timeout = 1" + "0" * 5000 + "\n",
    }


def main() -> None:
    member = "[[Catégorie:Acteur]]"
    text_files = {
        "dump-superscript-ns.xml": dump(page("Atelier", member, ns="¹")),
        "dump-superscript-id.xml": dump(page("Atelier", member, pageid="²")),
        "dump-double-minus-ns.xml": dump(page("Atelier", member, ns="--5")),
        "dump-superscript-revid.xml": dump(page("Atelier", member, revid="³")),
        "dump-namespace-key.xml": dump(
            page("Atelier", member),
            namespaces='<namespaces><namespace key="1⁴">X</namespace></namespaces>',
        ),
        "dump-partial-namespaces.xml": dump(
            page("Category:Acteur", "[[Category:Tout]]", ns="14")
            + page("Portail:Acteurs", "[[Category:Acteur]]", ns="100")
            + page("Coopérative", "[[Category:Acteur]]"),
            namespaces='<namespaces><namespace key="2">Utilisateur</namespace></namespaces>',
        ),
        "dump-no-main-namespace.xml": dump(
            page("Coopérative", "[[Catégorie:Acteur]]"),
            namespaces='<namespaces><namespace key="14">Catégorie</namespace></namespaces>',
        ),
        "dump-english-sans-namespaces.xml": dump(
            page("Category:Acteur", "[[Category:Tout]]", ns="14")
            + page("Coopérative", "[[Category:Acteur]]"),
            namespaces="",
        ),
        "dump-not-mediawiki.xml": "<rss><channel><title>x</title></channel></rss>\n",
        "dump-billion-laughs.xml": dump(
            page("Rire", "&lol9;"),
            head='<?xml version="1.0"?>\n<!DOCTYPE mediawiki [\n<!ENTITY lol "lol">\n'
            + "".join(
                f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'
                for n in range(1, 10)
            )
            + "]>\n",
        ),
        "dump-external-entity.xml": dump(
            page("Fuite", "&secret;"),
            head='<?xml version="1.0"?>\n<!DOCTYPE mediawiki [\n'
            '<!ENTITY secret SYSTEM "file:///etc/passwd">\n]>\n',
        ),
        "dump-stub.xml": dump(
            "<page><title>Atelier</title><ns>0</ns><id>1</id><revision><id>5</id>"
            '<text bytes="120" id="5" /></revision></page>\n'
        ),
        **state_files(member),
    }
    for name, text in text_files.items():
        (HERE / name).write_text(text, encoding="utf-8")
    valid = dump(page("Coopérative", member)).encode()
    binary_files = {
        "dump-bomb.xml.bz2": bomb(),
        "dump-garbage.xml.bz2": b"BZh9" + b"\x00garbage" * 10,
        "dump-garbage.xml.gz": b"\x1f\x8b" + b"garbage" * 10,
        "dump-truncated.xml.gz": gzip.compress(valid * 1)[:60],
        "dump-truncated.xml.xz": lzma.compress(valid)[:50],
        "dump-valid.xml.lzma": lzma.compress(valid, format=lzma.FORMAT_ALONE),
        "dump-zstd.xml.zst": b"\x28\xb5\x2f\xfd" + b"\x00" * 40,
        "dump-zip.xml.zip": b"PK\x03\x04" + b"\x00" * 40,
        "dump-7z.xml.7z": b"7z\xbc\xaf\x27\x1c" + b"\x00" * 40,
        "dump-empty.xml": b"",
        "dump-invalid-utf8.xml": valid.replace("Coopérative".encode(), b"Coop\xe9rative"),
        "dump-nul.xml": valid.replace(b"<title>", b"<title>\x00"),
        "config-binary.toml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "config-invalid-utf8.toml": b'site = "caf\xe9"\n',
        "config-utf16.toml": 'site = "x"\n'.encode("utf-16"),
    }
    for name, data in binary_files.items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
