"""Benchmark: peak memory reading a dump whose one page is a decompression bomb.

Not a test. Writes a bz2 dump of a few hundred bytes that expands to one page
of ``--megabytes`` MB (300 by default), then reads it in a fresh process and
prints the peak resident memory (``VmHWM`` of /proc/self/status) and the time:

- wikisync with its default text limit (8 MiB): it streams the file and stops
  at the limit with one clear error;
- the baseline, the same reader with the limit lifted (``max_text`` above the
  page's size), which reads the whole page into memory as wikisync did before
  it had a limit.

Run from the repository root::

    .venv/bin/python -m bench.bench_dump_memory
    .venv/bin/python -m bench.bench_dump_memory --megabytes 100
"""

from __future__ import annotations

import argparse
import bz2
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_READ = """
import sys
from wikisync.core.errors import DumpError
from wikisync.dump.reader import open_dump
try:
    pages = list(open_dump(sys.argv[1], max_text=int(sys.argv[2])).iter_pages())
    outcome = f"read {len(pages)} page(s) of {sum(len(p.wikitext) for p in pages):,} characters"
except DumpError as exc:
    outcome = "refused: " + str(exc).split(": ", 1)[-1][:70] + "..."
status = open("/proc/self/status").read()
peak = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
print(peak, outcome)
"""


def write_bomb(path: Path, megabytes: int) -> None:
    """A bz2 dump holding one page of ``megabytes`` MB of text."""
    compressor = bz2.BZ2Compressor(9)
    head = (
        '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11">\n'
        "<siteinfo><sitename>Essai</sitename><namespaces>"
        '<namespace key="0" case="first-letter" />'
        '<namespace key="6" case="first-letter">Fichier</namespace>'
        '<namespace key="10" case="first-letter">Modèle</namespace>'
        '<namespace key="14" case="first-letter">Catégorie</namespace>'
        "</namespaces></siteinfo>\n"
        "<page><title>Bombe</title><ns>0</ns><id>1</id><revision><id>1</id><text>"
    )
    parts = [compressor.compress(head.encode())]
    block = b"a" * (1 << 20)
    parts.extend(compressor.compress(block) for _ in range(megabytes))
    parts.append(compressor.compress(b"</text></revision></page></mediawiki>\n"))
    parts.append(compressor.flush())
    path.write_bytes(b"".join(parts))


def measure(path: Path, max_text: int) -> tuple[int, float, str]:
    """Peak resident KiB, seconds and outcome of reading the dump in a fresh process."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _READ, str(path), str(max_text)],
        capture_output=True,
        text=True,
        check=True,
    )
    peak, outcome = done.stdout.strip().split(" ", 1)
    return int(peak), time.perf_counter() - started, outcome


def main(argv: list[str] | None = None) -> None:
    """Print peak memory and time, wikisync's limit beside no limit."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=300)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bombe.xml.bz2"
        write_bomb(path, args.megabytes)
        print(f"dump: {path.stat().st_size} bytes of bz2, one page of {args.megabytes} MB")
        for name, max_text in [
            ("wikisync (8 MiB limit)", 8 * 1024 * 1024),
            ("no limit (baseline)", (args.megabytes + 1) * 1024 * 1024),
        ]:
            peak, seconds, outcome = measure(path, max_text)
            print(f"{name:24} peak {peak / 1024:7.1f} MiB  {seconds:5.2f} s  {outcome}")


if __name__ == "__main__":
    main()
