"""A refused page says what would let it through as a fact (``needs``), not as CLI words.

The library's report entries carry ``needs`` (the argument a caller passes:
``force``, ``allow_shrink``, ``create``, ``trusted``); the command line maps it
to its flag (wikisync/cli/hints.py) in its JSON report and its messages, in the
run's language.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikisync.cli import cli
from wikisync.cli.hints import CLI_WORDS, NEEDS_FLAGS
from wikisync.config import load_config
from wikisync.core.errors import HandEditError, MissingPageError, ShrinkError, WikisyncError
from wikisync.ops.jobs.run import plan_jobs
from wikisync.sources import open_source

EVENTS = Path("mirror") / "_main" / "Evénements.wiki"


def _hand_edit(example: Path) -> None:
    page = example / EVENTS
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace("<!-- wikisync:end events", "* ajouté à la main\n<!-- wikisync:end events"),
        encoding="utf-8",
    )


def _shrink(example: Path) -> None:
    """The events list written once, then one event less with max_shrink = 0."""
    config = example / "wikisync.toml"
    done = CliRunner().invoke(cli, ["-c", str(config), "rebuild", "events"])
    assert done.exit_code == 0, done.output
    text = config.read_text(encoding="utf-8")
    job = 'page = "Evénements"\n'
    config.write_text(text.replace(job, job + "max_shrink = 0.0\n"), encoding="utf-8")
    event = next(
        page
        for page in sorted((example / "mirror" / "_main").glob("*.wiki"))
        if "{{Event\n" in page.read_text(encoding="utf-8")
    )
    event.write_text(event.read_text(encoding="utf-8").replace("{{Event\n", "{{Autre\n"), "utf-8")


def _missing(example: Path) -> None:
    config = example / "wikisync.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('page = "Evénements"', 'page = "Agenda"'), encoding="utf-8")


@pytest.mark.parametrize(
    ("spoil", "needs"),
    [(_hand_edit, "force"), (_shrink, "allow_shrink"), (_missing, "create")],
)
def test_a_refused_job_page_needs_its_override(example: Path, spoil: object, needs: str) -> None:
    assert callable(spoil)
    spoil(example)
    config = load_config(example / "wikisync.toml")
    with open_source(config) as source:
        _, report = plan_jobs(config, source, names=["events"])
    [job] = report.jobs
    assert job.status == "refused" and job.needs == needs
    [entry] = report.page_outcomes()
    assert entry.needs == needs and entry.to_dict()["needs"] == needs
    assert job.to_dict()["needs"] == needs
    assert not [flag for flag in NEEDS_FLAGS.values() if flag in job.message]  # no CLI words


def test_needs_is_left_out_when_nothing_would_help(example: Path) -> None:
    config = load_config(example / "wikisync.toml")
    with open_source(config) as source:
        _, report = plan_jobs(config, source, names=["events"])
    [entry] = report.page_outcomes()
    assert entry.needs == "" and "needs" not in entry.to_dict()


def test_every_override_an_error_names_has_a_flag() -> None:
    needed = {cls.needs for cls in (HandEditError, ShrinkError)} | {"create", "trusted"}
    assert needed == set(NEEDS_FLAGS)
    assert all(NEEDS_FLAGS[n] == CLI_WORDS[f"{n}=True"] for n in needed)
    assert MissingPageError("X", needs="create").needs == "create"
    assert WikisyncError.needs is None


@pytest.mark.usefixtures("speaks_the_wiki_language")
@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "or overwrite them with --force"),
        ("fr", "ou écrasez-les avec --force"),  # French words, the command line's flag
    ],
)
def test_the_command_line_maps_needs_to_its_flag(example: Path, lang: str, said: str) -> None:
    _hand_edit(example)
    config = example / "wikisync.toml"
    config.write_text(f'lang = "{lang}"\n' + config.read_text("utf-8"), encoding="utf-8")
    report = example / "run.json"
    result = CliRunner().invoke(
        cli, ["-c", str(config), "rebuild", "events", "--report", str(report)]
    )
    assert result.exit_code == 3, result.output
    assert said in result.stderr and "force=True" not in result.stderr
    [job] = json.loads(report.read_text(encoding="utf-8"))["jobs"]
    assert job["status"] == "refused"
    assert job["needs"] == "force" and job["flag"] == "--force"


def test_a_batch_page_refused_for_markup_needs_trusted(example: Path) -> None:
    """set with a value that would inject a template: refused before any page, naming --trusted."""
    config = str(example / "wikisync.toml")
    result = CliRunner().invoke(
        cli, ["-c", config, "set", "event", "shortDescription={{Modèle}}", "--dry-run"]
    )
    assert result.exit_code == 2, result.output
    assert "--trusted" in result.stderr and "trusted=True" not in result.stderr
