"""Page templates are user files: they run in Jinja2's immutable sandbox."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import jinja2.sandbox
import pytest

from wikisync.core.errors import RenderError
from wikisync.core.render import make_environment, render_index

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


# -- issue 18 item 7: the filters are no way around the sandbox, and every render is bounded


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("{{ [lipsum]|upcoming(today, '__globals__') }}", "__globals__"),
        ("{{ [lipsum]|past(today, '__globals__') }}", "__globals__"),
        ("{{ [lipsum]|undated('__globals__') }}", "__globals__"),
        ("{{ [lipsum]|sort_fr('__globals__') }}", "__globals__"),
        ("{{ [cycler]|group_by_year('__init__') }}", "__init__"),
        ("{{ [cycler]|group_by_month('__init__') }}", "__init__"),
        ("{{ [today]|sort_fr('__class__') }}", "__class__"),
    ],
)
def test_filters_take_no_private_attribute_names(tmp_path: Path, source: str, what: str) -> None:
    with pytest.raises(RenderError) as info:
        _render(tmp_path, source, [{"title": "Un"}])
    message = str(info.value)
    assert "\n" not in message
    assert 'Page template "essai.wiki.j2"' in message
    assert what in message
    assert "unsafe" in message
    assert "builtins" not in message


def test_filters_read_record_keys_not_dict_attributes(tmp_path: Path) -> None:
    # "items" is a dict method, not a record field: it reads as no value.
    text = _render(
        tmp_path,
        "{{ records|sort_fr('items')|map(attribute='title')|join }}",
        [{"title": "B"}, {"title": "A"}],
    )
    assert text == "B, A"


@pytest.mark.parametrize(
    "source",
    [
        "{{ [1]|sort_fr(1) }}",
        "{{ records|upcoming(today, ['x']) }}",
    ],
)
def test_filters_refuse_field_names_that_are_no_text(tmp_path: Path, source: str) -> None:
    with pytest.raises(RenderError, match="field name should be text"):
        _render(tmp_path, source, [{"title": "Un"}])


LIMIT_CASES = [
    ("{{ '{:{w}}'.format('x', w=10 ** 9) }}", "too large a width"),
    ("{{ '{:>{w}}'.format_map({'w': 10 ** 9}) }}", "too large a width"),
    ("{{ '%*s' % (10 ** 9, 'x') }}", "too large a width"),
    ("{{ '%.*f' % (10 ** 8, 1.5) }}", "too large a width"),
    ("{{ '%*s'|format(10 ** 9, 'x') }}", "too large a width"),
    ("{% include 'essai.wiki.j2' %}", "recursion"),
    ("{% extends 'essai.wiki.j2' %}", "recursion"),
    ("{% import 'essai.wiki.j2' as x %}", "recursion"),
    ("{% for i in range(10) recursive %}{{ loop(range(10)) }}{% endfor %}", "nested more than"),
    ("{{ [lipsum]|map(attribute='__globals__')|list }}", "unsafe"),
    ("{{ records|selectattr('__class__')|list }}", "unsafe"),
    ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "nested more than"),
    ("{{ 'x' * 10 ** 11 }}", "characters or items"),
    ("{{ [0] * 10 ** 11 }}", "characters or items"),
    ("{{ 10 ** (10 ** 10) }}", "too large a number"),
    ("{{ '{0}'.format_map({}) }}", "tuple index out of range"),
    ("{{ '{x}'.format_map(records) }}", "list indices"),
    ("{{ '{:>999999999}'.format(1) }}", "format width"),
    ("{{ '%999999999s' % 1 }}", "format width"),
    ("{{ '%999999999s'|format(1) }}", "format width"),
    ("{{ 'x'|center(10 ** 10) }}", "too large a width"),
    ("{{ 'x'.ljust(10 ** 10) }}", "too large a width"),
    ("{{ ('x' * 1000000)|replace('', 'yy') }}", "characters or items"),
    ("{{ ('x\\n' * 500000)|indent(100) }}", "characters"),
    ("{{ [1]|batch(10 ** 9, 'x')|list }}", "too large a width"),
    ("{{ lipsum(100000) }}", "too large a width"),
    (
        "{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}",
        "loop steps",
    ),
    (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "loop steps",
    ),
    (
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
        "characters or items",
    ),
    (
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
        "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}",
        "characters or items",
    ),
    ("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", "characters"),
    ("{% for i in range(3000) %}{{ 'x' * 1000000 }}{% endfor %}", "characters"),
    (
        "{% macro m() %}{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}{% endmacro %}"
        "{% set x = m() %}{{ x|length }}",
        "characters",
    ),
]


_LIMIT_SCRIPT = """
import datetime as dt, pathlib, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from wikisync.core.errors import RenderError
from wikisync.core.render import render_index
folder = pathlib.Path(sys.argv[1])
(folder / "essai.wiki.j2").write_text(sys.argv[2], encoding="utf-8")
try:
    render_index([{"title": "Un"}], "essai", today=dt.date(2024, 1, 1), template_dirs=[folder])
except RenderError as exc:
    print(exc)
    sys.exit(2)
print("rendered")
"""


@pytest.mark.parametrize(("source", "what"), LIMIT_CASES)
def test_render_limits_end_in_one_line(tmp_path: Path, source: str, what: str) -> None:
    # In a child with 1 GiB of address space and a 60 s bound: a template
    # that tries to use more ends in one RenderError line, quickly.
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _LIMIT_SCRIPT, str(tmp_path), source],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert time.monotonic() - started < 30
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith('Page template "essai.wiki.j2"')
    assert what in lines[0]


def test_render_limits_leave_ordinary_templates_alone(tmp_path: Path) -> None:
    records = [
        {"title": f"Page {n}", "startDate": f"2024-{n % 12 + 1:02d}-01"} for n in range(2000)
    ]
    source = (
        "{% for r in records|sort_fr('title') %}{% for c in r.title %}{{ c }}{% endfor %}"
        "{{ '-' * 80 }}{{ '%5s'|format(loop.index) }}\n{% endfor %}"
    )
    text = _render(tmp_path, source, records)
    assert text.count("\n") == 2000


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("{{ [lipsum]|upcoming(today, '__globals__') }}", "unsafe"),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "nested more than"),
        ("{{ 'x' * 10 ** 11 }}", "characters or items"),
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
            "steps",
        ),
    ],
)
def test_cli_render_and_rebuild_end_a_hostile_template_in_one_line(
    tmp_path: Path, source: str, what: str
) -> None:
    import shutil

    from click.testing import CliRunner

    from wikisync.cli import cli

    folder = tmp_path / "example"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "fabmob", folder)
    (folder / "templates").mkdir()
    (folder / "templates" / "piege.wiki.j2").write_text(source, encoding="utf-8")
    config = folder / "wikisync.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            '\npage_template = "events"', '\npage_template = "templates/piege.wiki.j2"', 1
        ),
        encoding="utf-8",
    )
    page = next((folder / "mirror" / "_main").glob("Evénements.wiki"))
    before = page.read_bytes()
    for command in (["render", "events"], ["rebuild", "events"]):
        result = CliRunner().invoke(cli, ["-c", str(config), *command])
        assert result.exit_code == 1, result.output
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit
        )
        lines = [line for line in result.stderr.splitlines() if line]
        assert any('Page template "piege.wiki.j2"' in line and what in line for line in lines)
        assert "Traceback" not in result.output
    assert page.read_bytes() == before
