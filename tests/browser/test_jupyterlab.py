"""Every notebook as a reader runs it: JupyterLab in headless Chromium, Run → Run All Cells.

This is the suite's notebook execution test (it replaced the nbclient run, which executed the
notebooks without ever rendering them: see tests/notebooks/test_notebooks.py). For each
``notebooks/*.ipynb`` (``KEXUE_VIZ_NOTEBOOKS_DIR`` overrides the folder) the test

* opens a copy in JupyterLab (one ``jupyter lab`` for the module, started from this Python's
  environment, root = a temporary folder holding the copies), runs all cells from the Run menu and
  waits for the kernel to finish, then File → Save Notebook: a cell that raised (the notebooks
  assert what they reproduce), or a cell left unexecuted, fails the test with its index, source and
  error, as the nbclient test did;
* checks that every cell whose output holds a Bokeh figure (a HoloViews or Panel plot, read from
  the saved outputs) shows a drawn ``canvas`` once scrolled into view;
* on a dashboard shown in a cell, presses the other language's button: the header must change
  (the cell's widgets talk to the kernel through pyviz_comms: the dashboard is live, not a
  picture; the kernel's re-rendered parts must load nothing off-host either);
* fails on any request to a host other than the local JupyterLab (blocked, as in ``page``) or a
  JS error.

The kernel runs with ``KEXUE_VIZ_DEVICE=cpu`` and the notebook's folder as working directory.
Executed copies go to ``artifacts/notebooks/`` and a screenshot of each notebook's end to
``artifacts/screenshots/notebook-<name>.png``.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.notebook]

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = Path(os.environ.get("KEXUE_VIZ_NOTEBOOKS_DIR", REPO_ROOT / "notebooks")).resolve()
ARTIFACTS = Path(os.environ.get("KEXUE_VIZ_ARTIFACTS", REPO_ROOT / "artifacts")).resolve()
NOTEBOOKS = sorted(p for p in NOTEBOOK_DIR.glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)

START_TIMEOUT_S = 120.0  # jupyter lab answering, then the page and its kernel ready
RUN_TIMEOUT_S = 600.0   # one notebook's Run All (the slowest takes under a minute on 2 cores)
SAVE_TIMEOUT_S = 60.0    # File → Save Notebook written to disk (outputs hold a few MB of inline JS)
DRAW_TIMEOUT_S = 10.0    # a plot cell's canvas drawn once scrolled into view
LIVE_TIMEOUT_S = 30.0    # a dashboard's header redrawn after a language switch (kernel round trip)
FIGURE = re.compile(r'"name":"(Figure|GridPlot)"')  # a Bokeh plot in an output's docs_json
DASHBOARD = '"css_classes":["kv-sidebar"]'            # the frame's sidebar: a dashboard in a cell
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
HAN = re.compile(r"[\u3400-\u9fff]")

# Waits with a page open go through page.wait_for_timeout, never time.sleep: the ``page`` fixture
# routes every request through a Python predicate (off-host blocking), which Playwright's sync API
# runs only while Python is inside a Playwright call, so a sleeping test stalls the page's requests.

# ---- JavaScript run in the page --------------------------------------------------------------------
# Bokeh and Panel render into shadow roots: querySelectorAll does not see their canvases.
DRAWN_CANVASES_JS = """cell => {
  const found = [];
  const walk = root => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'CANVAS') found.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(cell);
  return found.filter(c => {
    if (c.width < 50 || c.height < 50) return false;  // Bokeh's small helper canvases
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < data.length; i += 4 * 7) if (data[i] !== 0) return true;
    return false;
  }).length;
}"""
SHADOW_TEXT_JS = """(cell, selector) => {
  const texts = [];
  const text = el => (el.shadowRoot ? [...el.shadowRoot.children].map(text).join(' ') : '') + ' ' + el.textContent;
  const walk = root => {
    for (const el of root.querySelectorAll('*')) {
      if (el.matches(selector)) texts.push(text(el));
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(cell);
  return texts.join(' ').trim();
}"""
KERNEL_READY_JS = """() => {
  const name = document.querySelector('.jp-NotebookPanel-toolbar .jp-Toolbar-kernelName');
  const status = document.querySelector('.jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator');
  return !!name && !/No Kernel/.test(name.textContent) && !!status && status.dataset.status === 'idle';
}"""
RUN_STATE_JS = """() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
  return {
    busy: prompts.some(p => p.textContent.includes('*')),
    executed: prompts.filter(p => /\\d/.test(p.textContent)).length,
    kernel: (document.querySelector('.jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator') || {}).dataset?.status || '',
  };
}"""


# ---- JupyterLab server -------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """``jupyter lab`` serving copies of the notebooks; yields ``(base_url, root folder)``."""
    if not NOTEBOOKS:
        pytest.fail(f"no notebooks found in {NOTEBOOK_DIR} (set KEXUE_VIZ_NOTEBOOKS_DIR?)")
    root = tmp_path_factory.mktemp("jupyterlab")
    state = tmp_path_factory.mktemp("jupyterlab-state")  # settings and workspaces: not the user's
    for notebook in NOTEBOOKS:
        shutil.copy(notebook, root / notebook.name)
    # no autosave: one landing while the test saves makes JupyterLab ask "File Changed" in a dialog
    docmanager = state / "settings" / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True)
    (docmanager / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    port = _free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / "jupyterlab.log"
    command = [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser",
               f"--port={port}", "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=",
               f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={state / 'settings'}",
               f"--LabApp.workspaces_dir={state / 'workspaces'}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    env = dict(os.environ, KEXUE_VIZ_DEVICE="cpu", MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_answering(process, f"{base_url}/api/status", log_path)
            yield base_url, root
        finally:
            _stop(process)


def _wait_answering(process: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"jupyter lab exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer within {START_TIMEOUT_S:.0f} s:\n{log_path.read_text()[-4000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # its own process group (start_new_session): kernels too
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


# ---- the test -----------------------------------------------------------------------------------------
@pytest.mark.timeout(0)  # bounded by RUN_TIMEOUT_S and the other waits below
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_draws_in_jupyterlab(jupyterlab, page, notebook: Path):
    base_url, root = jupyterlab
    copy = root / notebook.name
    page.goto(f"{base_url}/lab/workspaces/{notebook.stem}/tree/{notebook.name}?reset", wait_until="load")
    _wait_kernel_ready(page)
    _run_all(page)
    executed = _save_and_read(page, copy)
    _check_ran(page, notebook, executed)
    cells = page.locator(".jp-Notebook .jp-Cell")
    assert cells.count() == len(executed["cells"]), "JupyterLab shows a different number of cells"
    plots = [i for i, cell in enumerate(executed["cells"]) if FIGURE.search(_html(cell))]
    assert plots, f"{notebook.name} draws no plot: nothing to check"
    undrawn = [i for i in plots if not _drawn(cells.nth(i))]
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screenshots" / f"notebook-{notebook.stem}.png"))
    if undrawn:
        _fail(page, f"{notebook.name}: {len(undrawn)} of {len(plots)} plot cells show no drawn canvas "
                    f"(cells {undrawn}, 0-based, markdown counted)")
    for index, cell in enumerate(executed["cells"]):
        if DASHBOARD in _html(cell):
            _check_live(page, cells.nth(index), index)
    if page.recorder.problems():
        _fail(page, f"{notebook.name}:")


def _wait_kernel_ready(page) -> None:
    """Wait until the notebook has its kernel, connected and idle (Run All before that asks the
    reader to select a kernel)."""
    page.locator(".jp-NotebookPanel:visible .jp-Notebook").wait_for(timeout=START_TIMEOUT_S * 1000)
    page.wait_for_function(KERNEL_READY_JS, timeout=START_TIMEOUT_S * 1000, polling=500)


def _run_all(page) -> None:
    """Run → Run All Cells, then wait until no cell is queued or running and the kernel is idle."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
    deadline = time.monotonic() + RUN_TIMEOUT_S
    quiet = 0
    while time.monotonic() < deadline:
        state = page.evaluate(RUN_STATE_JS)
        quiet = quiet + 1 if not state["busy"] and state["executed"] and state["kernel"] == "idle" else 0
        if quiet >= 3:
            return
        page.wait_for_timeout(1000)
    _fail(page, f"Run All did not finish within {RUN_TIMEOUT_S:.0f} s (last state {state})")


def _save_and_read(page, path: Path) -> dict:
    """File → Save Notebook; return the saved file as JSON once it is complete."""
    before = path.stat().st_mtime_ns
    page.get_by_role("menuitem", name="File", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Save Notebook(?! As)")).click()
    deadline = time.monotonic() + SAVE_TIMEOUT_S
    while time.monotonic() < deadline:
        page.wait_for_timeout(250)
        if path.stat().st_mtime_ns == before or page.locator(".lm-TabBar-tab.jp-mod-dirty").count():
            continue
        try:
            executed = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:  # still being written
            continue
        out = ARTIFACTS / "notebooks"
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, out / path.name)
        return executed
    _fail(page, f"{path.name} was not saved within {SAVE_TIMEOUT_S:.0f} s")


def _check_ran(page, notebook: Path, executed: dict) -> None:
    """Fail with the first cell that raised, or that Run All never reached."""
    for index, cell in enumerate(executed["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            trace = ANSI.sub("", "\n".join(errors[0].get("traceback", [])))
            _fail(page, f"{notebook.name}: cell #{index} (0-based, markdown counted) raised:\n{source}\n{trace}")
        if cell.get("execution_count") is None and source.strip():
            _fail(page, f"{notebook.name}: cell #{index} was not executed:\n{source}")


def _html(cell: dict) -> str:
    return "".join("".join(o.get("data", {}).get("text/html", "")) for o in cell.get("outputs", []))


def _drawn(cell) -> bool:
    """Whether ``cell`` shows a drawn Bokeh canvas within DRAW_TIMEOUT_S of being scrolled to."""
    cell.scroll_into_view_if_needed()
    deadline = time.monotonic() + DRAW_TIMEOUT_S
    while time.monotonic() < deadline:
        if cell.evaluate(DRAWN_CANVASES_JS):
            return True
        cell.page.wait_for_timeout(500)
    return False


def _check_live(page, cell, index: int) -> None:
    """Press the dashboard's button of the language it does not show: its header must change."""
    before = cell.evaluate(SHADOW_TEXT_JS, ".kv-header")
    other = "English" if HAN.search(before) else "中文"
    cell.get_by_role("button", name=other, exact=True).first.click()
    deadline = time.monotonic() + LIVE_TIMEOUT_S
    while time.monotonic() < deadline:
        after = cell.evaluate(SHADOW_TEXT_JS, ".kv-header")
        if after and after != before:
            return
        page.wait_for_timeout(500)
    _fail(page, f"the dashboard in cell #{index} did not switch to {other} within {LIVE_TIMEOUT_S:.0f} s "
                f"(header {before!r}): its widgets do not reach the kernel")


def _fail(page, what: str) -> None:
    extra = page.recorder.problems()
    pytest.fail(what + (f"\n{extra}" if extra else ""), pytrace=False)
