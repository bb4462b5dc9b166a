"""Mirror commands: ``pull``, ``status`` and ``push`` (see :mod:`wikisync.ops.sync`).

The wiki is ``--site`` when it is a URL, else the one the mirror records (a
mirror is never synced with another wiki). Conflicts and refused pages end
the command with exit code 3. ``push`` holds the run locks of the wiki (its
probed api.php URL) and of the mirror folder, ``pull`` the mirror folder's
(it writes only the mirror; reading the wiki while another run writes it is
safe): a run refused by a lock exits with code 4. ``push`` stops after the
page in flight on SIGINT/SIGTERM (exit 130/143).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from wikisync import files
from wikisync.cli.hints import cli_words
from wikisync.cli.main import (
    State,
    cli,
    report_errors,
    report_option,
    run_lock,
    say_stopped,
    write_options,
    write_report,
)
from wikisync.cli.outcomes import run_exit_code
from wikisync.cli.selection import selection_options
from wikisync.cli.terminal import paint_status, would
from wikisync.config import DEFAULT_SUMMARY
from wikisync.core.diffs import paint_diff
from wikisync.core.errors import SiteError
from wikisync.core.selection import Selection
from wikisync.i18n import choose_language, gettext, set_language
from wikisync.interrupt import stop_on_signals
from wikisync.ops.publish import utc_now
from wikisync.ops.sync import PullItem, PushItem, mirror_status, pull, push
from wikisync.ports.outcome import Outcome
from wikisync.ports.sync import Connection
from wikisync.sources import open_revision_cache, open_wiki

_QUIET_ACTIONS = frozenset({Outcome.ADDED, Outcome.UPDATED, Outcome.SAVED, Outcome.CREATED})


def _connect(state: State, mirror: Path) -> Connection:
    return open_wiki(state.config(), mirror)


def _warn_cache_unused(state: State, command: str, why: str) -> None:
    """Say that --cache/--no-cache, given on the command line, do nothing for ``command``."""
    given = [
        flag
        for flag, key in (("--cache", "cache"), ("--no-cache", "use_cache"))
        if state.overrides.get(key) is not None
    ]
    if given and state.verbosity >= 0:
        click.echo(
            f"wikisync: warning: {' and '.join(given)} do nothing for {command}: {why}", err=True
        )


def _stopped(command: str, mirror: Path, actions: list[str]) -> None:
    """The summary of a run the wiki's failure stopped (the error line follows)."""
    counts = ", ".join(f"{n} {action}" for action, n in Counter(actions).items()) or "nothing"
    click.echo(
        f"{command} {mirror}: stopped after {len(actions)} pages ({counts}; each recorded in "
        f"the mirror); run '{command}' again to finish",
        err=True,
    )


def _mirror_language(state: State, mirror: Path) -> str:
    """The run's language: the setting, else the mirrored wiki's (its folder's namespaces)."""
    from wikisync.core.errors import WikisyncError
    from wikisync.ops.quality.check import source_language
    from wikisync.sources import open_source

    lang = state.config().lang
    if lang or not mirror.is_dir():
        return choose_language(lang)
    try:
        with open_source(str(mirror)) as local:
            return choose_language("", source_language(local))
    except WikisyncError:  # not a mirror yet: English
        return choose_language("")


@contextmanager
def _connected(
    state: State, mirror: Path, command: str
) -> Iterator[tuple[Connection, Callable[[PullItem | PushItem], None]]]:
    """The wiki's client and an ``on_page`` that records each page done; closed at the end.

    When the wiki fails, the pages done are summed up (see :func:`_stopped`) before the error.
    """
    client = _connect(state, mirror)
    set_language(_mirror_language(state, mirror))  # the default edit summary's too
    actions: list[str] = []
    try:
        yield client, lambda item: actions.append(item.action)
    except SiteError:
        _stopped(command, mirror, actions)
        raise
    finally:
        client.close()


def _mirror_argument(exists: bool) -> click.Path:
    return click.Path(file_okay=False, exists=exists, path_type=Path)


@cli.command("pull")
@click.argument("categories", nargs=-1, metavar="[CATEGORY]...")
@click.argument("mirror", metavar="DIR", type=_mirror_argument(False))
@click.option("--page", "titles", multiple=True, metavar="TITLE", help="Also pull this page.")
@click.option("-r", "--recursive", is_flag=True, help="Include the pages of subcategories.")
@selection_options
@click.pass_obj
def pull_command(
    state: State,
    categories: tuple[str, ...],
    mirror: Path,
    titles: tuple[str, ...],
    recursive: bool,
    selection: Selection | None,
) -> None:
    """Pull pages of the wiki into the mirror folder DIR (created if needed).

    Adds the pages of each CATEGORY (with a selection option, only those it
    chooses; without a CATEGORY, every page it chooses) and each --page, and brings every page
    already in DIR up to date; only changed revisions are fetched, and not
    even those when the revision cache holds them (a 'records' or 'rebuild'
    run read them): the pages fetched go into the cache (see the global
    --cache and --no-cache). A file you
    edited is never overwritten: the wiki's edit is merged into it, or, where
    both edits touch the same lines, the wiki's version is written beside it
    as FILE.remote and the page is reported as a conflict (exit code 3).

    \b
    Example:
      wikisync --site https://wiki.example.org --user WikiBot@sync pull Evénement mirror
      wikisync pull mirror            # refresh everything already pulled
    """
    with _connected(state, mirror, "pull") as (client, on_page):
        cache = open_revision_cache(state.config())
        try:
            with run_lock(mirror, "pull"):
                report = pull(
                    client,
                    mirror,
                    categories=categories,
                    titles=titles,
                    recursive=recursive,
                    selection=selection,
                    cache=cache,
                    on_page=on_page,
                )
        finally:
            if cache is not None:
                cache.close()
    for item in report.items:
        # A quiet action with something to say is told too (a file named apart, restored).
        if item.action not in _QUIET_ACTIONS or item.detail or state.verbosity > 0:
            line = f"{item.action:<9} {item.title}"
            click.echo(f"{line}: {cli_words(item.detail)}" if item.detail else line, err=True)
    counts = ", ".join(f"{n} {action}" for action, n in report.counts().items()) or "up to date"
    from_cache = f", {report.cached} from the cache" if report.cached else ""
    click.echo(
        f"pull {mirror}: {report.listed} pages listed, {report.fetched} fetched{from_cache}; "
        f"{counts} ({report.requests} requests)",
        err=True,
    )
    code = run_exit_code(report.outcomes())
    if code:
        sys.exit(code)


@cli.command("status")
@click.argument("mirror", metavar="DIR", type=_mirror_argument(True))
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per page that is not unchanged; json: every page.",
)
@click.pass_obj
def status_command(state: State, mirror: Path, fmt: str) -> None:
    """Show how each page of the mirror DIR stands against the wiki.

    States: unchanged, modified (locally), changed (on the wiki), mergeable
    (changed locally and on the wiki, and the edits merge cleanly: push
    merges them), conflict (changed locally and on the wiki in the same
    place, or a FILE.remote waits: push saves nothing), new (locally),
    deleted (on the wiki), moved (on the wiki), deleted-locally. One listing
    request per 500 pages as a bot; only pages changed on both sides have
    their wiki revision fetched, to merge them as push would (the revision
    cache, --cache and --no-cache, plays no part).

    \b
    Example:
      wikisync status mirror --format json
    """
    _warn_cache_unused(state, "status", "it reads no page content")
    client = _connect(state, mirror)
    try:
        report = mirror_status(client, mirror)
    finally:
        client.close()
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    for page in report.pages:
        if page.state == Outcome.UNCHANGED:
            continue
        line = f"{page.state:<16} {page.title}"
        if page.new_title:
            line += f" -> {page.new_title}"
        if page.detail:
            line += f": {cli_words(page.detail)}"
        click.echo(line)
    counts = ", ".join(f"{n} {state}" for state, n in report.counts().items()) or "empty"
    click.echo(f"status {mirror}: {len(report.pages)} pages: {counts}", err=True)


@cli.command("push")
@click.argument("mirror", metavar="DIR", type=_mirror_argument(True))
@click.option(
    "--summary",
    "-m",
    "--message",
    "summary",
    metavar="TEXT",
    help="Edit summary [default: the summary setting (WIKISYNC_SUMMARY or the file's "
    f"summary), else '{DEFAULT_SUMMARY}' in the run's language].",
)
@click.option("--create", is_flag=True, help="Create pages for files new locally.")
@click.option("--dry-run", is_flag=True, help="Print the diffs that would be saved; write nothing.")
@write_options
@report_option(
    "Write a JSON report to FILE (- for standard output; per page: action, revision, detail)."
)
@click.pass_obj
def push_command(
    state: State,
    mirror: Path,
    summary: str | None,
    create: bool,
    dry_run: bool,
    minor: bool,
    bot: bool,
    report_path: Path | None,
) -> None:
    """Save the pages edited in the mirror DIR to the wiki.

    Each page is saved against the revision it was pulled at. A page edited
    on the wiki meanwhile is merged when the edits do not overlap; otherwise
    it is not saved, the wiki's version goes beside the file as FILE.remote
    and the command exits with code 3. Every page is listed on a line of
    its own: saved, merged, created, or not saved and why (-q: only those
    not saved). Files new locally create pages only
    with --create; deleted files are never deleted on the wiki. Holds the
    run lock of the wiki and of DIR (exit 4 when another run holds one);
    SIGINT or SIGTERM stops it after the page in flight (exit 130/143; push
    again to send the rest).

    The revision cache (--cache, --no-cache) plays no part: push reads the
    revisions it merges with, and reads back what it saved, from the wiki.

    \b
    Example:
      wikisync --user WikiBot@sync push mirror --summary "dates corrigées" --dry-run
    """
    if report_path is not None:
        files.check_output(report_path)  # a bad report path is refused before any page is sent
    config = state.config()
    started = utc_now()
    _warn_cache_unused(state, "push", "it reads the revisions it needs from the wiki itself")
    with (
        report_errors(report_path, "push", str(mirror), started=started),
        _connected(state, mirror, "push") as (client, on_page),
        run_lock(client, "push", writes=not dry_run),
        run_lock(mirror, "push", writes=not dry_run),
        stop_on_signals() as stop,
    ):
        report = push(
            client,
            mirror,
            summary=summary or config.summary or gettext(DEFAULT_SUMMARY),
            create=create,
            dry_run=dry_run,
            minor=minor,
            bot=bot,
            on_page=on_page,
        )
    data: dict[str, Any] = {
        "command": "push",
        "site": client.url,
        "mirror": str(mirror),
        "started": started,
        **report.to_dict(),
        "exit_code": run_exit_code(report.outcomes(), stop),
    }
    write_report(report_path, data, stop)
    out_color, err_color = state.color(), state.color(err=True)
    for item in report.items:
        if dry_run and item.diff:
            click.echo(paint_diff(item.diff) if out_color else item.diff, nl=False, color=out_color)
        # Every page saved is listed (only -q leaves the saves out).
        if item.action not in _QUIET_ACTIONS or state.verbosity >= 0 or dry_run:
            if item.action == Outcome.NOT_DONE and state.verbosity <= 0:
                continue
            action = would(item.action) if dry_run else item.action
            pad = " " * max(1, 10 - len(action))
            line = f"{paint_status(action, err_color)}{pad}{item.title}"
            line = f"{line}: {cli_words(item.detail)}" if item.detail else line
            click.echo(line, err=True, color=err_color)
    counts = (
        ", ".join(
            f"{n} {would(action) if dry_run else action}" for action, n in report.counts().items()
        )
        or "nothing to do"
    )
    prefix = "push (dry run)" if dry_run else "push"
    click.echo(f"{prefix} {mirror}: {counts} ({report.requests} requests)", err=True)
    left = report.counts().get(Outcome.NOT_DONE, 0)
    say_stopped(stop, len(report.items) - left, left)
    code = run_exit_code(report.outcomes(), stop)
    if code:
        sys.exit(code)
