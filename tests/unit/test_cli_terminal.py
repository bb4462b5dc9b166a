"""The terminal and files: colour, live per-page lines, dry-run wording, BOM, rebuild problems.

On a copy of the bundled example mirror.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikisync.cli import cli
from wikisync.cli.edit import _print, _progress
from wikisync.cli.main import State
from wikisync.cli.terminal import paint_status, use_color
from wikisync.ops.batch.run import PageReport

ESC = "\x1b["


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _no_stray_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WIKISYNC_CONFIG", "WIKISYNC_SITE", "WIKISYNC_USER", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


def _invoke(example: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-c", str(example / "wikisync.toml"), *args], env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


# -- colour -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "tty", "no_color", "expected"),
    [
        ("auto", True, "", True),
        ("auto", True, "1", False),
        ("auto", False, "", False),
        ("always", False, "1", True),
        ("never", True, "", False),
    ],
)
def test_use_color(mode: str, tty: bool, no_color: str, expected: bool) -> None:
    stream = _Tty() if tty else io.StringIO()
    assert use_color(mode, stream, {"NO_COLOR": no_color} if no_color else {}) is expected


def test_paint_status_colours_only_when_asked() -> None:
    assert paint_status("edited", False) == "edited"
    assert paint_status("edited", True).startswith(ESC)
    assert paint_status("refused", True) != paint_status("edited", True)
    assert paint_status("unchanged", True) == "unchanged"


def test_color_always_colours_diffs_and_status_words(example: Path) -> None:
    code, out, err = _invoke(example, "--color", "always", "set", "event", "place=X", "--dry-run")
    assert code == 0
    assert ESC in out  # the diffs
    assert f"{ESC}33mwould change" in err  # the status words


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--color", "never"], {}), ([], {}), ([], {"NO_COLOR": "1"}), (["--color", "auto"], {})],
)
def test_no_colour_when_never_not_a_terminal_or_no_color(
    example: Path, args: list[str], env: dict[str, str]
) -> None:
    code, out, err = _invoke(example, *args, "set", "event", "place=X", "--dry-run", env=env)
    assert code == 0
    assert "would change" in err
    assert ESC not in out
    assert ESC not in err


def test_color_option_rejects_other_values(example: Path) -> None:
    code, _, err = _invoke(example, "--color", "sometimes", "pages", "Evénement")
    assert code == 2
    assert "sometimes" in err


# -- per-page lines as they happen ---------------------------------------------------


def test_each_page_is_reported_by_the_callback_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    state = State(None, {}, 0, "never")
    with contextlib.ExitStack() as stack:
        on_page = _progress(state, stack, None)
        on_page(PageReport("Première", status="planned", added=1, removed=1), 1, 3)
        first = capsys.readouterr()
        assert first.err == 'page "Première" would change (+1 -1 lines)\n'
        on_page(PageReport("Deuxième", status="skipped", message="no infobox"), 2, 3)
        assert capsys.readouterr().err == ""  # skipped pages only with -v
        on_page(PageReport("Troisième", status="failed", message="boom"), 3, 3)
        assert capsys.readouterr().err == 'wikisync: page "Troisième" failed: boom\n'


def test_the_summary_does_not_repeat_the_page_lines(capsys: pytest.CaptureFixture[str]) -> None:
    from wikisync.ops.batch.run import BatchReport

    report = BatchReport("set", "here", "now", dry_run=True)
    report.pages.append(PageReport("Première", status="planned"))
    _print(State(None, {}, 0, "never"), report, None)
    assert capsys.readouterr().err == "set (dry run): 1 page would change\n"


def test_every_page_line_is_printed_once_in_page_order(example: Path) -> None:
    code, _, err = _invoke(example, "-v", "set", "event", "place=X", "--dry-run")
    assert code == 0
    lines = [line for line in err.splitlines() if line.startswith('page "')]
    titles = [line.split('"')[1] for line in lines]
    assert len(titles) == len(set(titles)) == 16
    assert titles == sorted(titles)


# -- dry run wording ----------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["set", "event", "place=X"],
        ["rename-param", "Event", "place", "Lieu"],
        ["remove-param", "Event", "shortDescription"],
    ],
)
def test_a_dry_run_says_would_change_never_edited_or_saved(example: Path, args: list[str]) -> None:
    before = (example / "mirror" / "pages.jsonl").read_bytes()
    code, _, err = _invoke(example, *args, "--dry-run")
    assert code == 0
    assert "would change" in err
    assert " edited" not in err
    assert "saved" not in err
    assert "(dry run): " in err.splitlines()[-1]
    assert "planned" not in err
    assert (example / "mirror" / "pages.jsonl").read_bytes() == before


def test_a_real_run_says_edited(example: Path) -> None:
    code, _, err = _invoke(example, "set", "event", "place=X")
    assert code == 0
    assert "edited in the mirror" in err
    assert err.splitlines()[-1].startswith("set: ")
    assert "would change" not in err


# -- CSV byte order mark ------------------------------------------------------------


def test_export_starts_with_a_bom_by_default_and_not_with_no_bom(example: Path) -> None:
    with_bom, without = example / "a.csv", example / "b.csv"
    assert _invoke(example, "export", "event", "-o", str(with_bom))[0] == 0
    assert _invoke(example, "export", "event", "-o", str(without), "--no-bom")[0] == 0
    assert with_bom.read_bytes().startswith(b"\xef\xbb\xbf")
    assert not without.read_bytes().startswith(b"\xef\xbb\xbf")
    assert with_bom.read_bytes()[3:] == without.read_bytes()


def test_import_reads_a_file_without_bom_unchanged(example: Path) -> None:
    sheet = example / "b.csv"
    assert _invoke(example, "export", "event", "-o", str(sheet), "--no-bom")[0] == 0
    code, _, err = _invoke(example, "import", "event", str(sheet))
    assert code == 0
    assert "edited" not in err


def test_export_help_mentions_the_bom() -> None:
    result = CliRunner().invoke(cli, ["export", "--help"])
    assert "--bom / --no-bom" in result.output
    assert "byte order mark" in result.output


# -- rebuild shows data problems ----------------------------------------------------


@pytest.mark.usefixtures("speaks_the_wiki_language")
def test_rebuild_shows_a_count_and_the_first_problems(example: Path) -> None:
    code, _, err = _invoke(example, "rebuild", "events")
    assert code == 0
    lines = err.splitlines()
    assert "wikisync : events : 4 problèmes de données dans les pages :" in lines  # French mirror
    shown = [line for line in lines if line.startswith("  Page ")]
    assert len(shown) == 3
    assert any("… et 1 autre" in line for line in lines)  # one language: French throughout


def test_rebuild_verbose_shows_every_problem_and_a_quiet_or_repeat_run_none(
    example: Path,
) -> None:
    code, _, err = _invoke(example, "-v", "rebuild", "events", "--dry-run")
    assert code == 0
    assert len([line for line in err.splitlines() if line.startswith("  Page ")]) == 4
    assert _invoke(example, "-q", "rebuild")[1:] == ("", "")
    assert _invoke(example, "rebuild")[0] == 0
    assert _invoke(example, "rebuild")[1:] == ("", "")  # nothing changed: silent, as for cron


def test_rebuild_report_still_lists_the_problems(example: Path) -> None:
    report = example / "run.json"
    assert _invoke(example, "rebuild", "events", "--report", str(report))[0] == 0
    jobs = json.loads(report.read_text(encoding="utf-8"))["jobs"]
    assert len(jobs[0]["problems"]) == 4
