"""Writes that survive faults: set, push, import and rebuild through a fault proxy.

Builds a test wiki of ``--events`` event pages, then runs, each through
tests/faultproxy.py injecting ``--rate`` faults of every kind on every request
(connection refused, reset before and after the wiki handled the request,
503, 429, replies slower than the timeout, truncated replies, maxlag), while
a "human" edits some of the same pages directly:

- ``set event Theme=…`` over every event page;
- ``pull`` of the events into a mirror, ``--push`` of them edited, then ``push``;
- ``export``/``import`` of ``--rows`` changed cells;
- ``rebuild`` of the index pages.

Each command is run again until it exits 0 (at most 5 runs). Printed per
command: each fault kind's count, the runs needed, lost edits, duplicated
revisions, overwritten human edits, partial texts, pages whose report is wrong
(an edit reported "unchanged"), and the wall time beside the same command
without faults (``--no-baseline`` skips those runs). Everything is read back
from the wiki directly, not through the proxy.

Run: ``.venv/bin/python -m bench.bench_faults [--events 1000] [--push 200] [--rows 200]``
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mwclient
from click.testing import CliRunner, Result

from bench.common import build_wiki
from tests.faultcheck import Tally, check_edits, latest_revids, planned_texts
from tests.faultproxy import KINDS, FaultProxy
from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.config import Config, load_config
from wikisync.mirror.reader import open_mirror
from wikisync.ops.batch.run import set_fields
from wikisync.ops.collect import record_type_named
from wikisync.ops.jobs.run import rebuild_jobs
from wikisync.ops.sheet import read_sheet
from wikisync.ops.spreadsheet import import_records
from wikisync.presets import load_preset

TODAY = "2025-01-06"
MAX_RUNS = 5


@dataclass
class Figures:
    """One command's figures."""

    name: str
    faults: Counter[str] = field(default_factory=Counter)
    runs: int = 0
    exit_codes: list[int] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    expected: int = 0
    reported: int | None = None
    requests: int = 0
    seconds: float = 0.0
    baseline: float | None = None
    tracebacks: int = 0
    outputs: list[str] = field(default_factory=list)


class Bench:
    """The wiki, its configuration files and the runs."""

    def __init__(self, wiki: TestWiki, home: Path, *, rate: float, seed: int) -> None:
        self.wiki = wiki
        self.home = home
        self.rate = rate
        self.seed = seed

    def config_file(self, site: str) -> Path:
        path = self.home / f"wikisync-{abs(hash(site))}.toml"
        user = f"{TestWiki.BOT_NAME}@{TestWiki.BOT_APP}"
        path.write_text(f'site = "{site}"\nuser = "{user}"\n\n' + load_preset("fabmob"))
        return path

    def cli(self, site: str, *args: str) -> Result:
        env = {
            "WIKISYNC_PASSWORD": self.wiki.bot_password,
            "WIKISYNC_CACHE": str(self.home / "cache.sqlite"),
            "XDG_STATE_HOME": str(self.home / "state"),
            "WIKISYNC_TIMEOUT": "5",
            "WIKISYNC_CONFIG": None,
            "WIKISYNC_SITE": None,
            "WIKISYNC_USER": None,
        }
        return CliRunner().invoke(cli, ["-c", str(self.config_file(site)), *args], env=env)

    def direct_config(self) -> Config:
        return load_config(
            self.config_file(self.wiki.url),
            overrides={"password": self.wiki.bot_password, "use_cache": False},
        )

    def planned(self, plan: Callable[[Any, Config], Any]) -> dict[str, str]:
        return planned_texts(self.direct_config(), plan)

    def members(self, category: str) -> list[str]:
        titles: list[str] = []
        cont: dict[str, str] = {}
        while True:
            reply = self.wiki.api(
                action="query",
                list="categorymembers",
                cmtitle=f"Catégorie:{category}",
                cmlimit=500,
                **cont,
            )
            titles += [m["title"] for m in reply["query"]["categorymembers"] if m["ns"] == 0]
            if "continue" not in reply:
                return titles
            cont = {"cmcontinue": reply["continue"]["cmcontinue"]}

    def scope(self) -> list[str]:
        return self.members("Evénement") + self.members("Webinaire")


class Human(threading.Thread):
    """Another account prepending a line to random pages of ``titles`` while a run goes on."""

    def __init__(self, wiki: TestWiki, titles: list[str], *, edits: int, seed: int) -> None:
        super().__init__(daemon=True)
        self.wiki = wiki
        self.titles = titles
        self.edits = edits
        self.rng = random.Random(seed)
        self.lines: dict[str, str] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        site = mwclient.Site(self.wiki.host, path="/", scheme="http", max_retries=0)
        site.login(self.wiki.admin_user, self.wiki.admin_password)
        while len(self.lines) < self.edits and not self.stop.wait(1.5):
            title = self.rng.choice([t for t in self.titles if t not in self.lines])
            line = f"Note humaine {len(self.lines) + 1}."
            page = site.pages[title]
            page.edit(f"{line}\n{page.text()}", summary="note humaine")
            self.lines[title] = line


def _repeat(bench: Bench, figures: Figures, proxy: FaultProxy, run: Callable[[], Result]) -> None:
    started = time.perf_counter()
    before_requests = proxy.requests
    for _ in range(MAX_RUNS):
        result = run()
        figures.runs += 1
        figures.exit_codes.append(result.exit_code)
        figures.outputs.append(result.output[-600:])
        if "Traceback" in result.output or (
            result.exception is not None and not isinstance(result.exception, SystemExit)
        ):
            figures.tracebacks += 1
        if result.exit_code == 0:
            break
    figures.seconds = time.perf_counter() - started
    figures.requests = proxy.requests - before_requests
    figures.faults = Counter(event.kind for event in proxy.events)


def _baseline(bench: Bench, run: Callable[[str], Result]) -> float:
    bench.wiki.restore("seeded")
    started = time.perf_counter()
    result = run(bench.wiki.url)
    if result.exit_code != 0:
        print(f"  (baseline run exited {result.exit_code}: {result.output[-300:]})")
    return time.perf_counter() - started


def bench_set(bench: Bench, baseline: bool) -> Figures:
    figures = Figures("set")
    value = "Thème sous fautes"
    event = record_type_named(bench.direct_config().types, "event")

    def run(site: str) -> Result:
        return bench.cli(site, "set", "event", f"Theme={value}", "--report", str(report))

    report = bench.home / "set.json"
    if baseline:
        figures.baseline = _baseline(bench, run)
    bench.wiki.restore("seeded")
    expected = bench.planned(
        lambda source, _: set_fields(source, None, event, {"Theme": value}, dry_run=True)
    )
    scope = bench.scope()
    before = latest_revids(bench.wiki, scope)
    human = Human(bench.wiki, sorted(expected), edits=10, seed=bench.seed)
    with FaultProxy(bench.wiki.port, seed=bench.seed, rate=bench.rate, slow_seconds=6) as proxy:
        human.start()
        _repeat(bench, figures, proxy, lambda: run(proxy.url))
        human.stop.set()
        human.join()
    figures.expected = len(expected)
    figures.tally = check_edits(bench.wiki, before, expected, human_lines=human.lines)
    figures.reported = _reported_edits(report)
    return figures


def bench_push(bench: Bench, pages: int, baseline: bool) -> Figures:
    figures = Figures("push")

    def edit_mirror(mirror: Path) -> dict[str, str]:
        entries = open_mirror(mirror).entries()
        expected = {}
        for title in sorted(entries)[:pages]:
            path = mirror / entries[title].file
            text = path.read_text(encoding="utf-8") + f"\nModifié hors ligne ({title}).\n"
            path.write_text(text, encoding="utf-8")
            expected[title] = text
        return expected

    if baseline:
        bench.wiki.restore("seeded")
        mirror = bench.home / "mirror-baseline"
        bench.cli(bench.wiki.url, "pull", "Evénement", str(mirror))
        edit_mirror(mirror)
        started = time.perf_counter()
        bench.cli(bench.wiki.url, "push", str(mirror))
        figures.baseline = time.perf_counter() - started
    bench.wiki.restore("seeded")
    mirror = bench.home / "mirror"
    with FaultProxy(bench.wiki.port, seed=bench.seed + 1, rate=0.0) as proxy:
        pulled = bench.cli(proxy.url, "pull", "Evénement", str(mirror))
        if pulled.exit_code != 0:
            print(f"  pull failed: {pulled.output[-300:]}")
        expected = edit_mirror(mirror)
        before = latest_revids(bench.wiki, bench.scope())
        human = Human(bench.wiki, sorted(expected), edits=10, seed=bench.seed + 1)
        proxy.rate = bench.rate
        human.start()
        _repeat(bench, figures, proxy, lambda: bench.cli(proxy.url, "push", str(mirror)))
        human.stop.set()
        human.join()
    figures.expected = len(expected)
    figures.tally = check_edits(bench.wiki, before, expected, human_lines=human.lines)
    saved = [o for o in figures.outputs[:1] if " saved" in o]
    if saved:
        tail = saved[0].rsplit(f"push {mirror}: ", 1)[-1]
        figures.reported = sum(
            int(part.split()[0])
            for part in tail.split("(")[0].split(",")
            if part.split()[1:2] in (["saved"], ["merged"])
        )
    return figures


def bench_import(bench: Bench, rows: int, baseline: bool) -> Figures:
    figures = Figures("import")
    bench.wiki.restore("seeded")
    exported = bench.home / "events.csv"
    bench.cli(bench.wiki.url, "export", "event", "-o", str(exported))
    with exported.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    column = table[0].index("shortDescription")
    changed = 0
    for row in table[1:]:
        if row[1] == "0" and changed < rows:
            row[column] = f"Description revue sous fautes n° {changed}."
            changed += 1
    edited = bench.home / "events-edited.csv"
    with edited.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(table)
    report = bench.home / "import.json"

    def run(site: str) -> Result:
        return bench.cli(site, "import", "event", str(edited), "--report", str(report))

    if baseline:
        figures.baseline = _baseline(bench, run)
    bench.wiki.restore("seeded")
    event = record_type_named(bench.direct_config().types, "event")
    expected = bench.planned(
        lambda source, _: import_records(
            source, None, event, read_sheet(edited, event), dry_run=True
        )
    )
    before = latest_revids(bench.wiki, bench.scope())
    with FaultProxy(bench.wiki.port, seed=bench.seed + 2, rate=bench.rate, slow_seconds=6) as proxy:
        _repeat(bench, figures, proxy, lambda: run(proxy.url))
    figures.expected = len(expected)
    figures.tally = check_edits(bench.wiki, before, expected)
    figures.reported = _reported_edits(report)
    return figures


def bench_rebuild(bench: Bench, baseline: bool) -> Figures:
    figures = Figures("rebuild")
    report = bench.home / "rebuild.json"

    def run(site: str) -> Result:
        return bench.cli(site, "rebuild", "--today", TODAY, "--report", str(report))

    if baseline:
        figures.baseline = _baseline(bench, run)
    bench.wiki.restore("seeded")
    today = dt.date.fromisoformat(TODAY)
    expected = bench.planned(
        lambda source, config: rebuild_jobs(config, source, None, today=today, dry_run=True)
    )
    before = latest_revids(bench.wiki, [*expected, *bench.scope()])
    with FaultProxy(bench.wiki.port, seed=bench.seed + 3, rate=bench.rate, slow_seconds=6) as proxy:
        _repeat(bench, figures, proxy, lambda: run(proxy.url))
    figures.expected = len(expected)
    figures.tally = check_edits(bench.wiki, before, expected)
    if report.exists():
        jobs = json.loads(report.read_text(encoding="utf-8"))["jobs"]
        figures.reported = sum(job["status"] in ("edited", "created") for job in jobs)
    return figures


def _reported_edits(report: Path) -> int | None:
    if not report.exists():
        return None
    pages = json.loads(report.read_text(encoding="utf-8"))["pages"]
    return sum(page["status"] == "edited" for page in pages)


def print_table(all_figures: list[Figures], rate: float) -> None:
    print(f"\nfaults injected on {rate:.0%} of requests, every kind; human edits beside set/push")
    head = ["", *[f.name for f in all_figures]]
    rows: list[list[str]] = [head]
    for kind in KINDS:
        rows.append([f"faults: {kind}", *[str(f.faults[kind]) for f in all_figures]])
    rows.append(["faults: all", *[str(sum(f.faults.values())) for f in all_figures]])
    rows.append(["requests (all runs)", *[str(f.requests) for f in all_figures]])
    rows.append(["runs needed", *[str(f.runs) for f in all_figures]])
    rows.append(["exit codes", *[",".join(map(str, f.exit_codes)) for f in all_figures]])
    rows.append(["tracebacks", *[str(f.tracebacks) for f in all_figures]])
    rows.append(["pages to edit", *[str(f.expected) for f in all_figures]])
    rows.append(["pages edited", *[str(f.tally.edited) for f in all_figures]])
    rows.append(["lost edits", *[str(f.tally.lost) for f in all_figures]])
    rows.append(["duplicated revisions", *[str(f.tally.duplicated) for f in all_figures]])
    rows.append(["overwritten human edits", *[str(f.tally.overwritten) for f in all_figures]])
    rows.append(["partial texts", *[str(f.tally.partial) for f in all_figures]])
    rows.append(["unexpected edits", *[str(f.tally.unexpected) for f in all_figures]])
    rows.append(
        [
            "edits reported (1st run)",
            *["-" if f.reported is None else str(f.reported) for f in all_figures],
        ]
    )
    rows.append(["wall time, faults (s)", *[f"{f.seconds:.1f}" for f in all_figures]])
    rows.append(
        [
            "wall time, no faults (s)",
            *["-" if f.baseline is None else f"{f.baseline:.1f}" for f in all_figures],
        ]
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    for row in rows:
        print(
            "  ".join(
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(row)
            )
        )
    for figures in all_figures:
        for problem in figures.tally.problems[:10]:
            print(f"  {figures.name}: {problem}")
        for run, (code, output) in enumerate(zip(figures.exit_codes, figures.outputs, strict=True)):
            if code != 0:
                tail = [line for line in output.splitlines() if line.strip()][-4:]
                print(f"  {figures.name}, run {run + 1} exited {code}:")
                for line in tail:
                    print(f"    {line[:160]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--push", type=int, default=200, help="mirror pages edited and pushed")
    parser.add_argument("--rows", type=int, default=200, help="spreadsheet cells changed")
    parser.add_argument("--rate", type=float, default=0.07, help="share of requests faulted")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-baseline", action="store_true", help="skip the fault-free runs")
    parser.add_argument(
        "--only", choices=["set", "push", "import", "rebuild"], action="append", default=None
    )
    args = parser.parse_args()
    only = set(args.only or ["set", "push", "import", "rebuild"])
    baseline = not args.no_baseline
    with tempfile.TemporaryDirectory(prefix="wikisync-bench-faults-") as tmp:
        wiki, _ = build_wiki(args.events, Path(tmp))
        home = Path(tmp) / "home"
        home.mkdir()
        bench = Bench(wiki, home, rate=args.rate, seed=args.seed)
        all_figures = []
        with wiki.start():
            if "set" in only:
                all_figures.append(bench_set(bench, baseline))
                print(f"set done in {all_figures[-1].seconds:.0f} s", flush=True)
            if "push" in only:
                all_figures.append(bench_push(bench, args.push, baseline))
                print(f"push done in {all_figures[-1].seconds:.0f} s", flush=True)
            if "import" in only:
                all_figures.append(bench_import(bench, args.rows, baseline))
                print(f"import done in {all_figures[-1].seconds:.0f} s", flush=True)
            if "rebuild" in only:
                all_figures.append(bench_rebuild(bench, baseline))
                print(f"rebuild done in {all_figures[-1].seconds:.0f} s", flush=True)
        print_table(all_figures, args.rate)


if __name__ == "__main__":
    main()
