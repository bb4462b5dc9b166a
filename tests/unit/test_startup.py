"""Start-up stays light: ``import wikisync`` and the pure core load no network, template or
calendar library, and every public name still resolves (loaded at first use)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import wikisync
import wikisync.core

HEAVY = ("mwclient", "requests", "jinja2", "icalendar", "click")


def _loaded_after(code: str) -> set[str]:
    """The heavy libraries in sys.modules after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_import_wikisync_loads_no_heavy_library() -> None:
    assert _loaded_after("import wikisync") == set()
    assert _loaded_after("import wikisync; wikisync.open_source") == set()
    # the probe sees a heavy library when one is loaded
    assert _loaded_after("import wikisync; wikisync.format_calendar") >= {"icalendar"}


def test_the_core_imports_without_network_template_or_calendar_library() -> None:
    modules = sorted(
        info.name for info in pkgutil.walk_packages(wikisync.core.__path__, "wikisync.core.")
    )
    assert len(modules) > 15
    code = "\n".join(f"import {m}" for m in modules)
    assert _loaded_after(code) == set()


def test_every_public_name_resolves() -> None:
    assert len(wikisync.__all__) > 50
    for name in wikisync.__all__:
        assert getattr(wikisync, name) is not None, name
    assert set(wikisync.__all__) <= set(dir(wikisync))


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        wikisync.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("wikisync.no_such_name resolved")
