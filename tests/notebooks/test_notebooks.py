"""What a committed ``notebooks/*.ipynb`` must be, read from the file (no kernel).

The notebooks are *executed* by tests/browser/test_jupyterlab.py: JupyterLab in headless Chromium,
Run All, every cell must run (the notebooks assert the numbers they reproduce), every plot must be
drawn and nothing may be fetched from another host. That test replaced the nbclient run that used
to live here, which executed the notebooks without rendering them (and so never saw that no plot
showed offline); running each notebook twice would cost the suite minutes.

``KEXUE_VIZ_NOTEBOOKS_DIR`` overrides the notebook directory (default ``<repo>/notebooks``).
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = Path(os.environ.get("KEXUE_VIZ_NOTEBOOKS_DIR", REPO_ROOT / "notebooks")).resolve()
NOTEBOOKS = sorted(p for p in NOTEBOOK_DIR.glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
# set-ups that load BokehJS and Panel's JS from CDNs in a notebook (kexue_viz.ui.init_extension
# loads them from the installed packages)
CDN_SETUP = re.compile(r"\b(pn|panel|hv|holoviews)\.extension\(|\boutput_notebook\(")


def code_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOK_DIR}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_without_outputs(notebook: Path):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    dirty = [index for index, cell in enumerate(cells)
             if cell["cell_type"] == "code" and (cell["outputs"] or cell["execution_count"] is not None)]
    assert not dirty, (f"{notebook.name}: cells {dirty} carry outputs; clear them with "
                       f"jupyter nbconvert --clear-output --inplace {notebook.name}")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_sets_up_plots_through_the_frame(notebook: Path):
    """The first code cell calls ``init_extension()`` (JS and CSS from the installed packages, so
    plots show offline); no cell calls ``pn.extension``/``hv.extension``/``output_notebook``."""
    cells = code_cells(notebook)
    assert "init_extension()" in cells[0], f"{notebook.name}: the first code cell does not call init_extension()"
    calls = [f"code cell {index}: {match.group(0)}" for index, source in enumerate(cells)
             for match in CDN_SETUP.finditer(source)]
    assert not calls, f"{notebook.name} loads plotting JS from CDNs: " + "; ".join(calls)
