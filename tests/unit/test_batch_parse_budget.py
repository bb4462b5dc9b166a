"""Issue 18 item 9: a page too complex to parse does not stall a batch edit.

``set`` and ``rename-param`` run through the command line on a copy of the
example mirror in which two event pages hold an infobox followed by text
mwparserfromhell needs minutes for; the child parser's deadline is set low
(as in test_parse_budget.py). Each such page is one ``refused`` outcome
naming it (exit 3), and every other page is edited.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_CLI = (
    "import sys, wikisync.core.parse_budget as b; "
    "b.PARSE_DEADLINE_SECONDS = float(sys.argv.pop(1)); "
    "from wikisync.cli import cli; cli()"
)

# Each costs mwparserfromhell minutes without the budget (see test_parse_budget.py).
_HOSTILE = (
    "{{Event\n|Lieu=Lyon\n|startDate=2024-01-01\n" + "{{x|" * 20000,
    "{{Event|Lieu=Lyon|startDate=2024-01-01}}\n" + "<span>" * 100000,
)


def _mirror(tmp_path: Path, *, hostile_now: bool = True) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "example"
    shutil.copytree(ROOT / "examples" / "fabmob", folder)
    return folder, (_make_hostile(folder) if hostile_now else {})


def _make_hostile(folder: Path) -> dict[str, str]:
    pages = sorted((folder / "mirror" / "_main").glob("Atelier*.wiki"))[:2]
    hostile: dict[str, str] = {}
    for page, text in zip(pages, _HOSTILE, strict=True):
        page.write_text(text + "\n[[Catégorie:Evénement]]", encoding="utf-8")
        hostile[page.stem] = page.read_text(encoding="utf-8")
    return hostile


def _run(folder: Path, *command: str) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _CLI, "1", "-c", str(folder / "wikisync.toml"), *command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert time.monotonic() - started < 60
    assert "Traceback" not in done.stderr
    return done


def _texts(folder: Path) -> dict[str, str]:
    return {
        page.stem: page.read_text(encoding="utf-8")
        for page in (folder / "mirror" / "_main").glob("*.wiki")
    }


@pytest.mark.parametrize(
    ("command", "changed"),
    [
        (("set", "event", "shortDescription=Nouveau résumé"), "Nouveaurésumé"),
        (("rename-param", "Event", "Lieu", "place"), "|place"),
        (("remove-param", "Event", "Lieu"), ""),
    ],
)
def test_batch_edit_refuses_a_too_complex_page_and_edits_the_others(
    tmp_path: Path, command: tuple[str, ...], changed: str
) -> None:
    folder, hostile = _mirror(tmp_path)
    before = _texts(folder)
    done = _run(folder, *command)
    assert done.returncode == 3, done.stderr
    for title in hostile:
        line = next(line for line in done.stderr.splitlines() if f'Page "{title}"' in line)
        assert "too complex to read" in line and "refused" in line
    after = _texts(folder)
    assert {title: after[title] for title in hostile} == hostile
    edited = {title for title in after if after[title] != before[title]}
    assert edited and not edited & set(hostile)
    assert all(changed in after[title].replace(" ", "") for title in edited)
    if command[0] == "remove-param":
        assert all("|Lieu=" not in after[title].replace(" ", "") for title in edited)
    if command[0] == "set":
        # every other event page with an infobox got the value
        assert len(edited) == 12
    # a second run redoes nothing but the refusals: the page is refused again, not stalled
    again = _run(folder, *command)
    assert again.returncode == 3, again.stderr
    assert _texts(folder) == after
    assert all(f'Page "{title}"' in again.stderr for title in hostile)


def test_batch_edit_dry_run_refuses_a_too_complex_page(tmp_path: Path) -> None:
    folder, hostile = _mirror(tmp_path)
    before = _texts(folder)
    done = _run(folder, "set", "event", "shortDescription=x", "--dry-run")
    assert done.returncode == 3, done.stderr
    assert all(f'Page "{title}" is too complex to read' in done.stderr for title in hostile)
    assert _texts(folder) == before


def test_import_refuses_a_page_made_too_complex_since_the_export(tmp_path: Path) -> None:
    folder, _ = _mirror(tmp_path, hostile_now=False)
    sheet = tmp_path / "events.csv"
    exported = _run(folder, "export", "event", "-o", str(sheet))
    assert exported.returncode == 0, exported.stderr
    with sheet.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 14
    for row in rows:
        row["shortDescription"] = "Résumé importé"
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    hostile = _make_hostile(folder)
    done = _run(folder, "import", "event", str(sheet))
    assert done.returncode == 3, done.stderr
    assert all(f'Page "{title}" is too complex to read' in done.stderr for title in hostile)
    after = _texts(folder)
    assert {title: after[title] for title in hostile} == hostile
    imported = [title for title in after if "Résumé importé" in after[title]]
    assert len(imported) == 12 and not set(imported) & set(hostile)


def test_export_leaves_out_a_too_complex_page_naming_it(tmp_path: Path) -> None:
    folder, hostile = _mirror(tmp_path)
    sheet = tmp_path / "events.csv"
    done = _run(folder, "export", "event", "-o", str(sheet))
    assert done.returncode == 0, done.stderr
    warned = [line for line in done.stderr.splitlines() if "too complex to read" in line]
    assert len(warned) == 2
    assert all(any(f'Page "{title}"' in line for line in warned) for title in hostile)
    with sheet.open(encoding="utf-8-sig", newline="") as handle:
        titles = [row["title"] for row in csv.DictReader(handle)]
    assert len(titles) == 12 and not set(titles) & set(hostile)


@pytest.mark.parametrize(
    ("command", "named"),
    [
        (("rename-param", "Event", "Lieux", "place"), 'did you mean "Lieu"'),
        (("rename-param", "Evnt", "Lieu", "place"), '"Modèle:Event"'),
    ],
)
def test_misspelt_names_are_still_refused_next_to_a_too_complex_page(
    tmp_path: Path, command: tuple[str, ...], named: str
) -> None:
    # The checks before a batch (the parameter is on some page; the template
    # exists, else the closest names) read every page: a hostile one neither
    # stalls them nor hides the misspelling.
    folder, _ = _mirror(tmp_path)
    before = _texts(folder)
    done = _run(folder, *command)
    assert done.returncode == 2, done.stderr
    assert named in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert _texts(folder) == before
