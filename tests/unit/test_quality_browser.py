"""The HTML data-quality report as a person sees it: opened in a real headless browser.

Debian's ``chromium`` (installed by scripts/test) parses the page and paints
it: the DOM it builds must show the counts, the titles as text and the links,
with no element injected by a hostile title or value; the screenshot must show
a page with the chart's bars. Missing chromium fails these tests (never a
skip): they are the proof that the report opens.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikisync.cli import cli
from wikisync.ops.quality.check import (
    FieldQuality,
    QualityProblem,
    QualityReport,
    TypeQuality,
    WikiLinks,
)
from wikisync.ops.quality.html import render_quality_html

HOSTILE_TITLE = 'Atelier <script>alert("t")</script> & "co" ?a=1#b'
HOSTILE_VALUE = '<img src=x onerror=alert(1)> & </td></tr><script>alert("v")</script>'
BAR_RED = (0xDD, 0x33, 0x33)


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(
            "chromium is not installed: these tests open the report in a real browser; "
            "run scripts/test (it installs chromium) or apt-get install chromium"
        )
    return path


def _run(chromium: str, page: Path, profile: Path, *args: str) -> str:
    command = [
        chromium,
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        f"--user-data-dir={profile}",
        *args,
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
    return done.stdout


class _Dom(HTMLParser):
    """Elements and text of the DOM chromium serialised (after its own parsing)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _dom(serialised: str) -> _Dom:
    dom = _Dom()
    dom.feed(serialised)
    dom.close()
    return dom


def _pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB or RGBA PNG into rows of pixel bytes (no library needed)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, data, header = 8, b"", b""
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        chunk = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            data += chunk
        position += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and color in (2, 6), f"unexpected PNG format: depth {depth}, color {color}"
    size = 3 if color == 2 else 4
    raw = zlib.decompress(data)
    stride = width * size
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - size] if x >= size else 0
            up = previous[x]
            corner = previous[x - size] if x >= size else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                near = min(
                    (abs(guess - left), 0, left),
                    (abs(guess - up), 1, up),
                    (abs(guess - corner), 2, corner),
                )[2]
                line[x] = (line[x] + near) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, size, rows


@pytest.mark.usefixtures("speaks_the_wiki_language")
def test_report_of_the_example_in_a_browser(chromium: str, example: Path, tmp_path: Path) -> None:
    # As a person would: run the command, open the file, look at it.
    page = next((example / "mirror" / "_main").glob("Café d\u2019échanges %3A transport*.wiki"))
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("|startDate=day", f"|startDate={HOSTILE_VALUE}"), "utf-8")
    report = tmp_path / "quality.html"
    result = CliRunner().invoke(
        cli, ["-c", str(example / "wikisync.toml"), "check", "-f", "html", "-o", str(report)]
    )
    assert result.exit_code == 0, result.output

    dom = _dom(_run(chromium, report, tmp_path / "profile", "--dump-dom"))
    tags = [tag for tag, _ in dom.tags]
    assert "script" not in tags and "img" not in tags, "an element was injected"
    shown = " ".join(" ".join(dom.text).split())
    assert "Qualité des données" in shown and "Résumé" in shown
    assert "event 16 14 4" in shown and "actor 8 8 1" in shown and "Total 32 30 5" in shown
    assert "Café d\u2019échanges : transport à la demande (Quimper, 2026)" in shown
    assert " ".join(HOSTILE_VALUE.split()) in shown  # the hostile value shows as text
    assert tags.count("svg") == 2 and tags.count("rect") == 4  # event: 3 bars, actor: 1

    shot = tmp_path / "quality.png"
    _run(chromium, report, tmp_path / "profile", "--window-size=900,900", f"--screenshot={shot}")
    assert shot.is_file(), "no screenshot written"
    width, size, rows = _pixels(shot.read_bytes())
    colours = {row[x : x + 3] for row in rows[::4] for x in range(0, width * size, size * 4)}
    assert len(colours) > 20, f"the page looks blank ({len(colours)} colours)"
    assert bytes(BAR_RED) in colours, "no red bar of the chart is painted"


def test_hostile_titles_and_links_in_a_browser(chromium: str, tmp_path: Path) -> None:
    links = WikiLinks("https://wiki.example.org/w/index.php")
    problems = (
        QualityProblem("event", HOSTILE_TITLE, "startDate", HOSTILE_VALUE, "a date", "m"),
        QualityProblem("event", "Page & co", None, None, "no {{Event}} infobox", "m"),
    )
    fields = (FieldQuality("startDate", 1, 1), FieldQuality("place", 2, 0))
    item = TypeQuality("event", "Events", 3, 2, fields, problems)
    report = tmp_path / "hostile.html"
    report.write_text(
        render_quality_html(QualityReport("Wiki <b>x</b>", "en", (item,), links)), "utf-8"
    )

    dom = _dom(_run(chromium, report, tmp_path / "profile", "--dump-dom"))
    tags = [tag for tag, _ in dom.tags]
    assert not {"script", "img", "b"} & set(tags), "an element was injected"
    shown = " ".join(" ".join(dom.text).split())
    assert "Data quality" in shown and "Records" in shown and "Wiki <b>x</b>" in shown
    assert HOSTILE_TITLE in shown and "no {{Event}} infobox" in shown
    anchors = {(attrs.get("class"), attrs.get("href")) for tag, attrs in dom.tags if tag == "a"}
    assert ("page", links.page_url(HOSTILE_TITLE)) in anchors
    assert ("edit", links.edit_url(HOSTILE_TITLE)) in anchors
    assert ("edit", "https://wiki.example.org/w/index.php?title=Page_%26_co&action=edit") in anchors
