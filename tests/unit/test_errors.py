"""One exception tree: all wikisync raises on purpose is a WikisyncError.

The library's errors say what happened; the command line alone maps them to
exit codes (``wikisync.cli.outcomes.ERROR_EXIT_CODES``, the README's table)
and names flags (``wikisync.cli.hints.CLI_WORDS``).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import wikisync
from tests.make_example import make_example
from wikisync.cli import cli
from wikisync.cli.outcomes import ERROR_EXIT_CODES, error_exit_code, run_exit_code
from wikisync.config import load_config
from wikisync.core import errors
from wikisync.core.errors import (
    PAGE_REFUSALS,
    MissingPageError,
    PublishError,
    SectionError,
    ValueFormatError,
    WikisyncError,
)
from wikisync.core.fields.values import parse_value
from wikisync.ops.jobs.run import plan_jobs
from wikisync.sources import open_source

#: The documented exit codes (README, "Exit codes").
EXIT_CODES = {1, 2, 3, 4}
#: Exception classes of wikisync that are not WikisyncErrors, and why.
NOT_WIKISYNC_ERRORS = {
    # Ctrl-C: a BaseException like KeyboardInterrupt, so no "except Exception" swallows it.
    "wikisync.interrupt.Interrupted",
    # The pure date reader's "not a date" signal (a ValueError); values.py catches it.
    "wikisync.core.dates.TwoDigitYearError",
}


def _exception_classes_of_errors_py() -> list[str]:
    """The classes errors.py defines, read from its source (not from what it imports)."""
    tree = ast.parse(Path(inspect.getfile(errors)).read_text(encoding="utf-8"))
    return [node.name for node in tree.body if isinstance(node, ast.ClassDef)]


def _cli_exit_code(cls: type[BaseException]) -> int | None:
    """The exit code the command line's one table gives an error class (nearest listed class)."""
    return next((ERROR_EXIT_CODES[c] for c in cls.__mro__ if c in ERROR_EXIT_CODES), None)


def test_every_class_of_errors_py_is_a_wikisync_error_the_cli_gives_an_exit_code() -> None:
    names = _exception_classes_of_errors_py()
    assert {"WikisyncError", "ValueFormatError", "SectionError", "MissingPageError"} <= set(names)
    for name in names:
        cls = getattr(errors, name)
        assert issubclass(cls, WikisyncError), name
        assert _cli_exit_code(cls) in EXIT_CODES, name
        assert cls.__doc__ and cls.__doc__.strip(), name
    assert set(ERROR_EXIT_CODES.values()) == EXIT_CODES


def test_the_readme_names_every_error_with_its_exit_code() -> None:
    readme = (Path(__file__).parents[2] / "docs" / "library.md").read_text(encoding="utf-8")
    start = readme.index("raises on purpose is a `wikisync.WikisyncError`")
    listing = " ".join(readme[start : readme.index("programmer errors", start)].split())
    names = _exception_classes_of_errors_py()
    assert names[0] == "WikisyncError" and "`wikisync.WikisyncError`" in listing
    for name in names[1:]:
        assert f"`{name}`" in listing, name
        # "`A`, `B` (2)": a class's exit code is the first "(N)" after its name.
        code = re.search(r"\((\d)\)", listing[listing.index(f"`{name}`") :])
        assert code is not None and int(code[1]) == _cli_exit_code(getattr(errors, name)), name


def test_every_exception_wikisync_exports_is_a_wikisync_error() -> None:
    exported = [getattr(wikisync, name) for name in wikisync.__all__]
    classes = [c for c in exported if inspect.isclass(c) and issubclass(c, BaseException)]
    assert {MissingPageError, SectionError, ValueFormatError, PublishError} <= set(classes)
    for cls in classes:
        assert issubclass(cls, WikisyncError), cls
        assert _cli_exit_code(cls) in EXIT_CODES, cls


def test_no_module_defines_an_exception_outside_the_tree() -> None:
    found = []
    for info in pkgutil.walk_packages(wikisync.__path__, "wikisync."):
        if info.name == "wikisync.__main__":
            continue
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or name.startswith("_"):
                continue
            if issubclass(cls, BaseException):
                found.append(f"{module.__name__}.{name}")
                if f"{module.__name__}.{name}" not in NOT_WIKISYNC_ERRORS:
                    assert issubclass(cls, WikisyncError), f"{module.__name__}.{name}"
                # The command line alone maps an error to an exit code.
                assert not hasattr(cls, "exit_code"), f"{module.__name__}.{name}"
    # The walk saw the classes defined outside errors.py too, and the exceptions.
    assert "wikisync.core.edit_checks.EditError" in found
    assert "wikisync.core.errors.FieldValueError" in found
    assert "wikisync.core.dates.TwoDigitYearError" in found
    assert set(found) >= NOT_WIKISYNC_ERRORS


def test_the_errors_are_the_same_classes_where_the_core_re_exports_them() -> None:
    from wikisync.core import sections
    from wikisync.core.fields import values

    assert values.ValueFormatError is ValueFormatError
    assert sections.SectionError is SectionError
    for name in ("MarkerError", "HandEditError", "ShrinkError"):
        assert getattr(sections, name) is getattr(errors, name)
        assert issubclass(getattr(errors, name), SectionError)


def test_section_errors_are_refusals_but_not_publishing_errors() -> None:
    assert not issubclass(SectionError, PublishError)
    codes = {_cli_exit_code(cls) for cls in (SectionError, PublishError, MissingPageError)}
    assert codes == {3}
    assert set(PAGE_REFUSALS) == {PublishError, SectionError, MissingPageError}


def test_value_format_error_is_bad_input() -> None:
    with pytest.raises(WikisyncError) as info:
        parse_value("date", "bientôt")
    assert isinstance(info.value, ValueFormatError)
    assert error_exit_code(info.value) == 2
    assert (info.value.expected, info.value.value) == ("a date", "bientôt")


# -- raised where they belong, and never a traceback ---------------------------------


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("WIKISYNC_CONFIG", raising=False)
    monkeypatch.delenv("WIKISYNC_SITE", raising=False)
    make_example(tmp_path / "example")
    return tmp_path / "example" / "wikisync.toml"


def test_a_job_page_that_may_not_be_created_is_a_missing_page(example: Path) -> None:
    text = example.read_text(encoding="utf-8")
    example.write_text(text.replace('page = "Communs"', 'page = "Catalogue"'), encoding="utf-8")
    config = load_config(example)
    _, report = plan_jobs(config, open_source(config), names=["communs"])
    [job] = report.jobs
    assert job.status == "refused"
    assert job.message == str(
        MissingPageError(
            "Catalogue",
            'Page "Catalogue" does not exist: create it with create=True (or create = true in '
            "[jobs.communs]), or write it with the markers <!-- wikisync:begin communs --> and "
            "<!-- wikisync:end communs -->",
        )
    )
    assert run_exit_code(report.outcomes()) == 3
    # The command line says the same with its flag.
    result = CliRunner().invoke(cli, ["-c", str(example), "rebuild", "communs"])
    assert result.exit_code == 3, result.output
    assert "create it with --create (or create = true in [jobs.communs])" in result.output
    assert "create=True" not in result.output


EVENTS_PAGE = ("Evénements.wiki", "<!-- wikisync:begin events", "\x00<!-- wikisync:begin events")
EVENT_PAGE = (
    "Atelier « l'écomobilité scolaire » à Besançon.wiki",
    "|place=Hôtel de ville",
    "|place=Hôtel\x00 de ville",
)


@pytest.mark.parametrize(
    ("edit", "command", "exit_code", "before"),
    [
        # The job's own page holds a NUL (a mirror file edited by a tool gone wrong):
        # that page fails, the run goes on.
        (EVENTS_PAGE, ["rebuild", "events"], 1, 'wikisync: events: page "Evénements" failed: '),
        # A record's page does (the wikitext parser would stop reading at it, silently).
        (EVENT_PAGE, ["rebuild", "events"], 1, 'wikisync: events: page "Evénements" failed: '),
        (EVENT_PAGE, ["records", "event"], 2, "wikisync: error: "),
    ],
)
def test_a_nul_in_a_page_file_is_one_line_naming_it(
    example: Path, edit: tuple[str, str, str], command: list[str], exit_code: int, before: str
) -> None:
    file, old, new = edit
    page = example.parent / "mirror" / "_main" / file
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-c", str(example), *command])
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.exit_code == exit_code, result.output
    assert result.output.strip().splitlines() == [
        f'{before}Page file "{page}", line 4: a NUL character (U+0000), which no wiki '
        "page can hold: remove it"
    ]
    assert page.read_text(encoding="utf-8") == text.replace(old, new, 1)
