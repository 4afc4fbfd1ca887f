"""Execute every ``notebooks/*.ipynb`` top to bottom with nbclient (kernel ``python3``).

``KEXUE_VIZ_NOTEBOOKS_DIR`` overrides the notebook directory (default ``<repo>/notebooks``).
Each notebook runs with its own directory as the working directory and ``KEXUE_VIZ_DEVICE=cpu``;
a cell may take up to ``KEXUE_VIZ_NB_CELL_TIMEOUT`` seconds (default 600). A failing cell fails
the test with the cell's index, source and error. Executed copies are written to
``artifacts/notebooks/`` for inspection. Checkpoint copies are ignored.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = Path(os.environ.get("KEXUE_VIZ_NOTEBOOKS_DIR", REPO_ROOT / "notebooks")).resolve()
ARTIFACTS = Path(os.environ.get("KEXUE_VIZ_ARTIFACTS", REPO_ROOT / "artifacts")).resolve()
CELL_TIMEOUT = int(os.environ.get("KEXUE_VIZ_NB_CELL_TIMEOUT", "600"))

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

NOTEBOOKS = sorted(
    p for p in NOTEBOOK_DIR.glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)


@pytest.mark.notebook
@pytest.mark.timeout(0)  # per-cell timeouts below; a whole notebook may exceed pytest's 600 s
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(notebook: Path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    # the kernel inherits this process's environment
    monkeypatch.setenv("KEXUE_VIZ_DEVICE", "cpu")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        resources={"metadata": {"path": str(notebook.parent)}},
        allow_errors=False,
    )
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        error = exc
    finally:
        out_dir = ARTIFACTS / "notebooks"
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out_dir / notebook.name)

    if error is not None:
        failing = _failing_cell(nb)
        where = f"cell #{failing[0]} (0-based, markdown cells counted) " if failing else ""
        message = ANSI.sub("", str(error))  # IPython tracebacks carry colour codes
        pytest.fail(f"{notebook.name}: {where}failed with {type(error).__name__}:\n{message}",
                    pytrace=False)


def _failing_cell(nb):
    """The first code cell with an error output, as ``(index, cell)``, else the last executed."""
    last = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            return index, cell
        if cell.get("execution_count") is not None:
            last = (index, cell)
    return last
