"""The package's shape: layers import only downwards, no module imports itself in a circle.

Every ``import``/``from … import`` is read with ast, including the ones inside functions
(lazy imports are still dependencies). Packages of the same rank (``parse``/``rules``,
``apps``/``addin``) may not import each other either.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "xltool"
RANK = {"core": 0, "parse": 1, "rules": 1, "io": 2, "write": 3, "apps": 4, "api": 5, "addin": 6, "web": 6, "cli": 7}
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache  # listed once: collection only needs the names (every xdist worker collects this file)
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@functools.cache  # parsed once per process, and only by the worker that runs these tests
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(name: str, path: Path) -> set[str]:
    """Every xltool module this module imports (absolute or relative)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "xltool")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != "xltool":
                continue
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)  # "from xltool.io import gate"
    modules = _modules()
    return {m for m in found if m in modules and m != name}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in RANK:
        return parts[1]
    return "cli" if module == "xltool.__main__" else None


@functools.cache
def _graph() -> dict[str, set[str]]:
    """Every module's xltool imports (built when a test first asks, not at collection)."""
    return {name: _imports(name, path) for name, path in _modules().items()}


def test_every_module_lives_in_a_layer() -> None:
    stray = [m for m in _modules() if _layer(m) is None and m != "xltool"]
    assert stray == [], f"modules outside the layer packages: {stray}"


@pytest.mark.parametrize("module", sorted(_modules()))
def test_imports_point_down(module: str) -> None:
    own = _layer(module)
    if own is None:
        return
    wrong = []
    for target in sorted(_graph()[module]):
        other = _layer(target)
        if other is None or other == own:
            continue
        if RANK[other] >= RANK[own]:
            wrong.append(f"{module} ({own}) → {target} ({other})")
    assert wrong == [], "imports against the layer direction:\n" + "\n".join(wrong)


def test_no_import_cycles() -> None:
    """Tarjan's strongly connected components over the module graph (package → its own modules excluded)."""
    graph = {m: {t for t in targets if not t.startswith(m + ".")} for m, targets in _graph().items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
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
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert cycles == [], f"import cycles: {cycles}"


def test_the_layer_check_sees_a_wrong_direction(tmp_path: Path) -> None:
    """The checker itself: a core module importing from write, directly or lazily, is caught."""
    probe = tmp_path / "model.py"
    probe.write_text(
        "from xltool.core.text import clean_text\n"
        "def f():\n    from ..write import report\n    from xltool.write.summary import write_summary\n",
        encoding="utf-8",
    )
    found = _imports("xltool.core.model", probe)
    assert {"xltool.core.text", "xltool.write.report", "xltool.write.summary"} <= found
    wrong = [t for t in found if RANK[_layer(t) or "core"] > RANK["core"]]
    assert sorted(wrong) == ["xltool.write", "xltool.write.report", "xltool.write.summary"]


@pytest.mark.parametrize("module", sorted(_modules()))
def test_modules_stay_small(module: str) -> None:
    lines = len(_modules()[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module}: {lines} lines (split it by job; the habit is ~400)"


def _underscore_imports(name: str, path: Path) -> list[str]:
    """``from <another xltool module> import _private`` sites in one module (dunder names are fine)."""
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(_tree(path)):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = name.split(".") if is_package else name.split(".")[:-1]
            module = ".".join(base[: len(base) - (node.level - 1)] + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        if module.split(".")[0] != "xltool" or module == name:
            continue
        found += [f"{module}.{a.name}" for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
    return found


@pytest.mark.parametrize("module", sorted(_modules()))
def test_no_module_imports_another_modules_private_names(module: str) -> None:
    """A name with a leading underscore is its module's own: share it by making it public (and documenting it)."""
    found = _underscore_imports(module, _modules()[module])
    assert found == [], f"{module} imports private names of other modules: {found}"


def test_the_private_name_check_sees_relative_and_absolute_imports(tmp_path: Path) -> None:
    probe = tmp_path / "template.py"
    probe.write_text("from .sheet_style import _LOCKED, PUBLIC\nfrom xltool.io.text import __all__, _cell\n"
                     "def f():\n    from ..core.grid import _REF_RE\n", encoding="utf-8")
    found = _underscore_imports("xltool.write.template", probe)
    assert sorted(found) == ["xltool.core.grid._REF_RE", "xltool.io.text._cell", "xltool.write.sheet_style._LOCKED"]


# The CLI is click over the facade: besides ``xltool``/``xltool.api`` (and the error type every layer raises) it
# reaches only the front ends it starts (the Excel add-in's build/doctor, the web server).
CLI_MAY_IMPORT = ("xltool.api", "xltool.core.errors", "xltool.cli", "xltool.addin", "xltool.web")


@pytest.mark.parametrize("module", sorted(m for m in _modules() if _layer(m) == "cli"))
def test_cli_calls_only_the_facade(module: str) -> None:
    wrong = sorted(t for t in _graph()[module]
                   if t != "xltool" and not any(t == a or t.startswith(a + ".") for a in CLI_MAY_IMPORT))
    assert wrong == [], f"{module} reaches past the facade: {wrong}"


# io is file → grid: it ranks above parse (so the rank check allows it) but must not know the parser; building
# projects from grids is the layer above io (``apps.sources``), which hands io the label hints it needs.
NOT_BELOW = {"io": ("parse",)}


def _reaches_forbidden(module: str, targets: set[str]) -> list[str]:
    forbidden = NOT_BELOW.get(_layer(module) or "", ())
    return sorted(t for t in targets if _layer(t) in forbidden)


@pytest.mark.parametrize("module", sorted(m for m in _modules() if _layer(m) in NOT_BELOW))
def test_io_knows_no_parser(module: str) -> None:
    wrong = _reaches_forbidden(module, _graph()[module])
    assert wrong == [], f"{module} imports the parser (io turns files into grids only): {wrong}"


def test_the_io_check_sees_a_lazy_parser_import(tmp_path: Path) -> None:
    probe = tmp_path / "text.py"
    probe.write_text("from xltool.core.grid import Grid\ndef f():\n    from xltool.parse.imported import FREE_ROWS\n",
                     encoding="utf-8")
    assert _reaches_forbidden("xltool.io.text", _imports("xltool.io.text", probe)) == ["xltool.parse.imported"]


def _declares_all(path: Path) -> bool:
    return any(isinstance(node, (ast.Assign, ast.AnnAssign)) and "__all__" in ast.unparse(node).split("=")[0]
               for node in _tree(path).body)


WITH_ALL = sorted(m for m, p in _modules().items() if "__all__" in p.read_text(encoding="utf-8") and _declares_all(p))


@pytest.mark.parametrize("module", WITH_ALL)
def test_every_name_in_all_exists(module: str) -> None:
    """``from <module> import *`` works: ``__all__`` lists only names the module has."""
    namespace: dict[str, object] = {}
    exec(f"from {module} import *", namespace)  # noqa: S102 - the module's own star import, nothing else
    imported = __import__(module, fromlist=["__all__"])
    assert set(imported.__all__) <= set(namespace), sorted(set(imported.__all__) - set(namespace))
