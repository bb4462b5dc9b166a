"""Each option's effect, on a copy of the bundled example mirror (click's CliRunner).

Not that the options parse: that they change what the command does. The
options whose effect shows only on a live wiki (--minor, --no-bot, --cache,
--no-cache, the summary a wiki records) are in tests/integration/test_options.py.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from wikisync.cli import cli
from wikisync.cli.outcomes import error_exit_code
from wikisync.config import Config, load_config
from wikisync.core.edits import read_params
from wikisync.core.errors import ConfigError
from wikisync.core.pages import PageText
from wikisync.mirror.target import MirrorTarget
from wikisync.presets import PRESETS, load_preset
from wikisync.sources import open_source
from wikisync.wiki.cache import open_cache

EVENT_TEMPLATES = ("Event", "Evénement", "Événement")


@pytest.fixture(autouse=True)
def _private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Locks in the test's folder; no summary or configuration from the user's environment."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    for name in ("WIKISYNC_SUMMARY", "WIKISYNC_CONFIG", "WIKISYNC_SITE", "WIKISYNC_CACHE"):
        monkeypatch.delenv(name, raising=False)


def _run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, input=input)


def _file(example: Path, title: str) -> Path:
    return MirrorTarget(open_source(str(example / "mirror"))).file_of(title)


def _event_params(example: Path, title: str) -> dict[str, str]:
    text = _file(example, title).read_text(encoding="utf-8")
    return read_params(text, EVENT_TEMPLATES)[0]


def _events(example: Path) -> list[dict[str, Any]]:
    result = _run("-c", str(example / "wikisync.toml"), "records", "event", "-f", "jsonl")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def _visits(example: Path) -> list[str]:
    """The events whose type is Visite (a few pages of the example)."""
    rows = _events(example)
    titles = sorted({row["title"] for row in rows if row.get("eventType") == "Visite"})
    assert 1 < len(titles) < len(rows)
    return titles


def _lone_place(example: Path) -> tuple[str, str]:
    """An event whose place no other event has: (its title, its place)."""
    rows = _events(example)
    places = [row.get("place") for row in rows]
    title, place = next(
        (row["title"], row["place"])
        for row in rows
        if row.get("place") and places.count(row["place"]) == 1
    )
    return title, place


# -- pages --depth ---------------------------------------------------------------------


def _pages(example: Path, *args: str) -> list[str]:
    result = _run("--site", str(example / "mirror"), "pages", *args)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_depth_implies_recursive_and_bounds_it(example: Path) -> None:
    flat = _pages(example, "Evénement")
    everything = _pages(example, "Evénement", "--recursive")
    webinars = _pages(example, "Webinaire")
    assert webinars and not set(webinars) <= set(flat)
    # --depth without --recursive descends (it used to be ignored):
    assert _pages(example, "Evénement", "--depth", "1") == everything
    assert set(everything) == set(flat) | set(webinars)
    # 0 levels: the category alone, with or without --recursive.
    assert _pages(example, "Evénement", "--depth", "0") == flat
    assert _pages(example, "Evénement", "--recursive", "--depth", "0") == flat


def test_depth_counts_levels(example: Path) -> None:
    """A chain A ⊃ B ⊃ C: depth 1 reaches B's pages, depth 2 C's too."""
    mirror = example / "mirror"
    # Catégorie:Webinaire (in Evénement) gets a subcategory of its own, holding one page.
    (mirror / "Catégorie" / "Replay.wiki").write_text(
        "Rediffusions.\n[[Catégorie:Webinaire]]\n", encoding="utf-8"
    )
    (mirror / "_main" / "Rediffusion 1.wiki").write_text(
        "Un replay.\n[[Catégorie:Replay]]\n", encoding="utf-8"
    )
    one = _pages(example, "Evénement", "--depth", "1")
    two = _pages(example, "Evénement", "--depth", "2")
    assert "Rediffusion 1" not in one
    assert set(two) == set(one) | {"Rediffusion 1"}
    assert _pages(example, "Evénement", "-r") == two


# -- set --trusted ------------------------------------------------------------------------


def test_trusted_lets_templates_into_values(example: Path) -> None:
    config = str(example / "wikisync.toml")
    titles = _visits(example)
    before = {title: _file(example, title).read_bytes() for title in titles}
    args = ["-c", config, "set", "event", "description={{Lien|x}}", "--where", "eventType=Visite"]

    refused = _run(*args)
    assert refused.exit_code == 2, refused.output
    assert "--trusted" in refused.stderr and "{{Lien|x}}" in refused.stderr
    assert {title: _file(example, title).read_bytes() for title in titles} == before

    done = _run(*args, "--trusted")
    assert done.exit_code == 0, done.output
    for title in titles:
        assert _event_params(example, title)["description"] == "{{Lien|x}}"


# -- export --field, --delimiter --------------------------------------------------------


def _export(example: Path, *args: str) -> list[list[str]]:
    result = _run("-c", str(example / "wikisync.toml"), "export", "event", "-o", "-", *args)
    assert result.exit_code == 0, result.output
    text = result.stdout.removeprefix("\ufeff")
    delimiter = args[args.index("--delimiter") + 1] if "--delimiter" in args else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_field_picks_the_columns(example: Path) -> None:
    full = _export(example)
    some = _export(example, "--field", "place", "--field", "startDate")
    assert full[0][:4] == ["title", "index", "revid", "sha1"]
    assert some[0] == ["title", "index", "revid", "sha1", "place", "startDate"]
    columns = [full[0].index(name) for name in some[0]]
    assert [[row[i] for i in columns] for row in full] == some
    assert len(full[0]) > len(some[0])


def test_unknown_field_is_a_usage_error(example: Path) -> None:
    result = _run(
        "-c", str(example / "wikisync.toml"), "export", "event", "-o", "-", "--field", "nope"
    )
    assert result.exit_code == 2
    assert "nope" in result.stderr


def test_delimiter_changes_only_the_separator(example: Path) -> None:
    comma = _export(example)
    semicolon = _export(example, "--delimiter", ";")
    assert semicolon == comma
    raw = _run(
        "-c", str(example / "wikisync.toml"), "export", "event", "-o", "-", "--delimiter", ";"
    ).stdout
    header = raw.removeprefix("\ufeff").splitlines()[0]
    assert header.startswith("title;index;revid;sha1;") and "," not in header


def test_semicolon_file_imports_back(example: Path, tmp_path: Path) -> None:
    """A file exported with ';' (a French Excel) is read back: one changed cell, one edit."""
    config = str(example / "wikisync.toml")
    sheet = tmp_path / "events.csv"
    result = _run("-c", config, "export", "event", "-o", str(sheet), "--delimiter", ";")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(sheet.read_text("utf-8-sig"), newline=""), delimiter=";"))
    place = rows[0].index("place")
    row = next(r for r in rows[1:] if r[place])
    row[place] = "Salle des fêtes ; Lyon"
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    sheet.write_text(out.getvalue(), encoding="utf-8")
    result = _run("-c", config, "import", "event", str(sheet), "--report", "-")
    assert result.exit_code == 0, result.output
    edited = [p["title"] for p in _json_head(result.stdout)["pages"] if p["status"] == "edited"]
    assert edited == [row[0]]
    assert _event_params(example, row[0])["place"] == "Salle des fêtes ; Lyon"


def _json_head(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    return data


# -- --retries ---------------------------------------------------------------------------


@pytest.fixture
def interfering(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], list[str]]:
    """Someone edits the page's file just before each of wikisync's first N saves.

    Returns the setter of N; the list it returns records each save's title.
    """
    left = [0]
    saves: list[str] = []
    original = MirrorTarget.save

    def save(
        self: MirrorTarget,
        title: str,
        text: str,
        *,
        base: PageText | None,
        summary: str,
        content_model: str = "",
    ) -> Any:
        saves.append(title)
        if left[0] > 0:
            left[0] -= 1
            path = self.file_of(title)
            path.write_text(
                path.read_text(encoding="utf-8") + f"<!-- edit {left[0]} -->\n",
                encoding="utf-8",
            )
        return original(self, title, text, base=base, summary=summary, content_model=content_model)

    monkeypatch.setattr(MirrorTarget, "save", save)

    def set_edits(count: int) -> list[str]:
        left[0] = count
        return saves

    return set_edits


@pytest.mark.parametrize(("retries", "edits"), [(0, 1), (2, 2), (2, 3), (3, 3)])
def test_retries_bound_the_attempts_after_conflicts(
    example: Path, interfering: Callable[[int], list[str]], retries: int, edits: int
) -> None:
    config = str(example / "wikisync.toml")
    title, place = _lone_place(example)
    saves = interfering(edits)
    result = _run(
        "-c",
        config,
        "set",
        "event",
        "place=Ailleurs",
        "--where",
        f"place={place}",
        "--retries",
        str(retries),
        "--report",
        "-",
    )
    report = _json_head(result.stdout)
    page = next(p for p in report["pages"] if p["title"] == title)
    assert [p["title"] for p in report["pages"] if p["status"] != "skipped"] == [title]
    text = _file(example, title).read_text(encoding="utf-8")
    assert saves == [title] * len(saves)
    assert saves.count(title) == min(edits, retries + 1) + (retries >= edits)
    assert text.count("<!-- edit ") == min(edits, retries + 1)  # the other editor's work kept
    if retries >= edits:
        assert result.exit_code == 0, result.output
        assert page["status"] == "edited"
        assert _event_params(example, title)["place"] == "Ailleurs"
    else:
        assert result.exit_code == 3, result.output
        assert page["status"] == "conflict"
        assert _event_params(example, title)["place"] != "Ailleurs"


# -- --summary and the summary setting ------------------------------------------------------


@pytest.fixture
def summaries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The edit summary of each save the mirror target receives."""
    seen: list[str] = []
    original = MirrorTarget.save

    def save(
        self: MirrorTarget,
        title: str,
        text: str,
        *,
        base: PageText | None,
        summary: str,
        content_model: str = "",
    ) -> Any:
        seen.append(summary)
        return original(self, title, text, base=base, summary=summary, content_model=content_model)

    monkeypatch.setattr(MirrorTarget, "save", save)
    return seen


def _changed_sheet(example: Path, tmp_path: Path) -> Path:
    sheet = tmp_path / "events.csv"
    result = _run("-c", str(example / "wikisync.toml"), "export", "event", "-o", str(sheet))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(sheet.read_text("utf-8-sig"), newline="")))
    rows[1][rows[0].index("place")] = "Ailleurs"
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    sheet.write_text(out.getvalue(), encoding="utf-8")
    return sheet


#: Per writing command: its arguments and its summary when none is configured.
_COMMANDS: dict[str, tuple[Callable[[Path], list[str]], str]] = {
    "set": (
        lambda _: ["set", "event", "place=Ailleurs", "--where", "eventType=Visite"],
        "wikisync : place = Ailleurs",
    ),
    "rename-param": (
        lambda _: ["rename-param", "Event", "Main_Picture", "image"],
        "wikisync : paramètre Main_Picture renommé en image (Event)",
    ),
    "remove-param": (
        lambda _: ["remove-param", "Event", "url"],
        "wikisync : paramètre url retiré (Event)",
    ),
    "import": (
        lambda sheet: ["import", "event", str(sheet)],
        "wikisync : import de tableur (events.csv)",
    ),
}


@pytest.mark.usefixtures("speaks_the_wiki_language")  # the default summaries: French
@pytest.mark.parametrize("command", sorted(_COMMANDS))
@pytest.mark.parametrize(
    ("flag", "env", "file", "expected"),
    [
        ("flag", "env", "file", "flag"),
        (None, "env", "file", "env"),
        (None, None, "file", "file"),
        (None, None, None, None),
    ],
)
def test_summary_precedence(
    example: Path,
    tmp_path: Path,
    summaries: list[str],
    command: str,
    flag: str | None,
    env: str | None,
    file: str | None,
    expected: str | None,
) -> None:
    """--summary > WIKISYNC_SUMMARY > the file's summary > the command's own."""
    config = example / "wikisync.toml"
    if file is not None:
        config.write_text(f'summary = "{file}"\n' + config.read_text("utf-8"), encoding="utf-8")
    make_args, default = _COMMANDS[command]
    args = make_args(_changed_sheet(example, tmp_path) if command == "import" else tmp_path)
    result = _run(
        "-c",
        str(config),
        *args,
        *(["--summary", flag] if flag else []),
        env={"WIKISYNC_SUMMARY": env} if env else None,
    )
    assert result.exit_code in (0, 3), result.output
    assert summaries, result.output
    assert set(summaries) == {expected or default}


# -- init --preset --------------------------------------------------------------------------


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_writes_that_preset(tmp_path: Path, preset: str) -> None:
    output = tmp_path / "wikisync.toml"
    result = _run("init", "--preset", preset, "-o", str(output))
    assert result.exit_code == 0, result.output
    text = output.read_text(encoding="utf-8")
    assert text.endswith(load_preset(preset))
    config = load_config(output, environ={})
    assert config.types and config.jobs
    assert set(config.types) == set(load_config(_preset_file(tmp_path, preset), environ={}).types)


def _preset_file(tmp_path: Path, preset: str) -> Path:
    path = tmp_path / f"{preset}-alone.toml"
    path.write_text(load_preset(preset), encoding="utf-8")
    return path


def test_unknown_preset_is_a_usage_error_naming_the_known_ones(tmp_path: Path) -> None:
    output = tmp_path / "wikisync.toml"
    result = _run("init", "--preset", "nope", "-o", str(output))
    assert result.exit_code == 2
    assert all(name in result.output for name in PRESETS)
    assert not output.exists()


# -- --cache / --no-cache where they cannot apply ------------------------------------------


@pytest.mark.parametrize("flags", [["--no-cache"], ["--cache", "x.sqlite"]])
@pytest.mark.parametrize("command", ["status", "push"])
def test_cache_flags_say_they_do_nothing_for_status_and_push(
    example: Path, flags: list[str], command: str
) -> None:
    result = _run(*flags, command, str(example / "mirror"))
    assert result.exit_code == 2  # the example mirror records no wiki to sync with
    assert f"{flags[0]} do nothing for {command}" in result.stderr
    assert "pass --site, the wiki's URL (the mirror records no wiki yet)" in result.stderr
    quiet = _run("-q", *flags, command, str(example / "mirror"))
    assert "do nothing" not in quiet.stderr


def test_unusable_cache_path_is_one_clear_error(tmp_path: Path) -> None:
    """--cache FILE that cannot be made: a ConfigError naming it (exit 2), no traceback."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    path = blocker / "cache.sqlite"
    with pytest.raises(ConfigError) as info:
        open_cache(Config(cache=str(path)))
    assert str(path) in str(info.value) and "use_cache=False" in str(info.value)
    assert error_exit_code(info.value) == 2
    assert open_cache(Config(cache=str(path), use_cache=False)) is None


@pytest.mark.parametrize("bad", ["caf\udce9", "\ud800", "http://bot:s\udce9cret@127.0.0.1/"])
def test_argument_with_lone_surrogate_is_one_line_exit_2_never_echoed(bad: str) -> None:
    # A real command line hands non-UTF-8 bytes over as U+DC80..U+DCFF; the library or
    # a test runner can hand any lone surrogate. Neither is echoed: it may hold a password.
    result = CliRunner().invoke(cli, ["--site", bad, "pages", "Evénement"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wikisync: error: argument 2 "), lines
    assert "cret" not in lines[0] and "caf" not in lines[0]
