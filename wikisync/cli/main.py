"""The ``wikisync`` command group, its global options and its error handling.

Each command loads the configuration once (flags > ``WIKISYNC_*`` > file),
calls one library function and prints its result. Every ``WikisyncError`` is
caught in one place (:class:`_Group`) and becomes a one-line message on stderr
and an exit code, by the one rule of :mod:`wikisync.cli.outcomes` (docs/exit-codes.md).
Anything else keeps its
traceback: it is a bug.

The writing commands run inside :func:`guarded_run`: open site, run lock,
stop flag (:mod:`wikisync.ops.lock`), and a ``--report`` written even when the
run is refused or fails.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem

from wikisync import files
from wikisync.__about__ import __version__
from wikisync.cli.globals import GlobalOptionsCommand
from wikisync.cli.hints import cli_words, report_in_cli_words
from wikisync.cli.outcomes import error_exit_code, run_exit_code
from wikisync.cli.outputs import say_wrote
from wikisync.cli.terminal import COLOR_MODES, use_color
from wikisync.config import (
    DEFAULT_CONFIG_NAME,
    ENV_PREFIX,
    Config,
    check_environment,
    load_config,
    not_text,
    redact,
    redact_site,
)
from wikisync.core.errors import (
    ConfigError,
    LockError,
    UnknownNameError,
    UnsafePathError,
    WikisyncError,
)
from wikisync.interrupt import Interrupted, StopFlag, stop_on_signals
from wikisync.ports.outcome import Outcome

if TYPE_CHECKING:  # loaded when a command needs them, not for --version or Tab
    from wikisync.ports.source import Site, Source


@dataclass
class State:
    """What the group's options hand to each command."""

    config_path: str | None
    overrides: dict[str, Any]
    verbosity: int
    color_mode: str = "auto"
    _config: Config | None = field(default=None, repr=False)

    def color(self, *, err: bool = False) -> bool:
        """Whether to colour standard output (``err``: standard error), per ``--color``."""
        return use_color(self.color_mode, sys.stderr if err else sys.stdout)

    def no_config_file(self) -> str | None:
        """Where a configuration file was looked for, when none was found (else None)."""
        if self._config is None or self._config.path is not None or self.config_path:
            return None
        return str(Path.cwd() / DEFAULT_CONFIG_NAME)

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
            if config.lang:  # else English until the site says its language (opened_source)
                from wikisync.i18n import set_language

                set_language(config.lang)
            self._config = config
            if config.log_file:
                from wikisync.cli.logs import log_to_file

                log_to_file(config.log_file)
        return self._config

    def source(self) -> Source:
        """Open the configured site as a page source."""
        from wikisync.sources import open_source

        return open_source(self.config())


def write_output(path: Path, text: str) -> None:
    """Write a command's output file atomically (``-``: standard output); see wikisync.files."""
    files.write_output(path, text.encode("utf-8"))


def echo_or_write(output: Path | None, text: str) -> None:
    """Print ``text`` (ending in one newline) on standard output, or write it to ``output``."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        write_output(output, text)
        say_wrote(output)


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


def _file_option(
    *names: str, help: str, required: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        *names,
        type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
        required=required,
        default=None,
        help=help,
    )


def report_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The --report FILE option (parameter ``report_path``), with its command's ``help``."""
    return _file_option("--report", "report_path", help=help)


def output_option(
    help: str, *, required: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The -o/--output FILE option (``-``: standard output), with its command's ``help``."""
    return _file_option("-o", "--output", help=help, required=required)


def retries_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add --retries, the times a page is read and computed again after an edit conflict."""
    from wikisync.ops.publish import DEFAULT_RETRIES

    return click.option(
        "--retries",
        type=click.IntRange(min=0),
        default=DEFAULT_RETRIES,
        show_default=True,
        help="Read and compute a page again this many times after an edit conflict.",
    )(function)


@contextmanager
def run_lock(site: Site | Path, command: str, *, writes: bool = True) -> Iterator[None]:
    """Hold the run lock of an open site (or a mirror folder) while writing.

    Keyed on :func:`~wikisync.ops.lock.run_lock_key`: a wiki's identity as it reports
    it, the real path of a folder; in the ``lock_dir`` setting's folder when
    set. Not taken for a dry run, which reads only and may run beside a real one.

    Raises:
        LockError: another run holds it (exit code 4); the message names the holder.
    """
    if not writes:
        yield
        return
    from wikisync.ops.lock import RunLock, default_lock_path, run_lock_key

    key = run_lock_key(site)
    state = click.get_current_context().find_object(State)
    lock_dir = state.config().lock_dir if state is not None else None
    path = default_lock_path(key, lock_dir)
    with RunLock(path, command=command, site=key, shared=lock_dir is not None):
        yield


def _error_report(
    command: str, site: str, started: str, exc: WikisyncError | Interrupted
) -> dict[str, Any]:
    status: str = Outcome.FAILED
    if isinstance(exc, LockError):
        status = Outcome.REFUSED
    elif isinstance(exc, Interrupted):
        status = "interrupted"
    return {
        "operation": command,
        "command": command,
        "site": redact_site(site),
        "started": started,
        "status": status,
        "exit_code": error_exit_code(exc),
        "error": redact(cli_words(str(exc))),
    }


@contextmanager
def report_errors(
    report_path: Path | None, command: str, site: str, *, started: str | None = None
) -> Iterator[None]:
    """Write a short JSON report to ``report_path`` when the run ends in an error.

    So a cron job's ``--report`` file always says how the last run went:
    ``status`` is ``refused`` (another run holds the lock, exit code 4),
    ``interrupted`` (stopped at once by a second signal) or ``failed``, with
    ``exit_code`` and the ``error`` message. The error goes on to be printed.
    """
    from wikisync.ops.publish import utc_now

    started = started or utc_now()
    try:
        yield
    except (WikisyncError, Interrupted) as exc:
        if report_path is not None:
            data = _error_report(command, site, started, exc)
            with suppress(OSError, UnsafePathError):  # the error itself is printed
                write_output(report_path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        raise


@contextmanager
def guarded_run(
    state: State, command: str, *, report_path: Path | None, writes: bool
) -> Iterator[tuple[Source, StopFlag]]:
    """The frame of a writing command: open site, run lock, stop flag, error report.

    The site is opened, then its run lock taken (unless ``writes`` is
    False); from then on SIGINT and SIGTERM stop the run after the page in
    flight (see :mod:`wikisync.interrupt`), before that at once (a wiki slow
    to answer is not waited for). An error, a refused lock or an
    interruption included, still writes ``report_path``.

    Yields:
        The open source and the stop flag.
    """
    if report_path is not None:
        files.check_output(report_path)  # a bad report path is refused before any work
    from wikisync.ops.publish import utc_now

    started = utc_now()
    config = state.config()
    with (
        report_errors(report_path, command, config.site, started=started),
        opened_source(state) as source,
        run_lock(source, command, writes=writes),
        stop_on_signals() as stop,
    ):
        yield source, stop


def finish_report(data: dict[str, Any], stop: StopFlag) -> dict[str, Any]:
    """A run report as written: marked ``interrupted`` with the signal's exit code if stopped."""
    if not stop.requested:
        return data
    return {**data, "exit_code": run_exit_code((), stop), "interrupted": stop.signal_name}


def write_report(report_path: Path | None, data: dict[str, Any], stop: StopFlag) -> None:
    """Write a command's JSON run report (see :func:`finish_report`), if asked for."""
    if report_path is not None:
        data = report_in_cli_words(finish_report(data, stop))
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        write_output(report_path, text)
        say_wrote(report_path, "run report", verbosity=1)  # a quiet cron run stays quiet


def say_stopped(stop: StopFlag, done: int, left: int, *, what: str = "page(s)") -> None:
    """The line a stopped run ends with (stderr), whatever the verbosity, in the run's language.

    ``what`` is ``"page(s)"`` or ``"job(s)"``.
    """
    if stop.requested:
        from wikisync.i18n import gettext

        template = (
            gettext(
                "wikisync: stopped by %(signal)s: %(done)d job(s) handled, %(left)d not done; "
                "run the same command again to finish"
            )
            if what == "job(s)"
            else gettext(
                "wikisync: stopped by %(signal)s: %(done)d page(s) handled, %(left)d not done; "
                "run the same command again to finish"
            )
        )
        facts = {"signal": stop.signal_name, "done": done, "left": left}
        click.echo(template % facts, err=True)


@contextmanager
def opened_source(state: State) -> Iterator[Source]:
    """Open the configured site and close it when done."""
    from wikisync.i18n import set_language
    from wikisync.ops.quality.check import report_language

    source = state.source()
    try:
        set_language(report_language(state.config().lang, source))  # the run's language
        yield source
    finally:
        source.close()


#: Each command, the module that defines it and its short help (as click shortens it): a
#: module is imported when its command runs or is asked for, so that ``wikisync --version``
#: and Tab completion load little. test_startup.py checks this table against the commands.
COMMANDS: dict[str, tuple[str, str]] = {
    "apply": ("wikisync.cli.index", "Save exactly the edits of a changeset FILE..."),
    "changes": ("wikisync.cli.changes", "Show which records of each TYPE (all types..."),
    "check": ("wikisync.cli.read", "Validate the pages of each TYPE (all types..."),
    "example": ("wikisync.cli.read", "Copy the bundled example into FOLDER and..."),
    "export": ("wikisync.cli.edit", "Export the records of TYPE to a CSV file..."),
    "import": ("wikisync.cli.edit", "Write back the cells of an exported CSV..."),
    "init": ("wikisync.cli.read", "Write a starter configuration (record..."),
    "new": ("wikisync.cli.create", "Create page TITLE of record TYPE from its..."),
    "pages": ("wikisync.cli.read", "List the pages of CATEGORY (or of the..."),
    "plan": ("wikisync.cli.index", "Write the edits JOBs would make to a..."),
    "pull": ("wikisync.cli.sync", "Pull pages of the wiki into the mirror..."),
    "push": ("wikisync.cli.sync", "Save the pages edited in the mirror DIR to..."),
    "rebuild": ("wikisync.cli.index", "Regenerate and publish the index pages of..."),
    "records": ("wikisync.cli.read", "Extract the records of TYPE from its..."),
    "remove-param": ("wikisync.cli.edit", "Remove parameter NAME (every copy) on..."),
    "rename-param": ("wikisync.cli.edit", "Rename parameter OLD to NEW on every page..."),
    "render": ("wikisync.cli.index", "Print the wikitext JOB generates (the..."),
    "replace": ("wikisync.cli.replace", "Replace PATTERN by REPLACEMENT in the text..."),
    "set": ("wikisync.cli.edit", "Set FIELDs on every record of TYPE (that..."),
    "status": ("wikisync.cli.sync", "Show how each page of the mirror DIR..."),
    "watch": ("wikisync.cli.watch", "Keep the index pages and files of JOBs..."),
}


def load_commands() -> None:
    """Import every command module (each adds its commands to :data:`cli`)."""
    for module in sorted({module for module, _ in COMMANDS.values()}):
        importlib.import_module(module)


class _AllCommands(dict[str, click.Command]):
    """``cli.commands`` for a caller that reads it whole: the command modules load first.

    A look-up of one name loads only that command's module.
    """

    def _one(self, name: object) -> None:
        if isinstance(name, str) and name in COMMANDS and not dict.__contains__(self, name):
            importlib.import_module(COMMANDS[name][0])

    def __contains__(self, name: object) -> bool:
        self._one(name)
        return dict.__contains__(self, name)

    def __getitem__(self, name: str) -> click.Command:
        self._one(name)
        return dict.__getitem__(self, name)

    def get(self, name: str, default: Any = None) -> Any:
        self._one(name)
        return dict.get(self, name, default)

    def __iter__(self) -> Iterator[str]:
        load_commands()
        return dict.__iter__(self)

    def __len__(self) -> int:
        load_commands()
        return dict.__len__(self)

    def keys(self) -> Any:
        load_commands()
        return dict.keys(self)

    def values(self) -> Any:
        load_commands()
        return dict.values(self)

    def items(self) -> Any:
        load_commands()
        return dict.items(self)

    def loaded(self) -> dict[str, click.Command]:
        """The commands whose modules are loaded, loading nothing."""
        return dict(dict.items(self))


class _Group(click.Group):
    """A click group that loads each command's module when the command is needed, turns
    WikisyncError (and a second stop signal) into a message and an exit code; its commands
    take the global options too."""

    command_class = GlobalOptionsCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = self._commands = _AllCommands(self.commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self._commands.loaded()})

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Complete a command's name from :data:`COMMANDS`, without loading its module."""
        results = []
        loaded = self._commands.loaded()
        for name in self.list_commands(ctx):
            if not name.startswith(incomplete):
                continue
            command = loaded.get(name)
            if command is None:
                results.append(CompletionItem(name, help=COMMANDS[name][1]))
            elif not command.hidden:
                results.append(CompletionItem(name, help=command.get_short_help_str()))
        results.extend(click.Command.shell_complete(self, ctx, incomplete))
        return results

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Every command's arguments pass here first: bytes that are not UTF-8 (a
        # value typed in another encoding) are refused before any command runs.
        for number, arg in enumerate(args, start=1):
            at = not_text(arg)
            if at is not None:
                # Never the argument itself: it may hold a password (--site URL).
                code = ord(arg[at])
                byte = f"byte 0x{code - 0xDC00:02x}" if code >= 0xDC80 else f"U+{code:04X}"
                click.echo(
                    f"wikisync: error: argument {number} is not UTF-8 text ({byte} at "
                    f"character {at + 1}); nothing was done",
                    err=True,
                )
                ctx.exit(2)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            check_environment(os.environ)
            return super().invoke(ctx)
        except (WikisyncError, Interrupted) as exc:
            from wikisync.i18n import gettext, say_error

            message = cli_words(say_error(exc)) + _config_hint(ctx, exc)
            line = gettext("wikisync: error: %(message)s") % {"message": message}
            click.echo(redact(line), err=True)
            ctx.exit(error_exit_code(exc))


#: Configuration keys whose error may come from running outside the configuration's folder.
_HINTED_KEYS = ("site", "types", "jobs")


def _config_hint(ctx: click.Context, exc: WikisyncError | Interrupted) -> str:
    """Say that no configuration file was found, when that explains a configuration error;
    name the file and key of a misspelt name that came from the configuration."""
    state = ctx.obj
    from wikisync.i18n import gettext

    if isinstance(exc, UnknownNameError) and exc.key and isinstance(state, State):
        where = state.config().path or gettext("the configuration")
        return gettext(" (%(key)s in %(file)s)") % {"key": exc.key, "file": where}
    if not isinstance(exc, ConfigError) or not isinstance(state, State):
        return ""
    looked = state.no_config_file()
    key = (exc.key or "").split(".")[0]
    if looked is None or key not in _HINTED_KEYS:
        return ""
    return gettext(
        " (no configuration file was found: looked for %(looked)s; "
        "pass -c/--config FILE or set %(variable)s)"
    ) % {"looked": looked, "variable": f"{ENV_PREFIX}CONFIG"}


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
    "or an XML dump (.xml, plain or compressed: .bz2, .gz, .xz, .lzma). [env: WIKISYNC_SITE]",
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
    help="Revision cache file: a live wiki's pages read again (by every command that reads "
    "pages, pull included) are fetched only when their revision changed; status and push "
    "do not use it [default: the user cache folder]. [env: WIKISYNC_CACHE]",
)
@click.option(
    "--no-cache",
    "no_cache",
    is_flag=True,
    default=None,
    help="Fetch every page afresh; neither read nor write the cache. [env: WIKISYNC_USE_CACHE=0]",
)
@click.option(
    "--log",
    "log_file",
    metavar="FILE",
    help="Append a timestamped line per action (read, save, skip, conflict, retry) to FILE; "
    "never a password, cookie or token. [env: WIKISYNC_LOG_FILE]",
)
@click.option("-v", "--verbose", count=True, help="Say more (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option(
    "--color",
    "color_mode",
    type=click.Choice(COLOR_MODES),
    default="auto",
    show_default=True,
    help="Colour diffs and status words: auto (on a terminal, unless NO_COLOR is set), "
    "always or never.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: str | None,
    site: str | None,
    user: str | None,
    cache: str | None,
    no_cache: bool | None,
    log_file: str | None,
    verbose: int,
    quiet: bool,
    color_mode: str,
) -> None:
    """Keep a MediaWiki wiki's structured content and index pages in order.

    Reads a live wiki, a local mirror folder or an XML dump; turns infoboxes
    into typed records; rebuilds index pages between wikisync markers.

    \b
    Example:
      wikisync --site https://wiki.example.org --user WikiBot@sync pages Evénement
    """
    verbosity = -1 if quiet else verbose
    from wikisync.cli.logs import setup_logging  # when a command runs, not for --version

    setup_logging(verbosity)
    overrides = {
        "site": site,
        "user": user,
        "cache": cache,
        "use_cache": False if no_cache else None,
        "log_file": log_file,
    }
    ctx.obj = State(config_path, overrides, verbosity, color_mode)
