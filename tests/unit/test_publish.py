"""Safe publishing on a mirror folder: no-op skip, dry runs, conflicts, changesets."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from tests.make_example import make_example
from wikisync.cli.outcomes import error_exit_code, run_exit_code
from wikisync.core.errors import ConfigError, EditConflictError, PublishError, SourceError
from wikisync.core.pages import PageText
from wikisync.interrupt import Interrupted, stop_on_signals, stop_requested
from wikisync.mirror.layout import INDEX_FILE
from wikisync.mirror.reader import MirrorSource, open_mirror
from wikisync.mirror.target import MirrorTarget
from wikisync.ops.changeset import (
    ApplyReport,
    Changeset,
    apply_changeset,
    read_changeset,
    write_changeset,
)
from wikisync.ops.publish import (
    Edit,
    PublishResult,
    open_target,
    plan_edit,
    publish_page,
    read_page,
)
from wikisync.ports.target import Target
from wikisync.sources import open_source
from wikisync.wiki.writer import SaveResult

PAGE = "Evénements"


@pytest.fixture
def mirror(tmp_path: Path) -> MirrorSource:
    make_example(tmp_path / "example")
    return open_mirror(tmp_path / "example" / "mirror")


def _append(text: str) -> str:
    return text + "\nUne ligne de plus."


def test_plan_edit_existing_page_keeps_base() -> None:
    page = PageText(PAGE, "a\nb", revid=7, timestamp="2025-01-06T08:00:00Z")
    edit = plan_edit(PAGE, page, "a\nc", summary="maj")
    assert edit.changed
    assert edit.base == page
    assert edit.diff() == (
        f"--- a/{PAGE}\n+++ b/{PAGE}\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline"
        " at end of file\n+c\n\\ No newline at end of file\n"
    )
    assert edit.line_changes() == (1, 1)


def test_plan_edit_missing_page_is_a_creation() -> None:
    edit = plan_edit("Nouvelle", None, "x\n", summary="")
    assert edit.changed and edit.base is None and edit.base_revid == 0
    assert edit.line_changes() == (1, 0)


def test_edit_same_text_is_unchanged() -> None:
    edit = Edit(PAGE, "x", "x", 3)
    assert not edit.changed
    assert edit.diff() == ""


def test_publish_page_unchanged_writes_nothing(mirror: MirrorSource) -> None:
    path = MirrorTarget(mirror).file_of(PAGE)
    stamp = path.stat().st_mtime_ns
    result = publish_page(mirror, MirrorTarget(mirror), PAGE, lambda p: p.wikitext, summary="")
    assert result.status == "unchanged" and result.ok
    assert path.stat().st_mtime_ns == stamp


def test_publish_page_dry_run_plans_and_writes_nothing(mirror: MirrorSource) -> None:
    before = read_page(mirror, PAGE)
    result = publish_page(
        mirror, None, PAGE, lambda p: _append(p.wikitext), summary="", dry_run=True
    )
    assert result.status == "planned"
    assert result.diff_stats() == (2, 0)  # a blank line and the new one
    assert read_page(mirror, PAGE) == before


def test_publish_page_mirror_save_is_a_local_edit(mirror: MirrorSource) -> None:
    index = (mirror.path / INDEX_FILE).read_bytes()
    before = read_page(mirror, PAGE)
    assert before is not None
    result = publish_page(
        mirror, MirrorTarget(mirror), PAGE, lambda p: _append(p.wikitext), summary=""
    )
    assert result.status == "edited"
    assert result.revid == before.revid
    after = read_page(mirror, PAGE)
    assert after is not None and after.wikitext == _append(before.wikitext)
    assert after.revid == before.revid  # the base revision is kept: push sends it later
    assert (mirror.path / INDEX_FILE).read_bytes() == index
    assert mirror.base_text(PAGE) == before.wikitext
    assert MirrorTarget(mirror).file_of(PAGE).read_text(encoding="utf-8").endswith("\n")


def test_publish_page_refusal_is_a_result(mirror: MirrorSource) -> None:
    def refuse(page: PageText | None) -> str:
        raise PublishError("non merci", title=PAGE)

    result = publish_page(mirror, MirrorTarget(mirror), PAGE, refuse, summary="")
    assert result.status == "refused" and not result.ok
    assert result.message == "non merci"


def test_publish_page_conflict_rereads_and_keeps_concurrent_edit(mirror: MirrorSource) -> None:
    target = MirrorTarget(mirror)
    calls: list[str] = []

    def make(page: PageText | None) -> str:
        assert page is not None
        calls.append(page.wikitext)
        if len(calls) == 1:  # someone edits the file while we compute
            path = target.file_of(PAGE)
            path.write_text("Ajout humain.\n" + page.wikitext + "\n", encoding="utf-8")
        return _append(page.wikitext)

    result = publish_page(mirror, target, PAGE, make, summary="")
    assert result.status == "edited" and result.attempts == 2
    text = read_page(mirror, PAGE)
    assert text is not None
    assert text.wikitext.startswith("Ajout humain.") and text.wikitext.endswith(
        "Une ligne de plus."
    )


class _AlwaysConflicting(Target):
    def __init__(self) -> None:
        self.saves = 0

    def save(
        self, title: str, text: str, *, base: PageText | None, summary: str, content_model: str = ""
    ) -> SaveResult:
        self.saves += 1
        raise EditConflictError(f'Page "{title}" changed', title=title)


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_publish_page_conflict_gives_up_after_retries(mirror: MirrorSource, retries: int) -> None:
    target = _AlwaysConflicting()
    result = publish_page(
        mirror, target, PAGE, lambda p: _append(p.wikitext), summary="", retries=retries
    )
    assert result.status == "conflict"
    assert target.saves == retries + 1
    assert f"gave up after {retries + 1} attempts" in result.message


def test_publish_page_rejects_bad_arguments(mirror: MirrorSource) -> None:
    with pytest.raises(ValueError, match="retries"):
        publish_page(mirror, None, PAGE, lambda p: "", summary="", dry_run=True, retries=-1)
    with pytest.raises(ValueError, match="target"):
        publish_page(mirror, None, PAGE, lambda p: "", summary="")


def test_mirror_target_creates_new_page_and_refuses_to_overwrite(mirror: MirrorSource) -> None:
    target = MirrorTarget(mirror)
    saved = target.save("Page neuve", "Bonjour.", base=None, summary="")
    assert saved.changed and saved.created and saved.revid == 0
    assert read_page(mirror, "Page neuve") == PageText("Page neuve", "Bonjour.", 0, "", 0, None)
    with pytest.raises(EditConflictError, match="exists already"):
        target.save("Page neuve", "Autre.", base=None, summary="")


def test_mirror_target_refuses_stale_base(mirror: MirrorSource) -> None:
    page = read_page(mirror, PAGE)
    assert page is not None
    stale = PageText(PAGE, "un autre texte", page.revid, page.timestamp)
    with pytest.raises(EditConflictError, match="was edited"):
        MirrorTarget(mirror).save(PAGE, "x", base=stale, summary="")
    assert read_page(mirror, PAGE) == page


def test_mirror_target_same_text_is_no_change(mirror: MirrorSource) -> None:
    page = read_page(mirror, PAGE)
    assert page is not None
    saved = MirrorTarget(mirror).save(PAGE, page.wikitext, base=page, summary="")
    assert not saved.changed


def test_mirror_target_needs_a_mirror(tmp_path: Path) -> None:
    dump = Path(__file__).parent.parent / "fixtures" / "dumps" / "petit-export-0.10.xml"
    source = open_source(str(dump))
    with pytest.raises(TypeError):
        MirrorTarget(source)
    with pytest.raises(ConfigError, match="XML dump"):
        open_target(source)


def test_open_target_of_mirror_is_mirror_target(mirror: MirrorSource) -> None:
    assert isinstance(open_target(mirror), MirrorTarget)


# -- changesets ---------------------------------------------------------------------


def _changeset(mirror: MirrorSource) -> Changeset:
    page = read_page(mirror, PAGE)
    assert page is not None
    edits = (
        plan_edit(PAGE, page, _append(page.wikitext), summary="maj"),
        plan_edit("Page neuve", None, "Bonjour.", summary="création"),
    )
    return Changeset(str(mirror.path), "2025-01-06T08:00:00Z", edits, {PAGE: "events"})


def test_changeset_round_trip(mirror: MirrorSource, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_changeset(_changeset(mirror), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["kind"] == "wikisync-changeset" and data["format"] == 1
    first = data["pages"][0]
    assert first["job"] == "events" and first["base_revid"] > 0 and first["base_sha1"]
    assert first["diff"].startswith(f"--- a/{PAGE}")
    assert data["pages"][1]["create"] is True and data["pages"][1]["base_sha1"] is None
    changeset, bases = read_changeset(path)
    assert [edit.title for edit in changeset.edits] == [PAGE, "Page neuve"]
    assert changeset.edits[1].old_text is None
    assert bases[PAGE] == first["base_sha1"] and bases["Page neuve"] is None


def test_apply_changeset_saves_then_is_a_no_op(mirror: MirrorSource, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_changeset(_changeset(mirror), path)
    changeset, bases = read_changeset(path)
    results = apply_changeset(changeset, bases, mirror, MirrorTarget(mirror))
    assert [r.status for r in results] == ["edited", "created"]
    index = (mirror.path / INDEX_FILE).read_bytes()
    file = MirrorTarget(mirror).file_of(PAGE)
    saved = file.read_bytes()
    # A rerun (after an interruption) finds the planned text in place: nothing to do.
    again = apply_changeset(changeset, bases, mirror, MirrorTarget(mirror))
    assert [r.status for r in again] == ["unchanged", "unchanged"]
    assert file.read_bytes() == saved and (mirror.path / INDEX_FILE).read_bytes() == index


def test_apply_changeset_page_changed_again_after_apply_is_a_conflict(
    mirror: MirrorSource, tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    write_changeset(_changeset(mirror), path)
    changeset, bases = read_changeset(path)
    apply_changeset(changeset, bases, mirror, MirrorTarget(mirror))
    file = MirrorTarget(mirror).file_of(PAGE)
    file.write_text(file.read_text(encoding="utf-8") + "Et une main.\n", encoding="utf-8")
    again = apply_changeset(changeset, bases, mirror, MirrorTarget(mirror))
    assert again[0].status == "conflict" and "changed since the plan" in again[0].message
    assert file.read_text(encoding="utf-8").endswith("Et une main.\n")


class _RecordingTarget(Target):
    def __init__(self, inner: MirrorTarget) -> None:
        self.inner = inner
        self.summaries: list[str] = []

    def save(
        self, title: str, text: str, *, base: PageText | None, summary: str, content_model: str = ""
    ) -> SaveResult:
        self.summaries.append(summary)
        return self.inner.save(title, text, base=base, summary=summary, content_model=content_model)


def test_apply_changeset_summary_overrides_the_planned_ones(
    mirror: MirrorSource, tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    write_changeset(_changeset(mirror), path)
    changeset, bases = read_changeset(path)
    target = _RecordingTarget(MirrorTarget(mirror))
    seen: list[str] = []
    results = apply_changeset(
        changeset, bases, mirror, target, summary="relu", on_page=lambda r: seen.append(r.title)
    )
    assert [r.status for r in results] == ["edited", "created"]
    assert target.summaries == ["relu", "relu"]
    assert seen == [PAGE, "Page neuve"]
    assert results[0].edit is not None and results[0].edit.summary == "relu"


def test_apply_changeset_stopped_by_a_signal_leaves_the_rest_not_done(
    mirror: MirrorSource, tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    write_changeset(_changeset(mirror), path)
    changeset, bases = read_changeset(path)

    def stop_after_first(result: PublishResult) -> None:
        if result.status == "edited":
            os.kill(os.getpid(), signal.SIGTERM)  # a real signal, handled by the flag

    with stop_on_signals(announce=False) as stop:
        results = apply_changeset(
            changeset, bases, mirror, MirrorTarget(mirror), on_page=stop_after_first
        )
    assert stop.requested and run_exit_code((), stop) == 143 and stop.signal_name == "SIGTERM"
    assert not stop_requested()  # only inside the block
    assert [r.status for r in results] == ["edited", "not done"]
    assert read_page(mirror, "Page neuve") is None
    report = ApplyReport("plan.json", str(mirror.path), "now", results=results)
    assert run_exit_code(report.outcomes()) == 1 and report.counts() == {"edited": 1, "not done": 1}
    # The rerun does the rest and nothing twice.
    again = apply_changeset(changeset, bases, mirror, MirrorTarget(mirror))
    assert [r.status for r in again] == ["unchanged", "created"]


def test_second_signal_stops_at_once(mirror: MirrorSource, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_changeset(_changeset(mirror), path)
    changeset, bases = read_changeset(path)

    def signal_each_page(_result: PublishResult) -> None:
        os.kill(os.getpid(), signal.SIGINT)

    previous = signal.getsignal(signal.SIGINT)
    with (
        pytest.raises(Interrupted, match="second SIGINT") as info,
        stop_on_signals(announce=False),
    ):
        apply_changeset(changeset, bases, mirror, MirrorTarget(mirror), on_page=signal_each_page)
    assert error_exit_code(info.value) == 130
    assert signal.getsignal(signal.SIGINT) is previous  # handlers restored


def test_apply_report_to_dict(mirror: MirrorSource, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_changeset(_changeset(mirror), path)
    changeset, bases = read_changeset(path)
    (MirrorTarget(mirror).file_of(PAGE)).write_text("À la main.\n", encoding="utf-8")
    results = apply_changeset(changeset, bases, mirror, MirrorTarget(mirror))
    report = ApplyReport("plan.json", "m", "t", False, results, dict(changeset.labels))
    data = report.to_dict()
    assert run_exit_code(report.outcomes()) == 3
    assert data["counts"] == {"created": 1, "conflict": 1}
    first, second = data["pages"]
    assert first["job"] == "events" and first["status"] == "conflict" and not first["edited"]
    assert second["edited"] and second["diff"] == {"added": 1, "removed": 0}


def test_apply_changeset_skips_page_changed_since_plan(
    mirror: MirrorSource, tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    write_changeset(_changeset(mirror), path)
    changeset, bases = read_changeset(path)
    file = MirrorTarget(mirror).file_of(PAGE)
    file.write_text("Modifié à la main.\n", encoding="utf-8")
    results = apply_changeset(changeset, bases, mirror, MirrorTarget(mirror), dry_run=True)
    assert [r.status for r in results] == ["conflict", "planned"]
    assert "changed since the plan" in results[0].message
    assert file.read_text(encoding="utf-8") == "Modifié à la main.\n"
    assert read_page(mirror, "Page neuve") is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "cannot be read"),
        ("[]", "not a wikisync changeset"),
        ('{"kind": "wikisync-changeset", "format": 9}', "format 9"),
        (
            '{"kind": "wikisync-changeset", "format": 1, "site": "w", "pages": {}}',
            "should be a list",
        ),
        (
            '{"kind": "wikisync-changeset", "format": 1, "site": "w", "pages": [{"title": "A"}]}',
            "page 1",
        ),
        (
            '{"kind": "wikisync-changeset", "format": 1, "site": "w", '
            '"pages": [{"title": "A", "new_text": "x"}]}',
            "base_sha1",
        ),
        (
            '{"kind": "wikisync-changeset", "format": 1, "site": "w", "pages": ['
            '{"title": "A", "new_text": "x", "create": true, "diff": ""}, '
            '{"title": "A", "new_text": "y", "create": true, "diff": ""}]}',
            'page 2: "A" is planned twice',
        ),
        ('{"kind": "wikisync-changeset", "format": 1, "pages": []}', 'names no "site"'),
        ('{"kind": "wikisync-changeset", "format": 1, "site": " ", "pages": []}', 'no "site"'),
        (
            '{"kind": "wikisync-changeset", "format": 1, "site": "w", "pages": ['
            '{"title": "A", "new_text": "x", "create": true}]}',
            "page 1: diff should be a string",
        ),
        (
            '{"kind": "wikisync-changeset", "format": 1, "site": "w", "pages": ['
            '{"title": "A", "new_text": "x\\ud800", "create": true, "diff": ""}]}',
            'page 1: "new_text" holds a lone surrogate \\(U\\+D800\\)',
        ),
        (
            '{"kind": "wikisync-changeset", "format": 1, "site": "w", "pages": ['
            '{"title": "\\udfff", "new_text": "x", "create": true, "diff": ""}]}',
            'page 1: "title" holds a lone surrogate',
        ),
        (
            '{"kind": "wikisync-changeset", "format": 1, "site": "w\\udfff", "pages": []}',
            '"site" holds a lone surrogate',
        ),
        (
            '{"kind": "wikisync-changeset", "format": 1, "site": "w", "pages": ['
            '{"title": "A", "new_text": "x", "base_sha1": "0", "diff": "",'
            ' "base_revid": 1e400}]}',
            "page 1",
        ),
    ],
)
def test_read_changeset_rejects_bad_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError, match=message):
        read_changeset(path)


def test_read_changeset_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        read_changeset(tmp_path / "absent.json")


def test_line_changes_count_rules_and_plus_lines_a_diff_text_would_hide() -> None:
    # "----" (a wikitext rule) removed reads "-----" in a diff: a header to a text reader.
    edit = plan_edit(PAGE, PageText(PAGE, "a\n----\n++ b\n", 1), "a\n+++ c\n", summary="")
    assert edit.line_changes() == (1, 2)
