"""Page templates are user files: they run in Jinja2's immutable sandbox."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2.sandbox
import pytest

from wikisync.errors import RenderError
from wikisync.render import make_environment, render_index

TODAY = dt.date(2024, 3, 6)


def _render(tmp_path: Path, source: str, records: list[dict[str, object]] | None = None) -> str:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "essai.wiki.j2").write_text(source, encoding="utf-8")
    return render_index(records or [], "essai", today=TODAY, template_dirs=[tmp_path])


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("{{ ''.__class__.__mro__ }}", "__class__"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "__class__"),
        ("{{ records.__class__ }}", "__class__"),
        ("{{ today.__class__.__init__.__globals__ }}", "__init__"),
        ("{{ cycler.__init__.__globals__ }}", "__init__"),
        ("{{ lipsum.__globals__['os'] }}", "__globals__"),
        ("{{ '{0.__class__}'.format(records) }}", "__class__"),
        ("{{ records.append({'title': 'x'}) }}", "append"),
        ("{% set _ = records.pop() %}", "pop"),
        ("{% set d = {} %}{% set _ = d.update(a=1) %}", "update"),
        ("{% set s = [1] %}{% set _ = s.extend([2]) %}", "extend"),
        ("{{ records[0].clear() }}", "clear"),
    ],
)
def test_unsafe_template_is_one_render_error(tmp_path: Path, source: str, what: str) -> None:
    records: list[dict[str, object]] = [{"title": "Un"}]
    with pytest.raises(RenderError) as info:
        _render(tmp_path, source, records)
    message = str(info.value)
    assert "\n" not in message
    assert 'Page template "essai.wiki.j2"' in message
    assert what in message
    assert "unsafe" in message
    # Nothing was changed behind the error.
    assert records == [{"title": "Un"}]


@pytest.mark.parametrize(
    "source",
    ["{{ 1 / 0 }}", "{{ range(10 ** 9) | list | length }}", "{{ 2.0 ** 99999 }}"],
)
def test_arithmetic_faults_are_one_render_error(tmp_path: Path, source: str) -> None:
    with pytest.raises(RenderError, match=r'Page template "essai\.wiki\.j2"'):
        _render(tmp_path, source)


def test_sandbox_keeps_the_wikitext_environment(tmp_path: Path) -> None:
    environment = make_environment()
    assert isinstance(environment, jinja2.sandbox.ImmutableSandboxedEnvironment)
    assert environment.undefined is jinja2.StrictUndefined
    assert environment.autoescape is False
    assert environment.keep_trailing_newline and environment.trim_blocks
    text = _render(
        tmp_path,
        "{% for r in records | sort_fr('title') %}\n* {{ r.title | wikilink }} {{ r.note }}\n"
        "{% endfor %}\n{{ records | length }} {{ 'x,y'.split(',') | join('+') }}\n",
        [{"title": "Béa", "note": "[[Lien]]"}, {"title": "Alain", "note": "{{x}}"}],
    )
    assert text == (
        "* [[Alain]] &#123;&#123;x&#125;&#125;\n* [[Béa]] &#91;&#91;Lien&#93;&#93;\n2 x+y\n"
    )
    # (the environment is cached per folder: another folder for another template)
    with pytest.raises(RenderError, match="undefined"):
        _render(tmp_path / "autre", "{{ nothing }}")
