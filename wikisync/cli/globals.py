"""Global options after the command too: ``wikisync rebuild -v`` as ``wikisync -v rebuild``.

Every command is a :class:`GlobalOptionsCommand` (the group's
``command_class``): it accepts the group's options (``-c/--config``,
``--site``, ``--user``, ``--cache``, ``--no-cache``, ``--log``, ``-v``, ``-q``,
``--color``) among its own, hidden from its option list and named in one
line at the end of its ``--help``. Given after the command, an option wins
over the same option given before it; ``-v`` counts add up.
"""

from __future__ import annotations

from typing import Any

import click

from wikisync.cli.terminal import COLOR_MODES

#: The line every command's --help ends with.
GLOBAL_OPTIONS_LINE = (
    "Global options, before or after the command: -c/--config FILE, --site URL|DIR|DUMP, "
    "--user NAME, --cache PATH, --no-cache, --log FILE, -v/--verbose, -q/--quiet, --color MODE "
    "(see 'wikisync --help')."
)

#: Where a command's parse leaves the global options it was given (``ctx.meta``).
_META_KEY = "wikisync.global_options"


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    assert param.name is not None
    ctx.meta.setdefault(_META_KEY, {})[param.name] = value


def _global_params() -> list[click.Parameter]:
    """Hidden copies of the group's options; each defaults to "not given".

    Not passed to the command's function (``expose_value=False``): their
    values go to ``ctx.meta``, so a command calling another with
    ``ctx.invoke`` needs to know nothing of them.
    """

    def option(*names: str, dest: str, **kwargs: Any) -> click.Option:
        return click.Option(
            [*names, dest],
            hidden=True,
            expose_value=False,
            callback=_remember,
            help="The global option of that name (see 'wikisync --help').",
            **kwargs,
        )

    return [
        option("-c", "--config", dest="config_path", default=None),
        option("--site", dest="site", default=None),
        option("--user", dest="user", default=None),
        option("--cache", dest="cache", default=None),
        option("--no-cache", dest="no_cache", is_flag=True, default=False),
        option("--log", dest="log_file", default=None),
        option("-v", "--verbose", dest="verbose", count=True),
        option("-q", "--quiet", dest="quiet", is_flag=True, default=False),
        option("--color", dest="color_mode", type=click.Choice(COLOR_MODES), default=None),
    ]


def apply_global_options(state: Any, given: dict[str, Any]) -> bool:
    """Put the global options given after a command into the group's ``State``.

    Returns:
        Whether the verbosity changed (logging must then be set up again).
    """
    if given["config_path"] is not None:
        state.config_path = given["config_path"]
    for key in ("site", "user", "cache", "log_file"):
        if given[key] is not None:
            state.overrides[key] = given[key]
    if given["no_cache"]:
        state.overrides["use_cache"] = False
    if given["color_mode"] is not None:
        state.color_mode = given["color_mode"]
    verbosity = state.verbosity
    if given["quiet"]:
        state.verbosity = -1
    elif given["verbose"]:
        state.verbosity = max(state.verbosity, 0) + given["verbose"]
    return bool(state.verbosity != verbosity)


class GlobalOptionsCommand(click.Command):
    """A command that also takes the group's options (see the module's doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(_global_params())

    def invoke(self, ctx: click.Context) -> Any:
        given: dict[str, Any] = ctx.meta.pop(_META_KEY, {})
        state = ctx.obj
        if state is not None and given and apply_global_options(state, given):
            from wikisync.cli.logs import setup_logging

            setup_logging(state.verbosity)
        return super().invoke(ctx)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(GLOBAL_OPTIONS_LINE)
