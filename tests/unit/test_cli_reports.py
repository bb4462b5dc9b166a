"""One run-report form: every command's ``--report`` JSON is the form docs/commands.md documents.

Walks every command that takes ``--report`` (as tests/unit/test_cli_edges.py walks them all)
on a copy of the bundled example mirror, for real and as a dry run, and checks the file
against ``REPORT_KEYS`` (wikisync/ports/outcome.py) and the README's "Run reports" table.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.unit.test_cli_edges import _commands, _walk_args
from tests.unit.test_cli_signals import EXAMPLE
from wikisync.cli import cli
from wikisync.cli.outcomes import run_exit_code
from wikisync.ports.outcome import REPORT_KEYS, Outcome

#: The keys of a report written when the run ended in an error (README.md, "Reports").
ERROR_KEYS = {"operation", "command", "site", "started", "status", "exit_code", "error"}
#: What each entry of ``outcomes`` holds (``job`` only for rebuild and apply).
ENTRY_KEYS = {"title", "outcome", "message", "revid"}
#: Commands that need a live wiki: offline they end in an error, with its report.
NEED_A_WIKI = frozenset({"push"})


@pytest.fixture(autouse=True)
def _private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    for name in ("WIKISYNC_SUMMARY", "WIKISYNC_CONFIG", "WIKISYNC_SITE", "WIKISYNC_CACHE"):
        monkeypatch.delenv(name, raising=False)


def _reporting_commands() -> list[str]:
    return [
        command
        for command in _commands()
        if any(param.name == "report_path" for param in cli.commands[command].params)
    ]


def _readme_report_keys() -> set[str]:
    # docs/commands.md, "Run reports" (the README is the front page)
    readme = (Path(__file__).parents[2] / "docs" / "commands.md").read_text(encoding="utf-8")
    start = readme.index("| key | JSON type | meaning |")
    keys = set()
    for line in readme[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        keys.add(re.findall(r"`([^`]+)`", line)[0])
    return keys


def check_report(data: dict[str, Any], command: str, exit_code: int) -> None:
    """Fail unless ``data`` is a run report of ``command`` in the documented form."""
    assert data["exit_code"] == exit_code, data
    if set(data) == ERROR_KEYS:
        assert data["operation"] == command
        assert data["status"] in (Outcome.FAILED, Outcome.REFUSED, "interrupted")
        return
    for key, types in REPORT_KEYS.items():
        assert key in data, (command, key)
        assert isinstance(data[key], types), (command, key, data[key])
    assert data["operation"] == command
    stopped = data.get("interrupted")  # only a run stopped by a signal says so
    assert stopped in (None, "SIGINT", "SIGTERM"), stopped
    words = []
    for entry in data["outcomes"]:
        assert set(entry) - {"job"} == ENTRY_KEYS, entry
        assert isinstance(entry["title"], str) and entry["title"], entry
        assert isinstance(entry["message"], str), entry
        assert entry["revid"] is None or isinstance(entry["revid"], int), entry
        words.append(Outcome(entry["outcome"]))  # a word of the vocabulary, or ValueError
    assert data["counts"] == dict(Counter(map(str, words))), command
    assert all(n > 0 for n in data["counts"].values()), data["counts"]
    if stopped:
        assert exit_code == {"SIGINT": 130, "SIGTERM": 143}[stopped]
    else:
        assert run_exit_code(words) == exit_code, (command, words)
    # The command's own per-page list says the same words, page for page.
    own = data.get("pages") or data.get("jobs") or data.get("items")
    if own is not None:
        assert [item.get("status", item.get("action")) for item in own] == words


def test_the_readme_documents_the_report_keys() -> None:
    assert _readme_report_keys() == {*REPORT_KEYS, "exit_code", "interrupted"}


def test_every_writing_command_takes_report() -> None:
    assert set(_reporting_commands()) == {
        "apply",
        "import",
        "new",
        "push",
        "rebuild",
        "remove-param",
        "rename-param",
        "replace",
        "set",
    }


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
def test_every_report_is_the_documented_form(tmp_path: Path, dry_run: bool) -> None:
    seen: dict[str, str] = {}
    for command in _reporting_commands():
        folder = tmp_path / command
        shutil.copytree(EXAMPLE, folder / "fabmob")
        args, _files = _walk_args(command, folder)
        if dry_run:
            args.append("--dry-run")
        report = folder / f"{command}-report.json"
        assert str(report) in args
        result = CliRunner().invoke(cli, args)
        where = f"wikisync {' '.join(args)}: exit {result.exit_code}\n{result.output}"
        assert "Traceback" not in result.output, where
        data = json.loads(report.read_text(encoding="utf-8"))
        check_report(data, command, result.exit_code)
        if command in NEED_A_WIKI:
            assert set(data) == ERROR_KEYS, where
            continue
        assert set(data) != ERROR_KEYS, where  # the run went to its end
        assert data["dry_run"] is dry_run, where
        assert data["outcomes"], where  # each walk touches at least one page
        if dry_run:
            assert not {o["outcome"] for o in data["outcomes"]} & {"edited", "created", "saved"}
        seen[command] = ",".join(sorted(data["counts"]))
    assert set(seen) == set(_reporting_commands()) - NEED_A_WIKI, seen


def test_a_refused_page_is_reported_in_the_same_form(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "fabmob")
    args, _files = _walk_args("new", tmp_path)
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    again = CliRunner().invoke(cli, args)  # the page exists now: refused, nothing replaced
    assert again.exit_code == 3, again.output
    data = json.loads((tmp_path / "new-report.json").read_text(encoding="utf-8"))
    check_report(data, "new", 3)
    [entry] = data["outcomes"]
    assert entry["outcome"] == "refused" and "exists already" in entry["message"]
    assert data["counts"] == {"refused": 1}


def _library_reports() -> list[Any]:
    """One of each report type the library hands back, with a page (or job) in it."""
    from wikisync.ops.batch.report import BatchReport, PageReport
    from wikisync.ops.changeset import ApplyReport
    from wikisync.ops.create import NewPageResult
    from wikisync.ops.jobs.run import JobReport, RunReport
    from wikisync.ops.publish import PublishResult
    from wikisync.ops.sync.pull import PullItem, PullReport
    from wikisync.ops.sync.push import PushItem, PushReport
    from wikisync.ops.sync.status import PageStatus, StatusReport

    return [
        BatchReport("set", "site", "T", pages=[PageReport("A", Outcome.REFUSED, message="why")]),
        RunReport("site", "T", "2026-01-01", jobs=[JobReport("events", "Agenda", Outcome.EDITED)]),
        ApplyReport("plan.json", "site", "T", results=[PublishResult("A", Outcome.CONFLICT)]),
        NewPageResult("A", Outcome.CREATED, "text", 7),
        PushReport((PushItem("A", Outcome.SAVED, "A.wiki", 7),), False, 3),
        PullReport((PullItem("A", Outcome.ADDED, "A.wiki", 7),), 1, 1, 2),
        StatusReport((PageStatus("A", "A.wiki", Outcome.MERGEABLE, 6, 7, True),)),
    ]


@pytest.mark.parametrize("report", _library_reports(), ids=lambda r: type(r).__name__)
def test_every_library_report_is_one_report_shape(report: Any) -> None:
    from wikisync import Report

    assert isinstance(report, Report)
    [entry] = report.page_outcomes()
    assert report.outcomes() == (entry.outcome,)
    assert report.counts() == {str(entry.outcome): 1}
    data = json.loads(json.dumps(report.to_dict()))  # JSON all the way down
    for key, types in REPORT_KEYS.items():
        assert isinstance(data[key], types), (key, data[key])
    assert data["outcomes"][0]["outcome"] == entry.outcome
    assert data["outcomes"][0]["title"] == entry.title


#: The record types whose second argument is a page's outcome.
_OUTCOME_TYPES = frozenset(
    {"PublishResult", "PushItem", "PullItem", "PageReport", "JobReport", "PageStatus"}
)
_OUTCOME_NAMES = frozenset({"status", "action", "state"})


def _bare_words(tree: ast.AST) -> list[tuple[int, str]]:
    """Outcome words written as bare strings where a page's outcome is set or compared."""
    words = {str(outcome) for outcome in Outcome}

    def bare(node: ast.AST | None) -> bool:
        return isinstance(node, ast.Constant) and node.value in words

    def named(node: ast.AST) -> bool:
        # ``change.action`` is a parameter's change (core/edits.py's own words), not a page's.
        parameter = isinstance(node, ast.Attribute) and ast.unparse(node.value) in ("change", "c")
        return isinstance(node, ast.Attribute) and node.attr in _OUTCOME_NAMES and not parameter

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and named(node.left):
            for right in node.comparators:
                items = right.elts if isinstance(right, ast.Tuple | ast.Set) else [right]
                found += [(node.lineno, str(item.value)) for item in items if bare(item)]  # type: ignore[attr-defined]
        elif isinstance(node, ast.Assign) and any(named(t) for t in node.targets):
            if bare(node.value):
                found.append((node.lineno, str(node.value.value)))  # type: ignore[attr-defined]
        elif isinstance(node, ast.Call):
            found += [
                (node.lineno, str(kw.value.value))  # type: ignore[attr-defined]
                for kw in node.keywords
                if kw.arg in _OUTCOME_NAMES and bare(kw.value)
            ]
            callee = node.func.id if isinstance(node.func, ast.Name) else ""
            if callee in _OUTCOME_TYPES and len(node.args) > 1 and bare(node.args[1]):
                found.append((node.lineno, str(node.args[1].value)))  # type: ignore[attr-defined]
    return found


def test_no_outcome_is_a_bare_string_in_the_operations_or_the_commands() -> None:
    package = Path(__file__).parents[2] / "wikisync"
    found = []
    for layer in ("ops", "cli"):
        for path in sorted((package / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found += [f"{path.relative_to(package)}:{n}: {w!r}" for n, w in _bare_words(tree)]
    assert not found, "write Outcome.<WORD>, not the bare word:\n" + "\n".join(found)
    # The check finds what it looks for.
    sample = 'r.status = "refused"\nif item.action in ("saved", x): pass\nPushItem(t, "moved")'
    assert [w for _, w in _bare_words(ast.parse(sample))] == ["refused", "saved", "moved"]
