"""Output and input files: ``-``, streams, regular files only, no folder made silently."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikisync.cli import cli
from wikisync.cli.outcomes import error_exit_code
from wikisync.core.errors import UnsafePathError
from wikisync.files import read_input, write_atomic, write_output
from wikisync.ops.lock import RunLock


def test_dash_is_standard_output(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    write_output("-", "données\n".encode())
    assert capsysbinary.readouterr().out == "données\n".encode()


def test_dash_is_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a,b\n")))
    assert read_input("-") == b"a,b\n"


def test_a_link_to_a_character_device_is_written_as_a_stream(tmp_path: Path) -> None:
    # As -o /dev/stdout on a terminal: written into, never renamed over.
    link = tmp_path / "sortie"
    link.symlink_to(os.devnull)
    write_output(link, b"rien")
    assert link.is_symlink() and stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["sortie"]  # no temporary file left


def test_a_named_pipe_is_written_as_a_stream(tmp_path: Path) -> None:
    # As -o /dev/stdout in a pipeline.
    fifo = tmp_path / "tube"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_output(fifo, b"ligne 1\nligne 2\n")
    reader.join(timeout=10)
    assert received == [b"ligne 1\nligne 2\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_link_to_a_regular_file_is_refused_and_its_target_kept(tmp_path: Path) -> None:
    target = tmp_path / "vrai.json"
    target.write_text("ancien", encoding="utf-8")
    link = tmp_path / "lien.json"
    link.symlink_to(target)
    with pytest.raises(UnsafePathError, match="is a symbolic link") as caught:
        write_output(link, b"nouveau")
    assert error_exit_code(caught.value) == 2
    assert target.read_text(encoding="utf-8") == "ancien" and link.is_symlink()


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafePathError, match="is a folder"):
        write_output(tmp_path, b"x")


def test_a_missing_folder_is_refused_not_made(tmp_path: Path) -> None:
    path = tmp_path / "rapports" / "2025" / "run.json"
    with pytest.raises(UnsafePathError, match=r"folder \".*rapports.2025\" does not exist"):
        write_output(path, b"{}")
    assert not (tmp_path / "rapports").exists()


def test_a_regular_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    path.write_text("ancien", encoding="utf-8")
    write_atomic(path, b"nouveau")
    assert path.read_bytes() == b"nouveau"
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_run_lock_through_a_link_is_one_line_and_leaves_the_target(tmp_path: Path) -> None:
    secret = tmp_path / "id_ed25519"
    secret.write_bytes(b"PRIVATE")
    path = tmp_path / "locks" / "site.lock"
    path.parent.mkdir()
    path.symlink_to(secret)
    with pytest.raises(UnsafePathError, match="is a symbolic link") as caught:
        RunLock(path).acquire()
    assert "\n" not in str(caught.value) and error_exit_code(caught.value) == 2
    assert secret.read_bytes() == b"PRIVATE"


# -- through the command line ------------------------------------------------------------


def _run(example: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, ["-c", str(example / "wikisync.toml"), *args], input=stdin, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def test_records_csv_to_dash_goes_to_standard_output(example: Path) -> None:
    code, out, _ = _run(example, "records", "event", "-f", "csv", "-o", "-")
    assert code == 0
    assert out.startswith("title,index,revid,type,")
    assert not (Path.cwd() / "-").exists()


def test_output_in_a_missing_folder_is_one_line_and_exit_2(example: Path) -> None:
    missing = example / "nulle-part" / "events.json"
    for args in (
        ("records", "event", "-o", str(missing)),
        ("export", "event", "-o", str(missing)),
        ("plan", "-o", str(missing)),
        ("set", "event", "place=Lyon", "--dry-run", "--report", str(missing)),
    ):
        code, out, err = _run(example, *args)
        assert code == 2, (args, out, err)
        assert err.count("\n") == 1 and 'nulle-part" does not exist' in err, err
        assert not missing.parent.exists()


@pytest.mark.usefixtures("speaks_the_wiki_language")
def test_export_to_dash_then_import_from_dash_changes_nothing(example: Path) -> None:
    code, exported, _ = _run(example, "export", "event", "-o", "-")
    assert code == 0 and exported.startswith("title,index,revid,sha1")  # stdout: no BOM
    before = {p: p.read_bytes() for p in (example / "mirror").rglob("*.wiki")}
    code, _out, err = _run(example, "import", "event", "-", stdin=exported)
    assert code == 0, err
    assert "inchangées" in err  # the French mirror's words
    assert {p: p.read_bytes() for p in (example / "mirror").rglob("*.wiki")} == before


def test_plan_to_dash_then_apply_from_dash(example: Path) -> None:
    code, planned, err = _run(example, "plan", "-o", "-")
    assert code in (0, 3), err
    assert json.loads(planned)["kind"]
    code, _, err = _run(example, "apply", "-", "--dry-run", stdin=planned)
    assert code in (0, 3), err


def test_records_csv_raw_keeps_formulas_and_default_guards_them(example: Path) -> None:
    for page in (example / "mirror" / "_main").glob("*.wiki"):
        text = page.read_text(encoding="utf-8")
        page.write_text(
            text.replace("|place=", "|place=@SUM(1+1)*cmd /C calc!A0 "), encoding="utf-8"
        )
    guarded = _run(example, "records", "event", "-f", "csv")[1]
    raw = _run(example, "records", "event", "-f", "csv", "--raw")[1]
    cells = [c for row in csv.reader(io.StringIO(guarded)) for c in row]
    raw_cells = [c for row in csv.reader(io.StringIO(raw)) for c in row]
    assert not any(c[:1] in "=+-@\t\r" for c in cells if c)
    assert any(c.startswith("@SUM(1+1)") for c in raw_cells)
    assert any(c.startswith("'@SUM(1+1)") for c in cells)
    assert len(cells) == len(raw_cells)
    assert ["'" + c if c and c[0] in "=+-@\t\r'" else c for c in raw_cells] == cells
