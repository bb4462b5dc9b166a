"""The ``wikisync`` command group, its global options and its error handling.

Each command loads the configuration once (flags > ``WIKISYNC_*`` > file),
calls one library function and prints its result. Every ``WikisyncError`` is
caught in one place (:class:`_Group`) and becomes a one-line message on stderr
and the error's exit code (see DESIGN: 0 ok, 1 failure, 2 usage or
configuration, 3 conflicts or refused pages, 4 locked). Anything else keeps
its traceback: it is a bug.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from wikisync.__about__ import __version__
from wikisync.config import Config, load_config
from wikisync.errors import WikisyncError
from wikisync.files import write_atomic
from wikisync.lock import RunLock, default_lock_path
from wikisync.sources import Source, open_source, source_kind


@dataclass
class State:
    """What the group's options hand to each command."""

    config_path: str | None
    overrides: dict[str, Any]
    verbosity: int
    _config: Config | None = field(default=None, repr=False)

    def config(self) -> Config:
        """Load the configuration once, asking for the password if needed."""
        if self._config is None:
            config = load_config(self.config_path, overrides=self.overrides)
            if config.user and config.password is None and sys.stdin.isatty():
                password = click.prompt(
                    f"Password for {config.user}",
                    hide_input=True,
                    err=True,
                    default="",
                    show_default=False,
                )
                config = config.with_overrides(password=password or None)
            self._config = config
        return self._config

    def source(self) -> Source:
        """Open the configured site as a page source."""
        return open_source(self.config())


def write_output(path: Path, text: str) -> None:
    """Write a command's output file atomically (never a half-written file)."""
    write_atomic(path, text.encode("utf-8"))


def write_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add --minor and --bot/--no-bot, the options of every command that saves."""
    function = click.option("--minor", is_flag=True, help="Mark the edits as minor (live wiki).")(
        function
    )
    return click.option(
        "--bot/--no-bot",
        default=True,
        show_default=True,
        help="Mark the edits as bot edits (live wiki).",
    )(function)


@contextmanager
def run_lock(config: Config, command: str, *, writes: bool = True) -> Iterator[None]:
    """Hold the run lock of the configured site while writing (not for a dry run)."""
    source_kind(config.site)  # a clear configuration error before any lock
    if not writes:  # a dry run reads only: it may run beside a real one
        yield
        return
    with RunLock(default_lock_path(config.site), command=command):
        yield


@contextmanager
def opened_source(state: State) -> Iterator[Source]:
    """Open the configured site and close it when done."""
    source = state.source()
    try:
        yield source
    finally:
        source.close()


class _Group(click.Group):
    """A click group that turns WikisyncError into a message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WikisyncError as exc:
            click.echo(f"wikisync: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


def _setup_logging(verbosity: int) -> None:
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="wikisync: %(message)s", stream=sys.stderr, force=True)
    # urllib3 would log request lines at DEBUG; wikisync logs what matters itself.
    logging.getLogger("urllib3").setLevel(logging.WARNING)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="wikisync")
@click.option(
    "-c",
    "--config",
    "config_path",
    metavar="FILE",
    help="Configuration file [default: $WIKISYNC_CONFIG or ./wikisync.toml].",
)
@click.option(
    "--site",
    metavar="URL|DIR|DUMP",
    help="The wiki's URL (site root, script path, api.php or any page's URL), a mirror folder, "
    "or an XML dump (.xml, .xml.bz2, .xml.gz). [env: WIKISYNC_SITE]",
)
@click.option(
    "--user",
    metavar="NAME",
    help="Login name, e.g. a bot password's WikiBot@sync; the password comes from "
    "WIKISYNC_PASSWORD or a prompt. [env: WIKISYNC_USER]",
)
@click.option(
    "--cache",
    metavar="PATH",
    help="Revision cache file for incremental reads of a live wiki "
    "[default: the user cache folder]. [env: WIKISYNC_CACHE]",
)
@click.option(
    "--no-cache",
    "no_cache",
    is_flag=True,
    default=None,
    help="Read everything afresh; neither read nor write the cache.",
)
@click.option("-v", "--verbose", count=True, help="Say more (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: str | None,
    site: str | None,
    user: str | None,
    cache: str | None,
    no_cache: bool | None,
    verbose: int,
    quiet: bool,
) -> None:
    """Keep a MediaWiki wiki's structured content and index pages in order.

    Reads a live wiki, a local mirror folder or an XML dump; turns infoboxes
    into typed records; rebuilds index pages between wikisync markers.

    \b
    Example:
      wikisync --site https://wiki.example.org --user WikiBot@sync pages Evénement
    """
    verbosity = -1 if quiet else verbose
    _setup_logging(verbosity)
    overrides = {
        "site": site,
        "user": user,
        "cache": cache,
        "use_cache": False if no_cache else None,
    }
    ctx.obj = State(config_path, overrides, verbosity)
