"""Layering (DESIGN.md "The layers"): the core imports no plotting library, views no Panel.

The rule, by file:

* **presentation** modules: the frame (``kexue_viz/{ui,live,notebook,plot,style,export,cli,
  registry,landing,index_page,tasks,figures,embed,gallery}.py``, :data:`FRAME_MODULES`) and, in each series package, ``views.py``,
  ``dashboard.py`` and ``text.py`` (:data:`SERIES_PRESENTATION`). A new frame module is added to
  :data:`FRAME_MODULES` by whoever writes it.
* **core**: every other module of ``kexue_viz`` (numeric modules, each series' ``pipeline``,
  ``device.py``, ``i18n.py``, the packages' ``__init__.py``). It imports none of holoviews, panel,
  bokeh (nor hvplot), so a researcher can call it without them.
* **views** (``kexue_viz/<series>/views.py``) import no panel: a view is a HoloViews object, no
  widget.

Checked statically on each module's ``import`` statements (anywhere in the module, functions
included), following kexue_viz's own imports transitively: a core module that imports a kexue_viz
module (or a package whose ``__init__.py``) that imports holoviews violates the rule too. Known
violations that need more than moving an import are listed in :data:`ALLOWED` with their reason.
"""
from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

import pytest

PACKAGE = "kexue_viz"
PACKAGE_DIR = Path(__file__).resolve().parents[2] / PACKAGE
FRAME_MODULES = {f"{PACKAGE}.{name}" for name in
                 ("ui", "live", "notebook", "plot", "style", "export", "cli", "registry", "landing", "index_page", "tasks", "figures", "embed", "gallery")}
SERIES_PRESENTATION = {"views", "dashboard", "text"}
PLOTTING = {"holoviews", "panel", "bokeh", "hvplot"}
WIDGETS = {"panel"}
# (module, forbidden library) -> why it is allowed for now
ALLOWED: dict[tuple[str, str], str] = {}


def module_files(package_dir: Path = PACKAGE_DIR, package: str = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, for ``__init__.py``)."""
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = (package, *path.relative_to(package_dir).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported_names(path: Path, module: str, is_package: bool) -> list[str]:
    """Dotted names ``module`` imports: ``import a.b`` gives ``a.b``; ``from a import b`` gives
    ``a`` and ``a.b`` (``b`` may be a module); relative imports resolved against ``module``."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([base] if base else []))
            names += [base] + [f"{base}.{alias.name}" for alias in node.names]
    return names


def import_graph(modules: dict[str, Path]) -> dict[str, dict[str, set[str]]]:
    """Per module: ``"internal"``, the kexue_viz modules importing it runs (with their parent
    packages' ``__init__``), and ``"external"``, the top-level names of other libraries it imports."""
    graph = {}
    for module, path in modules.items():
        internal, external = set(), set()
        for name in imported_names(path, module, path.name == "__init__.py"):
            top = name.split(".")[0]
            if top != PACKAGE:
                external.add(top)
                continue
            parts = name.split(".")
            internal |= {".".join(parts[:k]) for k in range(1, len(parts) + 1)} & modules.keys()
        parts = module.split(".")
        internal |= {".".join(parts[:k]) for k in range(1, len(parts))}  # its own packages run first
        internal.discard(module)
        graph[module] = {"internal": internal, "external": external}
    return graph


def forbidden_chains(graph, module: str, forbidden: set[str]) -> dict[str, list[str]]:
    """Per forbidden library that importing ``module`` brings in: the shortest chain of kexue_viz
    modules from ``module`` to the one that imports it."""
    chains, parent, queue = {}, {module: None}, deque([module])
    while queue:
        current = queue.popleft()
        for library in sorted(graph[current]["external"] & forbidden):
            if library not in chains:
                chain, step = [], current
                while step is not None:
                    chain.append(step)
                    step = parent[step]
                chains[library] = chain[::-1]
        for following in sorted(graph[current]["internal"]):
            if following not in parent:
                parent[following] = current
                queue.append(following)
    return chains


def layer(module: str) -> str:
    """``"presentation"``, ``"views"`` or ``"core"`` by the rule in this module's docstring."""
    if module.endswith(".views"):
        return "views"
    if module in FRAME_MODULES or (module.count(".") == 2 and module.split(".")[-1] in SERIES_PRESENTATION):
        return "presentation"
    return "core"


def violations(modules: dict[str, Path]) -> dict[tuple[str, str], list[str]]:
    """``(module, library) -> chain`` for every core module reaching a plotting library and every
    views module reaching panel."""
    graph = import_graph(modules)
    found = {}
    for module in modules:
        kind = layer(module)
        if kind == "presentation":
            continue
        for library, chain in forbidden_chains(graph, module, PLOTTING if kind == "core" else WIDGETS).items():
            found[(module, library)] = chain
    return found


MODULES = module_files()
VIOLATIONS = violations(MODULES)


def test_the_scan_sees_the_package():
    assert {"kexue_viz.device", "kexue_viz.ssm.hippo", "kexue_viz.ssm.views", "kexue_viz.ui"} <= MODULES.keys()
    assert layer("kexue_viz.ssm.hippo") == "core" and layer("kexue_viz.ssm.views") == "views"
    assert layer("kexue_viz.live") == layer("kexue_viz.ssm.dashboard") == "presentation"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer(m) != "presentation"))
def test_layer_imports(module):
    rule = {"core": "the core imports no holoviews/panel/bokeh (move the import, or the function that needs "
                    "it, into the series' views.py/dashboard.py or the frame)",
            "views": "views import no panel (move it into the series' dashboard.py or the frame)"}[layer(module)]
    found = {key: chain for key, chain in VIOLATIONS.items() if key[0] == module and key not in ALLOWED}
    assert not found, "\n".join(f"{module} ({layer(module)}) imports {library} through {' -> '.join(chain)}: {rule}"
                                 for (_, library), chain in found.items())


def test_allowed_violations_still_exist():
    fixed = sorted(key for key in ALLOWED if key not in VIOLATIONS)
    assert not fixed, f"{fixed} no longer violate the layering: remove them from ALLOWED"


def test_the_scan_follows_internal_imports(tmp_path):
    """A core module importing a kexue_viz module that imports holoviews is caught, with its chain;
    a relative ``from . import`` and a package's ``__init__`` are followed."""
    package = tmp_path / PACKAGE
    (package / "series").mkdir(parents=True)
    files = {"__init__.py": "", "helpers.py": "def f():\n    import holoviews.core\n",
             "series/__init__.py": "", "series/core.py": "from .. import helpers\n",
             "series/maths.py": "import numpy\n", "series/other.py": "from . import maths\n",
             "series/views.py": "import holoviews\nfrom ..series import widgets\n",
             "series/widgets.py": "import panel as pn\n"}
    for name, text in files.items():
        (package / name).write_text(text)
    found = violations(module_files(package, PACKAGE))
    assert found[("kexue_viz.series.core", "holoviews")] == ["kexue_viz.series.core", "kexue_viz.helpers"]
    assert ("kexue_viz.series.views", "panel") in found
    assert not any(module in {"kexue_viz.series.maths", "kexue_viz.series.other"} for module, _ in found)
