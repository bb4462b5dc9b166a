"""The hostile-input corpus (tests/hostile/): every case ends in one line and the right exit code.

Each case of ``tests/hostile/cases.toml`` runs the command line on one hostile
or malformed file: a dump with odd digits or a decompression bomb, a binary
configuration, ``timeout = inf``, a page template reaching for ``__class__``…
No case may end in a traceback; an error is exactly one ``wikisync: error:``
line on stderr; and nothing is written anywhere (the run happens in an empty
folder, and the corpus folder is unchanged afterwards).
"""

from __future__ import annotations

import shutil
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wikisync.cli import cli

CORPUS = Path(__file__).resolve().parents[1] / "hostile"
CASES: list[dict[str, Any]] = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))[
    "case"
]


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
    }


def _run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(cwd)
    for name in ("WIKISYNC_CONFIG", "WIKISYNC_SITE", "WIKISYNC_TIMEOUT", "WIKISYNC_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner().invoke(cli, args, catch_exceptions=True)


def test_every_corpus_file_has_a_case() -> None:
    used = {case["file"] for case in CASES}
    used |= {case["file"].replace(".toml", ".wiki.j2") for case in CASES}
    files = {
        p.name for p in CORPUS.iterdir() if p.suffix not in (".py",) and p.name != "cases.toml"
    }
    assert files <= used, sorted(files - used)


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_hostile_input_ends_in_one_line(
    case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _snapshot(CORPUS)
    args = [arg.replace("{file}", str(CORPUS / case["file"])) for arg in case["args"]]
    result = _run(args, tmp_path, monkeypatch)
    # A traceback reaching the user is a defect: only SystemExit may end the run.
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{case['file']}: escaped {result.exception!r}") from result.exception
    assert "Traceback" not in result.output
    assert result.exit_code == case["exit"], (result.stdout, result.stderr)
    expect = unicodedata.normalize("NFC", case["expect"])
    if case["exit"]:
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("wikisync: error: ")
        assert expect in lines[0]
        assert result.stdout == ""
    else:
        assert expect in unicodedata.normalize("NFC", result.stdout)
    assert list(tmp_path.iterdir()) == []  # nothing written where it ran
    assert _snapshot(CORPUS) == before  # nor beside the input


# -- hostile values through `set` on a copy of the example mirror ---------------

_PAGE = "Balade urbaine l'écomobilité scolaire 11"


def _example(tmp_path: Path) -> Path:
    folder = tmp_path / "fabmob"
    shutil.copytree(CORPUS.parents[1] / "examples" / "fabmob", folder)
    return folder


def _page_file(folder: Path) -> Path:
    return folder / "mirror" / "_main" / f"{_PAGE}.wiki"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("x</ref>", 'unpaired "</ref" tag'),
        ("a}}b", "unbalanced {{ or }}"),
        ("a|b", 'holds a "|"'),
        ("<!-- x", "unterminated comment"),
    ],
)
def test_set_refuses_a_value_that_breaks_the_infobox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    folder = _example(tmp_path)
    before = _snapshot(folder / "mirror")
    config = str(folder / "wikisync.toml")
    result = _run(["-c", config, "set", "event", f"place={value}"], tmp_path, monkeypatch)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("wikisync: error: ")
    assert expected in lines[0]
    assert _snapshot(folder / "mirror") == before


def test_set_refuses_a_page_where_the_value_would_close_an_open_ref(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _example(tmp_path)
    page = _page_file(folder)
    page.write_text("<ref>note ouverte\n" + page.read_text(encoding="utf-8"), encoding="utf-8")
    text = page.read_text(encoding="utf-8")
    config = str(folder / "wikisync.toml")
    result = _run(
        [
            "-c",
            config,
            "set",
            "event",
            "place=<ref>source</ref>",
            "--where",
            "startDate=2027-05-06",
        ],
        tmp_path,
        monkeypatch,
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 3, result.output  # refused pages
    assert f'Page "{_PAGE}"' in result.output
    assert "<ref>source</ref>" in result.output
    assert page.read_text(encoding="utf-8") == text


def test_set_writes_the_greek_question_mark_as_a_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _example(tmp_path)
    config = str(folder / "wikisync.toml")
    result = _run(
        ["-c", config, "set", "event", "place=\u037eLyon", "--where", "startDate=2027-05-06"],
        tmp_path,
        monkeypatch,
    )
    assert result.exit_code == 0, result.output
    text = _page_file(folder).read_text(encoding="utf-8")
    assert "| Lieu = &#x37E;Lyon\n" in text
    assert "\u037e" not in text and "= ;" not in text
