"""``records -f table`` fits a line width: narrowed cells, further blocks, nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from wikisync.cli import cli
from wikisync.core.records import Record
from wikisync.ops.formats import display_width, format_records

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fabmob" / "wikisync.toml"

cell_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[Record], int]:
    names = draw(
        st.lists(st.from_regex(r"[a-zA-Z]{1,15}", fullmatch=True), unique=True, max_size=9)
    )
    count = draw(st.integers(0, 4))
    records = [
        Record("T" + draw(cell_text), "event", 1, {name: draw(cell_text) for name in names})
        for _ in range(count)
    ]
    return records, draw(st.integers(10, 240))


def _blocks(text: str) -> list[list[str]]:
    return [block.splitlines() for block in text.split("\n\n")]


@given(tables())
def test_table_lines_fit_the_width_and_every_column_is_shown(
    case: tuple[list[Record], int],
) -> None:
    records, width = case
    names = list(records[0].fields) if records else []
    text = format_records(records, "table", line_width=width)
    for line in text.splitlines():
        assert display_width(line) <= width, (width, line)
    blocks = _blocks(text)
    shown = []
    for block in blocks:
        assert len(block) == len(records) + 2  # header, rule, one line per record
        shown.extend(block[0].split()[1:])
        assert block[0].startswith("title") or block[0].startswith("tit")
    # every field's column is there, in order, its name whole or cut with "…"
    assert len(shown) == len(names)
    for name, header in zip(names, shown, strict=True):
        assert header == name or (header.endswith("…") and name.startswith(header[:-1]))


def test_table_without_width_keeps_one_block() -> None:
    record = Record("Atelier n°2", "event", 1, {f"field{i}": "x" * 30 for i in range(8)})
    text = format_records([record], "table")
    assert len(_blocks(text)) == 1
    assert display_width(text.splitlines()[0]) > 200


def test_table_cells_are_cut_with_an_ellipsis_and_wide_characters_count_twice() -> None:
    record = Record("東京の自転車イベント" * 3, "event", 1, {"place": "Lyon", "tags": "a" * 70})
    text = format_records([record], "table", line_width=40)
    lines = text.splitlines()
    assert all(display_width(line) <= 40 for line in lines)
    assert "…" in lines[2]
    assert "東京" in lines[2]


def test_table_control_characters_never_reach_the_terminal() -> None:
    record = Record("Atelier", "event", 1, {"place": "Lyon\x1b[31mrouge\x07"})
    text = format_records([record], "table", line_width=80)
    assert "\x1b" not in text and "\x07" not in text
    assert "Lyon\ufffd[31mrouge\ufffd" in text


@pytest.mark.parametrize("columns", ["40", "80", "132"])
def test_cli_records_table_fits_columns(columns: str) -> None:
    result = CliRunner().invoke(
        cli, ["-c", str(EXAMPLE), "records", "event", "-f", "table"], env={"COLUMNS": columns}
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines and max(display_width(line) for line in lines) <= int(columns)
    headers = [word for block in _blocks(result.stdout) for word in block[0].split()[1:]]
    assert len(headers) == 10  # every field of the event type, in some block


def test_cli_records_table_to_a_file_keeps_every_column_side_by_side(tmp_path: Path) -> None:
    out = tmp_path / "events.txt"
    result = CliRunner().invoke(
        cli,
        ["-c", str(EXAMPLE), "records", "event", "-f", "table", "-o", str(out)],
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert len(_blocks(text)) == 1
    assert "startDate" in text.splitlines()[0] and "url" in text.splitlines()[0]
