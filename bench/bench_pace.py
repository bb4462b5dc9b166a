"""Benchmark: a ``set`` over N event pages as a bot held to core's rate limit (90 edits a minute).

Not a test. Builds a real test wiki holding N event pages (200 by default),
takes the bot's ``noratelimit`` away (core's ``$wgRateLimits``, counted in the
database cache), runs ``wikisync set event place=…`` once, and prints:

- the wall time, beside the least any client keeping the limit can take
  (``(saved - 1) // hits`` full windows of ``seconds``);
- the ``ratelimited`` replies: the wiki's own count (its ``ratelimit`` log)
  and the retries wikisync logged;
- the pages edited (all of them, in one run).

Run from the repository root::

    .venv/bin/python -m bench.bench_pace              # N=200
    .venv/bin/python -m bench.bench_pace --events 100
"""

from __future__ import annotations

import logging
import time
import tomllib
from pathlib import Path

from bench.common import bench_main, build_wiki
from wikisync.config import Config
from wikisync.ops.batch.run import set_fields
from wikisync.ops.collect import record_type_named
from wikisync.ops.publish import open_target
from wikisync.presets import load_preset
from wikisync.sources import open_source
from wikisync.wiki.reader import WikiSource

VALUE = "Halle de la mobilité, Lyon"


class _Retries(logging.Handler):
    """Counts the retries wikisync logs after a ``ratelimited`` reply."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "retry" in record.getMessage() and "ratelimited" in record.getMessage():
            self.count += 1


def bench(events: int, workdir: Path) -> None:
    wiki, _corpus = build_wiki(events, workdir)
    preset = tomllib.loads(load_preset("fabmob"))
    wiki.set_ratelimit(True)  # core's limits: 90 edits a minute for a logged-in user
    retries = _Retries()
    logger = logging.getLogger("wikisync")
    logger.addHandler(retries)
    logger.setLevel(logging.INFO)
    with wiki.start():
        config = Config(
            site=wiki.url,
            user=wiki.bot_user,
            password=wiki.bot_password,
            use_cache=False,
            types=preset["types"],
        )
        source = open_source(config)
        assert isinstance(source, WikiSource)
        event = record_type_named(config.types, "event")
        start = time.perf_counter()
        try:
            report = set_fields(source, open_target(source), event, {"place": VALUE})
        finally:
            source.close()
        wall = time.perf_counter() - start
    pace = source.client.pace
    assert pace is not None and pace.limits, "the wiki announced no rate limit"
    limit = min(pace.limits, key=lambda limit: limit.hits / limit.seconds)
    saved = report.count("edited")
    implied = (saved - 1) // limit.hits * limit.seconds
    print(f"\n'set event place=…' over {events} event pages as a bot without noratelimit:")
    print(f"  limit announced by the wiki     {pace.describe()}")
    print(f"  pages edited / in the report    {saved} / {len(report.pages)}")
    print(f"  outcomes                        {report.counts()}")
    print(f"  wall time                       {wall:.1f} s")
    print(
        f"  least the limit allows          {implied:.0f} s ({(saved - 1) // limit.hits} windows)"
    )
    print(f"  wall / least                    {wall / implied:.3f}x" if implied else "")
    print(f"  waited for the pace             {pace.waited:.1f} s")
    print(f"  ratelimited (the wiki's log)    {wiki.ratelimit_trips()}")
    print(f"  ratelimited retries (wikisync)  {retries.count}")


def main() -> None:
    bench_main(__doc__ or "", bench, events=200)


if __name__ == "__main__":
    main()
