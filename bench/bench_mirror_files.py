"""Benchmark: reading a mirror without following links, against plain pathlib reads.

Not a test. Writes a mirror of N pages (3,000 by default), then times, best
of 7 runs of CPU time:

- the floor: every ``.wiki`` file found with ``os.scandir`` and read with
  ``Path.read_bytes`` (follows links: what a naive reader does);
- the files alone, read the safe way: ``mirror_files.read_file`` (each folder
  opened relative to its parent with ``O_NOFOLLOW``, the file too);
- ``open_mirror`` + ``iter_category`` of every page (scan, metadata,
  category links, texts), which reads each file twice and stats it once.

Run from the repository root::

    .venv/bin/python -m bench.bench_mirror_files
    .venv/bin/python -m bench.bench_mirror_files --events 10000
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import bench_main
from wikisync.core.pages import FRENCH, PageText
from wikisync.mirror import files as mirror_files
from wikisync.mirror.reader import open_mirror
from wikisync.mirror.writer import MirrorWriter, init_mirror

RUNS = 7


def _best(run: Callable[[], int]) -> tuple[float, int]:
    best, count = float("inf"), 0
    for _ in range(RUNS):
        start = time.process_time()
        count = run()
        best = min(best, time.process_time() - start)
    return best, count


def bench(events: int, workdir: Path) -> None:
    root = workdir / "mirror"
    init_mirror(root, site=None, namespaces=FRENCH)
    with MirrorWriter(root, durable=False) as writer:
        for number in range(events):
            text = f"{{{{Event|place=Lyon}}}}\nAtelier {number}.\n[[Catégorie:Atelier]]"
            writer.write_page(PageText(f"Atelier numéro {number}", text, number + 1))

    def plain() -> int:
        count = 0
        for folder in os.scandir(root):
            if folder.is_dir() and not folder.name.startswith("."):
                for entry in os.scandir(folder.path):
                    if entry.name.endswith(".wiki"):
                        count += len(Path(entry.path).read_bytes()) > 0
        return count

    def safe() -> int:
        count = 0
        for folder, kind in mirror_files.list_folder(root):
            if kind == "folder" and not folder.startswith("."):
                for name, _ in mirror_files.list_folder(root, folder):
                    if name.endswith(".wiki"):
                        count += len(mirror_files.read_file(root, f"{folder}/{name}") or b"") > 0
        return count

    def source() -> int:
        return sum(1 for _ in open_mirror(root).iter_category("Atelier"))

    floor, n = _best(plain)
    print(f"{n} page files, best of {RUNS}, CPU seconds")
    print(f"  pathlib reads (follow links)        {floor:.3f}s")
    safe_time, _ = _best(safe)
    print(f"  mirror_files.read_file (no links)   {safe_time:.3f}s  x{safe_time / floor:.2f}")
    source_time, _ = _best(source)
    print(f"  open_mirror + iter_category         {source_time:.3f}s  x{source_time / floor:.2f}")


def main() -> None:
    bench_main(__doc__ or "", bench, events=3000)


if __name__ == "__main__":
    main()
