"""The documentation: a short README as the front page, the rest in docs/, no dead links."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"^(```|~~~)")


def _headings(text: str) -> set[str]:
    """GitHub's anchors of a Markdown file's headings (outside code blocks)."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else re.match(r"^#{1,6} +(.+?) *#*$", line)
        if heading:
            slug = re.sub(r"[^\w\- ]", "", heading[1].replace("`", "").strip().lower())
            slug = slug.replace(" ", "-")
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def _links(text: str) -> list[str]:
    """The targets of Markdown links outside code blocks and code spans."""
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    prose = re.sub(r"`[^`\n]*`", "", prose)
    return re.findall(r"\]\(([^)\s]+)\)", prose)


def test_the_readme_is_a_front_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 300
    linked = {target.split("#")[0] for target in _links(readme)}
    # Every page of docs/ is reachable from the README.
    assert {f"docs/{page.name}" for page in DOCS} <= linked


def test_every_relative_link_and_anchor_resolves() -> None:
    assert DOCS, "docs/ holds the documentation"
    checked = 0
    for page in [ROOT / "README.md", *DOCS]:
        text = page.read_text(encoding="utf-8")
        for target in _links(text):
            if re.match(r"[a-z]+:", target):
                continue  # an absolute URL
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            assert dest.is_file(), f"{page.name}: link to {target}: no such file"
            if anchor:
                assert anchor in _headings(dest.read_text(encoding="utf-8")), (page.name, target)
            checked += 1
    assert checked >= len(DOCS)


def test_the_command_reference_sits_between_its_cog_markers() -> None:
    text = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert "from tests.command_reference import reference" in text
    assert text.count("<!-- [[[end]]] -->") == 1
