"""A soak of ``wikisync watch``: every index change followed, nothing missed or doubled.

Builds a test wiki (the default synthetic corpus), starts ``wikisync watch
communs`` as a process (optionally through tests/faultproxy.py at ``--faults``
of the requests), then makes ``--changes`` changes as another account (Admin)
at random intervals (0 to 2 s, a third of them in same-second bursts): edits of
a commun's description, creations, deletions, restores, moves, pages leaving
the category, and a template that adds its pages to the category or takes them
out. Halfway the watcher is restarted (SIGTERM, exit 143, start again); at
three quarters it is killed with SIGKILL just after a poll announced the job
(in the save) and started again. Once the soak settles, it prints:

- missed: pages the index shows wrongly (a member absent, a description not
  the latest, a page gone or moved still listed) -- must be 0;
- doubled: bot saves of the index that changed nothing in its section -- 0;
- latency (edit call to the index showing the new description), p50/p95/max,
  against the interval;
- requests per idle minute at the wiki's access log (the PHP server's log)
  over ``--idle`` seconds with no change -- should be 60/interval;
- the most saves of the index within any ``min_interval`` -- at most 1;
- the watcher's tracebacks (0) and whether it still runs.

Run: ``.venv/bin/python -m bench.bench_watch [--changes 1000] [--interval 60]
[--min-interval 60] [--faults 0.05] [--idle 180]``
"""

from __future__ import annotations

import argparse
import calendar
import itertools
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import mwclient

from tests.corpus import generate_corpus, write_export_xml
from tests.faultproxy import FaultProxy
from tests.mediawiki import TestWiki
from wikisync.presets import load_preset

INDEX = "Communs"
CATEGORY = "Catégorie:Commun"
TEMPLATE = "Modèle:MarqueCommun"


@dataclass
class Soak:
    """What the changer did and when, for the checks."""

    latencies: list[float] = field(default_factory=list)
    waiting: dict[str, float] = field(default_factory=dict)  # token -> edit time
    token_of: dict[str, str] = field(default_factory=dict)  # page -> its awaited token
    superseded: int = 0  # tokens edited over before the index could show them
    kinds: dict[str, int] = field(default_factory=dict)


def _page_text(site: mwclient.Site, title: str) -> str:
    page = site.pages[title]
    return str(page.text()) if page.exists else ""


def _commun(token: str, category: str = "[[Catégorie:Commun]]") -> str:
    return f"{{{{Ressource\n|shortDescription={token}\n|Theme=Vélo\n}}}}\n{category}\n"


def _members(wiki: TestWiki) -> list[str]:
    reply = wiki.api(action="query", list="categorymembers", cmtitle=CATEGORY, cmlimit=500)
    return sorted(item["title"] for item in reply["query"]["categorymembers"])


def _index(wiki: TestWiki) -> str:
    reply = wiki.api(
        action="query", prop="revisions", titles=INDEX, rvprop="content", rvslots="main"
    )
    return str(reply["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"])


class Watcher:
    """The ``wikisync watch`` process, its output kept."""

    def __init__(self, config: Path, env: dict[str, str]) -> None:
        self.config, self.env = config, env
        self.lines: list[str] = []
        self.errors: list[str] = []
        self.process: subprocess.Popen[str] | None = None
        self.reader = threading.Thread()
        self.exits: list[int] = []

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wikisync", "-c", str(self.config), "watch", "communs"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # the log lines go to standard error
            text=True,
        )
        process = self.process
        self.reader = threading.Thread(target=self._read, args=(process.stdout, self.lines))
        self.reader.start()

    @staticmethod
    def _read(stream: object, into: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            into.append(line)

    def stop(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        self.exits.append(self.process.wait(timeout=120))
        self.reader.join(timeout=30)  # the pipe's end is read: close it
        if self.process.stdout is not None:
            self.process.stdout.close()

    def kill_in_save(self, timeout: float) -> bool:
        """SIGKILL just after a poll announces the job; True when it caught one."""
        seen = len(self.lines)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any("jobs: communs" in line for line in self.lines[seen:]):
                self.stop(signal.SIGKILL)
                return True
            time.sleep(0.01)
        self.stop(signal.SIGKILL)
        return False


def _change(
    site: mwclient.Site,
    rng: random.Random,
    soak: Soak,
    state: dict[str, list[str]],
    run_jobs: Callable[[], object],
) -> None:
    members = state["members"]
    kind = rng.choices(
        ["edit", "create", "delete", "restore", "move", "leave", "template"],
        weights=[50, 12, 8, 6, 8, 8, 2],
    )[0]
    if sum(soak.kinds.values()) % 40 == 20:  # a template toggle at least every 40 changes
        kind = "template"
    if kind in ("delete", "move", "leave", "edit") and len(members) < 6:
        kind = "create"
    if kind == "restore" and not state["deleted"]:
        kind = "edit"
    token = f"jeton{len(soak.waiting) + sum(soak.kinds.values())}x{rng.randrange(10**6)}"
    if kind == "edit":
        title = rng.choice(members)
        site.pages[title].edit(_commun(token), summary="soak")
        old = soak.token_of.pop(title, None)
        if old is not None and soak.waiting.pop(old, None) is not None:
            soak.superseded += 1
        soak.waiting[token] = time.monotonic()
        soak.token_of[title] = token
    elif kind == "create":
        title = f"Commun soak {token}"
        site.pages[title].edit(_commun(token), summary="soak")
        members.append(title)
    elif kind == "delete":
        title = rng.choice(members)
        _forget(soak, title)
        site.pages[title].delete(reason="soak")
        members.remove(title)
        state["deleted"].append(title)
    elif kind == "restore":
        title = state["deleted"].pop()
        site.post("undelete", title=title, reason="soak", token=site.get_token("csrf"))
        members.append(title)
    elif kind == "move":
        title = rng.choice(members)
        _forget(soak, title)
        new = f"Commun déplacé {token}"
        site.pages[title].move(new, reason="soak", no_redirect=True)
        members.remove(title)
        members.append(new)
    elif kind == "leave":
        title = rng.choice(members)
        _forget(soak, title)
        site.pages[title].edit(_commun(token, category=""), summary="soak")
        members.remove(title)
    else:
        on = "[[Catégorie:Commun]]" not in _page_text(site, TEMPLATE)
        site.pages[TEMPLATE].edit(
            f"<includeonly>{'[[Catégorie:Commun]]' if on else ''}</includeonly>", summary="soak"
        )
        run_jobs()  # a wiki whose job queue keeps up: the pages' categories follow
    soak.kinds[kind] = soak.kinds.get(kind, 0) + 1


def _forget(soak: Soak, title: str) -> None:
    """A page that leaves the index: its awaited description will never show."""
    old = soak.token_of.pop(title, None)
    if old is not None and soak.waiting.pop(old, None) is not None:
        soak.superseded += 1


def _follow(wiki: TestWiki, soak: Soak, stop: threading.Event) -> None:
    """Note when each edited description first shows on the index (read directly)."""
    while not stop.is_set():
        text = _index(wiki)
        now = time.monotonic()
        for token, at in list(soak.waiting.items()):
            if token in text:
                soak.latencies.append(now - at)
                del soak.waiting[token]
        time.sleep(0.2)


def _bot_saves(wiki: TestWiki) -> list[dict[str, object]]:
    reply = wiki.api(
        action="query",
        prop="revisions",
        titles=INDEX,
        rvprop="user|timestamp|content|ids",
        rvslots="main",
        rvlimit=500,
    )
    revisions = reply["query"]["pages"][0]["revisions"]
    return list(reversed(revisions))


def _section(text: str) -> str:
    start = text.find("<!-- wikisync:begin communs")
    end = text.find("<!-- wikisync:end communs")
    return text[start:end]


def _api_lines(wiki: TestWiki) -> int:
    path = wiki.directory / "server.log"
    with path.open("rb") as log:
        return sum(1 for line in log if b"/api.php" in line)


@dataclass
class Figures:
    """What a soak measured (see the module's list)."""

    kinds: dict[str, int]
    seconds: float
    missed: dict[str, list[str]]
    superseded: int
    doubled: int
    saves: int
    latencies: list[float]
    idle_per_minute: float
    most_saves: int
    exits: list[int]
    caught: bool
    alive: bool
    tracebacks: int
    faults: int = 0
    proxied: int = 0

    @property
    def missed_count(self) -> int:
        """Every miss of every kind."""
        return sum(len(items) for items in self.missed.values())


def soak(wiki: TestWiki, workdir: Path, args: argparse.Namespace) -> Figures:
    """Run the soak on a started ``wiki`` (its server log counts the requests)."""
    proxy = FaultProxy(wiki.port, seed=args.seed, rate=args.faults).start() if args.faults else None
    watchers: list[Watcher] = []
    try:
        return _soak(wiki, workdir, args, proxy, watchers)
    finally:
        for watcher in watchers:  # a soak that failed half-way leaves no process behind
            if watcher.process is not None and watcher.process.poll() is None:
                watcher.stop(signal.SIGKILL)
        if proxy is not None:
            proxy.stop()


def _soak(
    wiki: TestWiki,
    workdir: Path,
    args: argparse.Namespace,
    proxy: FaultProxy | None,
    watchers: list[Watcher],
) -> Figures:
    site_url = proxy.url if proxy is not None else wiki.url
    config = workdir / "wikisync.toml"
    config.write_text(
        f'site = "{site_url}"\nuser = "{wiki.bot_user}"\ntimeout = 2\nmax_wait = 20\n\n'
        f"{load_preset('fabmob')}\n[watch]\ninterval = {args.interval}\n"
        f"min_interval = {args.min_interval}\nreconcile = 0\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "WIKISYNC_PASSWORD": wiki.bot_password,
        "WIKISYNC_CACHE": str(workdir / "cache.sqlite"),
        "XDG_STATE_HOME": str(workdir / "state"),
        "PYTHONUNBUFFERED": "1",
    }
    admin = mwclient.Site(wiki.host, path="/", scheme="http")
    admin.login(wiki.admin_user, wiki.admin_password)
    admin.pages[TEMPLATE].edit("<includeonly></includeonly>", summary="soak")
    for number in range(3):  # pages whose membership the template decides
        admin.pages[f"Commun par modèle {number}"].edit(
            _commun(f"modèle{number}", category="{{MarqueCommun}}"), summary="soak"
        )
    watcher = Watcher(config, env)
    watchers.append(watcher)
    watcher.start()
    deadline = time.monotonic() + 120
    while not any("communs: page" in line for line in watcher.lines):  # the first full pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the watcher did no first pass in 120 s: {watcher.lines}")
        time.sleep(0.2)
    done, rng = Soak(), random.Random(args.seed)
    state = {"members": _members(wiki), "deleted": []}
    stop = threading.Event()
    follower = threading.Thread(target=_follow, args=(wiki, done, stop), daemon=True)
    follower.start()
    started = time.monotonic()
    caught = False

    def change() -> None:
        _change(admin, rng, done, state, lambda: wiki.maint("runJobs"))

    for number in range(args.changes):
        if number == args.changes // 2:
            watcher.stop(signal.SIGTERM)
            watcher.start()
        if number == 3 * args.changes // 4:
            change()  # a change for the job the kill interrupts
            caught = watcher.kill_in_save(3 * args.interval + 10)
            watcher.start()
        burst = 3 if rng.random() < 0.1 else 1  # same-second bursts
        for _ in range(burst):
            change()
        time.sleep(rng.uniform(0, 2 * args.pace))
    soak_seconds = time.monotonic() - started
    wiki.maint("runJobs")  # the template's pages join or leave the category
    settle = 3 * args.interval + args.min_interval + args.settle
    time.sleep(settle)
    stop.set()
    follower.join()
    text = _index(wiki)
    members = _members(wiki)
    missed = [title for title in members if f"[[{title}]]" not in text]
    gone = [t for t in state["deleted"] if f"[[{t}]]" in text and t not in members]
    stale = sorted(done.waiting)  # descriptions never shown on the index
    latest = {t: _page_text(admin, t) for t in members}
    wrong = [
        t
        for t, body in latest.items()
        if "shortDescription=jeton" in body
        and body.split("shortDescription=")[1].split("\n")[0] not in text
    ]
    revisions = _bot_saves(wiki)
    bot = [r for r in revisions if r["user"] == TestWiki.BOT_NAME]
    doubled = 0
    for before, after in itertools.pairwise(revisions):
        if after["user"] == TestWiki.BOT_NAME:
            old = _section(str(before["slots"]["main"]["content"]))  # type: ignore[index]
            new = _section(str(after["slots"]["main"]["content"]))  # type: ignore[index]
            doubled += old == new
    times = [calendar.timegm(time.strptime(str(r["timestamp"]), "%Y-%m-%dT%H:%M:%SZ")) for r in bot]
    window = max(args.min_interval, 1)
    most = max((sum(1 for t in times if s <= t < s + window) for s in times), default=0)
    before_idle = _api_lines(wiki)
    time.sleep(args.idle)
    idle_requests = _api_lines(wiki) - before_idle
    alive = watcher.process is not None and watcher.process.poll() is None
    watcher.stop(signal.SIGTERM)
    tracebacks = sum("Traceback" in line for line in watcher.lines)
    return Figures(
        kinds=done.kinds,
        seconds=soak_seconds,
        missed={
            "absent": missed,
            "gone but listed": gone,
            "old description": wrong,
            "description never shown": stale,
        },
        superseded=done.superseded,
        doubled=doubled,
        saves=len(bot),
        latencies=sorted(done.latencies),
        idle_per_minute=idle_requests * 60 / args.idle,
        most_saves=most,
        exits=watcher.exits,
        caught=caught,
        alive=alive,
        tracebacks=tracebacks,
        faults=len(proxy.events) if proxy is not None else 0,
        proxied=proxy.requests if proxy is not None else 0,
    )


def run(args: argparse.Namespace) -> int:
    """Build a test wiki, soak it, print the figures."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    corpus = generate_corpus()
    dump = workdir / "corpus.xml"
    write_export_xml(corpus.pages, dump)
    wiki = TestWiki.create(workdir / "wiki")
    wiki.import_xml(dump)
    wiki.start()
    try:
        figures = soak(wiki, workdir, args)
    finally:
        wiki.stop()
    lat = figures.latencies
    print(f"changes: {sum(figures.kinds.values())} in {figures.seconds:.0f} s: {figures.kinds}")
    print(
        f"interval {args.interval:g} s, min_interval {args.min_interval:g} s, "
        f"faults {args.faults:g}"
    )
    if args.faults:
        print(f"faults injected: {figures.faults} of {figures.proxied} requests")
    print(
        f"missed: {figures.missed_count} ({figures.missed}; {figures.superseded} descriptions "
        "edited over or taken out before they could show: not counted)"
    )
    print(f"doubled index edits: {figures.doubled} (bot saves of the index: {figures.saves})")
    if lat:
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
        print(
            f"latency (edit -> index shows it): p50 {statistics.median(lat):.1f} s, "
            f"p95 {p95:.1f} s, max {lat[-1]:.1f} s, against interval {args.interval:g} s"
        )
    print(
        f"requests per idle minute at the access log: {figures.idle_per_minute:.2f} "
        f"(expected {60 / args.interval:.2f})"
    )
    window = max(args.min_interval, 1)
    print(f"most index saves within any {window:g} s: {figures.most_saves} (≤ 1 expected)")
    print(
        f"restart exit codes: {figures.exits}; SIGKILL in a save caught: {figures.caught}; "
        f"still running before the end: {figures.alive}; tracebacks: {figures.tracebacks}"
    )
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=60.0)
    parser.add_argument("--min-interval", type=float, default=60.0)
    parser.add_argument("--faults", type=float, default=0.0)
    parser.add_argument("--pace", type=float, default=1.0, help="mean seconds between changes")
    parser.add_argument("--idle", type=float, default=180.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds added to the wait")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
