"""Benchmark: ``records -f sqlite`` beside ``records -f jsonl`` for the same records.

Not a test. Generates the synthetic event pages of the test wikis, writes them
as an XML dump, then times, in one run:

* the two commands end to end (``wikisync records event -f jsonl -o …`` and
  ``-f sqlite -o …``, each a new process reading the dump: start, read,
  extract, write), interleaved, best of ``--runs``;
* in process, on records read once: ``format_records(…, "jsonl")`` against
  ``build_database`` (tables, rows, serialization), and the extraction for scale.

Prints records per second, the ratios, the file sizes, and checks that a rerun
gives the same rows.

Run from the repository root::

    .venv/bin/python -m bench.bench_sqlite            # 2,000 event records
    .venv/bin/python -m bench.bench_sqlite --events 5000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import best_of, event_pages
from tests.corpus import write_export_xml
from wikisync.core.records import RecordSet, extract_records
from wikisync.ops.database import build_database, same_rows
from wikisync.ops.formats import format_records
from wikisync.presets import load_preset


def _command(config: Path, fmt: str, output: Path) -> float:
    args = [sys.executable, "-m", "wikisync", "-q", "-c", str(config), "records", "event"]
    started = time.perf_counter()
    subprocess.run([*args, "-f", fmt, "-o", str(output)], check=True, env=_env(config))
    return time.perf_counter() - started


def _env(config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIKISYNC_")}
    env["XDG_STATE_HOME"] = str(config.parent / "state")
    env["WIKISYNC_CACHE"] = str(config.parent / "cache.sqlite")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()

    pages, record_type = event_pages(args.events)
    found = extract_records(pages, record_type)
    records = found.records
    n = len(records)
    times = {page.title: page.timestamp for page in pages}

    def database() -> bytes:
        return build_database([found], [record_type], times=times).data

    extract_s, _ = best_of(args.runs, lambda: extract_records(pages, record_type))
    jsonl_s, jsonl = best_of(args.runs, lambda: format_records(records, "jsonl", record_type))
    sqlite_s, data = best_of(args.runs, database)
    print(f"{len(pages)} pages, {n} records, {len(found.problems)} problems")
    print("in process, records read once:")
    print(f"  extract records : {extract_s:7.3f} s  {n / extract_s:9.0f} records/s")
    print(f"  jsonl (baseline): {jsonl_s:7.3f} s  {n / jsonl_s:9.0f} records/s")
    print(f"  sqlite database : {sqlite_s:7.3f} s  {n / sqlite_s:9.0f} records/s")
    print(f"  sqlite / jsonl  : {sqlite_s / jsonl_s:5.1f}x")
    assert same_rows(data, database()), "a rerun gave other rows"
    empty = build_database([RecordSet("event")], [record_type]).data
    assert not same_rows(data, empty)

    with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as folder:
        work = Path(folder)
        dump = work / "events.xml"
        write_export_xml(pages, dump)
        config = work / "wikisync.toml"
        config.write_text(f'site = "{dump}"\n\n{load_preset("fabmob")}', encoding="utf-8")
        jsonl_file, sqlite_file = work / "events.jsonl", work / "events.db"
        command = {"jsonl": float("inf"), "sqlite": float("inf")}
        for _ in range(args.runs):  # interleaved, so a busy machine slows both alike
            for fmt, output in (("jsonl", jsonl_file), ("sqlite", sqlite_file)):
                command[fmt] = min(command[fmt], _command(config, fmt, output))
        first = sqlite_file.read_bytes()
        _command(config, "sqlite", sqlite_file)
        assert same_rows(first, sqlite_file.read_bytes()), "a rerun of the command changed rows"
        print(f"the commands, end to end (a new process reading a {len(pages)}-page XML dump):")
        for fmt, seconds in command.items():
            print(f"  records -f {fmt:<6}: {seconds:7.3f} s  {n / seconds:9.0f} records/s")
        print(f"  sqlite / jsonl  : {command['sqlite'] / command['jsonl']:5.2f}x")
        size = {"jsonl": len(jsonl_file.read_bytes()), "sqlite": len(first)}
        print(
            f"  file sizes      : jsonl {size['jsonl'] / 1024:.0f} KiB, "
            f"sqlite {size['sqlite'] / 1024:.0f} KiB"
        )
        assert len(jsonl.encode("utf-8")) > 0


if __name__ == "__main__":
    main()
