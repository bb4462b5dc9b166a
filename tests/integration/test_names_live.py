"""Every name a command is given or reads from its configuration goes through one resolver.

One walk over the click tree, on the live test wiki: each command, given a
misspelt category, template, type, field, parameter or job (on its command
line, or in the configuration it reads), ends in one line, exit code 2, and
names the real one ("did you mean …?"); nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from tests.mediawiki import TestWiki
from wikisync.cli import cli

#: Commands that are given no name and read none from the configuration.
NO_NAMES = frozenset({"apply", "example", "push", "status"})

#: (command line, configuration: "good" or "misspelt" category, the name expected in the hint)
CASES: list[tuple[list[str], str, str]] = [
    (["check", "evnt"], "good", "'event'"),
    (["changes", "evnt"], "good", "'event'"),
    (["replace", "a", "b", "--transcludes", "Evnt", "--dry-run"], "good", "Event"),
    (["pull", "{tmp}/mirror", "--transcludes", "Evnt"], "good", "Event"),
    (["watch", "evnts", "--once"], "good", "'events'"),
    (["check", "-f", "html", "-o", "{tmp}/quality.html"], "misspelt", '"Catégorie:Evénement"'),
    (["export", "evnt", "-o", "{tmp}/x.csv"], "good", "'event'"),
    (["export", "event", "--field", "plce", "-o", "{tmp}/x.csv"], "good", '"place"'),
    (["export", "event", "-o", "{tmp}/x.csv"], "misspelt", '"Catégorie:Evénement"'),
    (["import", "evnt", "-"], "good", "'event'"),
    (["init", "--preset", "fabmb", "-o", "{tmp}/new.toml"], "good", "'fabmob'"),
    (["new", "evnt", "Nouvel atelier", "place=Lyon", "--dry-run"], "good", "'event'"),
    (["new", "event", "Nouvel atelier", "plce=Lyon", "--dry-run"], "good", '"place"'),
    (["pages", "Evenemnt"], "good", '"Catégorie:Evénement"'),
    (["plan", "evnts", "-o", "{tmp}/plan.json"], "good", "'events'"),
    (["plan", "events", "-o", "{tmp}/plan.json"], "misspelt", '"Catégorie:Evénement"'),
    (["pull", "Evenemnt", "{tmp}/mirror"], "good", '"Catégorie:Evénement"'),
    (["rebuild", "evnts", "--dry-run"], "good", "'events'"),
    (["rebuild", "events", "--create", "--dry-run"], "misspelt", '"Catégorie:Evénement"'),
    (["records", "evnt"], "good", "'event'"),
    (["records", "event"], "misspelt", '"Catégorie:Evénement"'),
    (["remove-param", "Evnt", "place", "--dry-run"], "good", '"Modèle:Event"'),
    (["remove-param", "Event", "plce", "--dry-run"], "good", '"place"'),
    (["rename-param", "Event", "Lieux", "place", "--dry-run"], "good", '"Lieu'),
    (["render", "evnts"], "good", "'events'"),
    (["render", "events"], "misspelt", '"Catégorie:Evénement"'),
    (["set", "evnt", "place=Lyon", "--dry-run"], "good", "'event'"),
    (["set", "event", "plce=Lyon", "--dry-run"], "good", '"place"'),
    (["set", "event", "place=Lyon", "--dry-run"], "misspelt", '"Catégorie:Evénement"'),
]


def _commands() -> list[str]:
    with click.Context(cli) as ctx:
        return cli.list_commands(ctx)


def _written(folder: Path) -> list[str]:
    """What the folder holds, but the revision cache and the locks (not outputs)."""
    return sorted(p.name for p in folder.iterdir() if p.name not in ("cache.sqlite", "state"))


def test_a_misspelt_name_is_exit_2_with_the_real_one_in_every_command(
    wiki: TestWiki, config_file: Path, tmp_path: Path
) -> None:
    covered = {args[0] for args, _, _ in CASES}
    assert covered | NO_NAMES == set(_commands()), set(_commands()) - covered - NO_NAMES
    misspelt = tmp_path / "misspelt.toml"
    text = config_file.read_text(encoding="utf-8")
    assert 'categories = ["Evénement"]' in text
    misspelt.write_text(text.replace('categories = ["Evénement"]', 'categories = ["Evenemnt"]'))
    configs = {"good": config_file, "misspelt": misspelt}
    before = _written(tmp_path)
    for args, config, hint in CASES:
        line = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
        result = CliRunner().invoke(
            cli,
            ["-c", str(configs[config]), *line],
            env={"WIKISYNC_PASSWORD": wiki.bot_password},
            input="",
        )
        where = f"{' '.join(line)} ({config}): exit {result.exit_code}\n{result.output}"
        assert result.exit_code == 2, where
        assert result.stdout == "", where
        assert "Traceback" not in result.output, where
        assert hint in result.stderr, where
        if args[0] != "init":  # click's own Choice message: "'fabmb' is not 'fabmob'"
            assert "did you mean" in result.stderr, where
        if config == "misspelt":  # the key to fix, in the configuration
            assert "types.event.categories" in result.stderr, where
        # Nothing written: no output file, no mirror, no report.
        assert _written(tmp_path) == before, where
