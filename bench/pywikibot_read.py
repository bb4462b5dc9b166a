"""Child process of ``bench.bench_read``: pywikibot's preloading generator.

Not run by hand. ``bench_read`` writes a throwaway pywikibot directory
(``user-config.py`` with an automatic family for the test wiki's API URL and
throttling off, ``user-password.py`` with the bot password) and runs::

    PYWIKIBOT_DIR=<dir> PYWIKIBOT_NO_USER_CONFIG=0 python -m bench.pywikibot_read CATEGORY

pywikibot reads its configuration when it is imported, hence the separate
process. This prints one JSON line on stdout::

    {"version": ..., "seconds": ..., "requests": ..., "pages": ...,
     "loop_seconds": ..., "loop_requests": ..., "user": ...}

``seconds``/``requests`` cover creating the site, logging in and the loop (like
the other rows of the bench, which include their site info and login);
``loop_*`` cover the loop alone. Requests are counted at the transport: every
HTTP request pywikibot sends goes through ``pywikibot.comms.http.session``
(one ``requests.Session``; ``comms.http.fetch`` calls its ``request`` method),
so wrapping that method counts real round trips, retries included.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def main() -> None:
    category = sys.argv[1]
    import pywikibot
    from pywikibot import config, pagegenerators
    from pywikibot.comms import http

    if config.family == "wikipedia":  # user-config.py was not read
        raise SystemExit(f"pywikibot did not read user-config.py from {config.base_dir}")
    sent = {"n": 0}
    original = http.session.request

    def counting(*args: Any, **kwargs: Any) -> Any:
        sent["n"] += 1
        return original(*args, **kwargs)

    http.session.request = counting  # type: ignore[method-assign]

    start = time.perf_counter()
    site = pywikibot.Site()
    site.login()
    if not site.logged_in():
        raise SystemExit(f"pywikibot could not log in to {site} as {site.username()}")
    user = site.user()
    cat = pywikibot.Category(site, category)
    loop_start, loop_sent = time.perf_counter(), sent["n"]
    pages = 0
    for page in pagegenerators.PreloadingGenerator(
        pagegenerators.CategorizedPageGenerator(cat), groupsize=500
    ):
        page.text  # noqa: B018 (the preloaded text; a miss would fetch it)
        pages += 1
    end = time.perf_counter()
    print(
        json.dumps(
            {
                "version": pywikibot.__version__,
                "seconds": end - start,
                "requests": sent["n"],
                "pages": pages,
                "loop_seconds": end - loop_start,
                "loop_requests": sent["n"] - loop_sent,
                "user": user,
            }
        )
    )


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # one clear line for the bench's report
        raise SystemExit(f"{type(exc).__name__}: {exc}") from exc
