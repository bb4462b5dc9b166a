"""The house keeps its layers: the imports of every module, read with ast, point down only.

Layers (STYLE.md "Layout"), from the ground up::

    core      wikisync/core/      pure, no I/O; imports nothing of wikisync outside core
    base      config.py, files.py, loaders.py, interrupt.py, presets/, __about__.py: shared helpers
    ports     wikisync/ports/     the protocols the adapters fulfil
    adapters  wikisync/wiki/, wikisync/mirror/, wikisync/dump/: never import one another
    ops       wikisync/ops/ and wikisync/sources.py (open_source: the composition root)
    cli       wikisync/cli/
    face      wikisync/__init__.py, wikisync/__main__.py

and cli -> ops -> ports <- adapters, everything -> core. Besides: no import cycle; no network or
template library imported at module level in core; no raw API query outside wiki/; no capability
probe of a source (``getattr(source, ...)``, ``isinstance(x, WikiSource)``) outside the adapters.

What the code does today against the last three rules is listed in the ALLOWED_* tables below,
one entry per place with why; an entry that no longer matches anything fails the test, so the
lists only shrink.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "wikisync"

LAYER_OF_TOP = {
    "core": "core",
    "config": "base",
    "files": "base",
    "loaders": "base",
    "interrupt": "base",
    "i18n": "base",
    "presets": "base",
    "__about__": "base",
    "ports": "ports",
    "wiki": "wiki",
    "mirror": "mirror",
    "dump": "dump",
    "ops": "ops",
    "sources": "ops",
    "cli": "cli",
    "__main__": "face",
}
RANK = {"core": 0, "base": 1, "ports": 2, "wiki": 3, "mirror": 3, "dump": 3, "ops": 4, "cli": 5}
RANK["face"] = 6
ADAPTERS = {"wiki", "mirror", "dump"}
# the one module that may name every adapter: it picks the one a site needs
COMPOSITION_ROOTS = {"wikisync.sources"}
HEAVY = {"mwclient", "requests", "jinja2", "icalendar", "urllib3"}
#: Core modules that are a heavy library's one home, imported only where it is used: the
#: page-template sandbox needs Jinja2, and only a render imports it (core/render.py, the
#: escaping and filters, does not).
HEAVY_HOMES = {"wikisync.core.templating": "jinja2"}

# --- what the code does today, each with why; the lead shrinks these (issue 19 item 2) ---

#: (importer, imported): an operation or a command reaching past the port into an adapter.
ALLOWED_PAST_PORT: dict[tuple[str, str], str] = {}

#: (module, call): a raw MediaWiki API query outside wiki/.
ALLOWED_RAW_API: dict[tuple[str, str], str] = {}

#: (module, probe): a capability probe of a source, or isinstance on a concrete adapter.
ALLOWED_PROBES: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    top_level: bool  # at module level (not in a function), so it runs at import time
    type_checking: bool  # under ``if TYPE_CHECKING:``: no runtime arrow


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _read() -> dict[str, ast.Module]:
    return {
        _module_name(p): ast.parse(p.read_text(encoding="utf-8"), str(p))
        for p in sorted(PACKAGE.rglob("*.py"))
    }


TREES = _read()
MODULES = set(TREES)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports_of(module: str, tree: ast.Module) -> list[Import]:
    found: list[Import] = []
    package = (
        module
        if (PACKAGE / "/".join(module.split(".")[1:]) / "__init__.py").exists()
        else module.rpartition(".")[0]
    )

    def visit(node: ast.AST, top: bool, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.body:
                    visit_one(sub, top, True)
                for sub in child.orelse:
                    visit_one(sub, top, typing_only)
                continue
            visit_one(child, top, typing_only)

    def visit_one(child: ast.AST, top: bool, typing_only: bool) -> None:
        names: list[str] = []
        if isinstance(child, ast.Import):
            names = [a.name for a in child.names]
        elif isinstance(child, ast.ImportFrom):
            base = child.module or ""
            if child.level:
                anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in child.names:
                full = f"{base}.{alias.name}"
                names.append(full if full in MODULES else base)
        if names:
            found.extend(
                Import(module, n, child.lineno, top, typing_only) for n in dict.fromkeys(names)
            )
        inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        visit(child, inner, typing_only)

    visit(tree, True, False)
    return found


IMPORTS = [imp for module, tree in TREES.items() for imp in _imports_of(module, tree)]
INTERNAL = [imp for imp in IMPORTS if imp.imported.split(".")[0] == "wikisync"]


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "face"
    if parts[1] not in LAYER_OF_TOP:
        raise AssertionError(
            f"{module}: in no layer; put it in a layer folder, or add it to LAYER_OF_TOP"
        )
    return LAYER_OF_TOP[parts[1]]


def _target(imported: str) -> str:
    """The module an import names (``wikisync.x.name`` -> ``wikisync.x``)."""
    while imported not in MODULES and "." in imported:
        imported = imported.rpartition(".")[0]
    return imported


def test_the_reading_found_the_house() -> None:
    assert len(MODULES) > 60
    assert len(INTERNAL) > 300
    assert any(imp.type_checking for imp in INTERNAL)
    assert any(not imp.top_level for imp in INTERNAL)
    assert {layer(m) for m in MODULES} == set(RANK)


def test_every_module_is_in_a_layer() -> None:
    for module in MODULES:
        layer(module)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles of ``graph`` (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return cycles


def test_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for imp in INTERNAL:
        if not imp.type_checking:
            graph[imp.importer].add(_target(imp.imported))
    assert sum(map(len, graph.values())) > 200
    assert not _cycles(graph), f"import cycles: {_cycles(graph)}"


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert _cycles(graph) == [["a", "b", "c"], ["e"]]


def test_imports_point_down() -> None:
    wrong = []
    for imp in INTERNAL:
        src, dst = layer(imp.importer), layer(_target(imp.imported))
        if imp.type_checking and RANK[dst] <= RANK[src]:
            continue
        if RANK[dst] > RANK[src] or (src in ADAPTERS and dst in ADAPTERS and src != dst):
            wrong.append(f"{imp.importer}:{imp.line} ({src}) -> {imp.imported} ({dst})")
    assert not wrong, "imports pointing up or across adapters:\n" + "\n".join(wrong)


def test_core_imports_only_core() -> None:
    checked = 0
    for imp in INTERNAL:
        if layer(imp.importer) == "core":
            checked += 1
            assert layer(_target(imp.imported)) == "core", imp
    assert checked > 30


def test_core_loads_no_network_or_template_library_at_import() -> None:
    heavy = [
        f"{imp.importer}:{imp.line} imports {imp.imported}"
        for imp in IMPORTS
        if layer(imp.importer) == "core"
        and imp.top_level
        and not imp.type_checking
        and imp.imported.split(".")[0] in HEAVY
        and HEAVY_HOMES.get(imp.importer) != imp.imported.split(".")[0]
    ]
    assert not heavy, "\n".join(heavy)
    assert all(module in {imp.importer for imp in IMPORTS} for module in HEAVY_HOMES)


def _past_port() -> set[tuple[str, str]]:
    found = set()
    for imp in INTERNAL:
        src, dst = layer(imp.importer), layer(_target(imp.imported))
        if src in {"ops", "cli"} and dst in ADAPTERS and imp.importer not in COMPOSITION_ROOTS:
            found.add((imp.importer, _target(imp.imported)))
    return found


def test_operations_and_commands_ask_ports_not_adapters() -> None:
    found = _past_port()
    new = sorted(found - set(ALLOWED_PAST_PORT))
    assert not new, "reaching past the port into an adapter:\n" + "\n".join(map(str, new))
    stale = sorted(set(ALLOWED_PAST_PORT) - found)
    assert not stale, f"ALLOWED_PAST_PORT entries that no longer happen (remove them): {stale}"


RAW_METHODS = {"query", "call", "raw_api", "api", "raw_call", "raw_index", "post"}
CLIENTISH = re.compile(r"client|site|mw", re.I)


def _receiver(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _raw_api() -> set[tuple[str, str]]:
    found = set()
    for module, tree in TREES.items():
        if layer(module) == "wiki":
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and (node.func.attr in RAW_METHODS or node.func.attr == "get")
                and CLIENTISH.search(_receiver(node.func.value))
            ):
                found.add((module, f"{ast.unparse(node.func)}("))
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.search(r"(^|api\.php\?)action=\w", node.value)
            ):
                found.add((module, repr(node.value)))
    return found


def test_no_raw_api_query_outside_the_wiki_adapter() -> None:
    found = _raw_api()
    new = sorted(found - set(ALLOWED_RAW_API))
    assert not new, "raw API queries outside wiki/:\n" + "\n".join(map(str, new))
    stale = sorted(set(ALLOWED_RAW_API) - found)
    assert not stale, f"ALLOWED_RAW_API entries that no longer happen (remove them): {stale}"


PROBED = re.compile(r"source|target|client|site|wiki", re.I)


def _adapter_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[:2] in (
            ["wikisync", a] for a in ADAPTERS
        ):
            names.update(a.asname or a.name for a in node.names if a.name[:1].isupper())
    return names


def _probes() -> set[tuple[str, str]]:
    found = set()
    for module, tree in TREES.items():
        if layer(module) in ADAPTERS or module in COMPOSITION_ROOTS:
            continue
        concrete = _adapter_names(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id in {"getattr", "hasattr"} and len(node.args) >= 2:
                what = node.args[0]
                if PROBED.search(_receiver(what)):
                    found.add(
                        (
                            module,
                            f"{node.func.id}({ast.unparse(node.args[0])}, "
                            f"{ast.unparse(node.args[1])})",
                        )
                    )
            elif node.func.id == "isinstance" and len(node.args) == 2:
                kinds = node.args[1]
                elts = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
                hit = [ast.unparse(e) for e in elts if ast.unparse(e) in concrete]
                if hit:
                    found.add((module, f"isinstance(..., {', '.join(hit)})"))
    return found


def test_no_capability_probe_outside_the_adapters() -> None:
    found = _probes()
    new = sorted(found - set(ALLOWED_PROBES))
    assert not new, "capability probes outside the adapters:\n" + "\n".join(map(str, new))
    stale = sorted(set(ALLOWED_PROBES) - found)
    assert not stale, f"ALLOWED_PROBES entries that no longer happen (remove them): {stale}"


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        ("import requests\n", "heavy"),
        ("from wikisync.ops import collect\n", "up"),
        ("def f(client):\n    return client.query(list='allpages')\n", "raw"),
        ("def f(source):\n    return getattr(source, 'client', None)\n", "probe"),
    ],
)
def test_the_rules_catch_what_they_name(source: str, rule: str) -> None:
    """The checks are not vacuous: each finds a planted violation in a core module."""
    tree = ast.parse(source)
    name = "wikisync.core.planted"
    MODULES.add(name)
    TREES[name] = tree
    try:
        imports = _imports_of(name, tree)
        if rule == "heavy":
            assert any(i.imported == "requests" and i.top_level for i in imports)
        elif rule == "up":
            assert any(layer(_target(i.imported)) == "ops" for i in imports)
        elif rule == "raw":
            assert (name, "client.query(") in _raw_api()
        else:
            assert (name, "getattr(source, 'client')") in _probes()
    finally:
        MODULES.discard(name)
        del TREES[name]
