"""One name resolver: every "did you mean …?" comes from wikisync.core.names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from wikisync.config import load_config
from wikisync.core.errors import ConfigError
from wikisync.core.schema import load_record_types

PACKAGE = Path(__file__).resolve().parents[2] / "wikisync"


def test_did_you_mean_is_defined_once_in_core_names() -> None:
    """A second copy (the configuration had one) drifts: it folded no accents, no underscores."""
    defined = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.FunctionDef) and node.name in {"did_you_mean", "close_names"}
    ]
    assert defined == ["core/names.py", "core/names.py"]


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ('"Sité" = "mirror"\n', 'did you mean "site"?'),  # an accent typed by habit
        ("use_Cache = false\n", 'did you mean "use_cache"'),
    ],
)
def test_configuration_keys_are_resolved_like_every_name(
    tmp_path: Path, text: str, hint: str
) -> None:
    path = tmp_path / "wikisync.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert hint in str(caught.value) and str(path) in str(caught.value)


def test_type_keys_are_resolved_like_every_name() -> None:
    tables = {"event": {"catégories": ["Evénement"], "templates": ["Event"]}}
    with pytest.raises(ConfigError, match=r'event.*unknown key; did you mean "categories"') as c:
        load_record_types(tables)
    assert c.value.key is not None and "catégories" in c.value.key
