"""Fixtures for the browser tests: a ``panel serve`` subprocess and headless Chromium.

Environment knobs:

* ``KEXUE_VIZ_APPS_DIR``  directory of dashboard scripts to serve (default ``<repo>/apps``);
  files whose name starts with ``_`` are helpers, neither served nor tested.
* ``KEXUE_VIZ_ARTIFACTS`` where screenshots and the server log go (default ``<repo>/artifacts``).
* ``KEXUE_VIZ_CHROMIUM``  Chromium executable (default ``/usr/bin/chromium``; Playwright's own
  browser download is never used).
* ``KEXUE_VIZ_SERVE_TIMEOUT`` seconds to wait for the server to answer (default 180).
* ``KEXUE_VIZ_INDEX``     passed to ``panel serve --index`` (a jinja2 ``.html`` template or the
  name of a served app). Default: when serving ``<repo>/apps``, the landing page that
  ``kexue-viz serve`` shows (``kexue_viz.cli.write_index``); otherwise Panel's built-in index,
  which fetches Google Fonts and the HoloViz CDN logo and therefore fails ``test_index``.

The browser tests never skip: a missing Chromium, a server that will not start or an empty
apps directory is a failure (``scripts/test.sh`` also fails if no browser test passed).
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
APPS_DIR = Path(os.environ.get("KEXUE_VIZ_APPS_DIR", REPO_ROOT / "apps")).resolve()
ARTIFACTS = Path(os.environ.get("KEXUE_VIZ_ARTIFACTS", REPO_ROOT / "artifacts")).resolve()
CHROMIUM = os.environ.get("KEXUE_VIZ_CHROMIUM", "/usr/bin/chromium")
SERVE_TIMEOUT = float(os.environ.get("KEXUE_VIZ_SERVE_TIMEOUT", "180"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SWALLOWED_ERROR = re.compile(r"^(Uncaught )?([A-Z]\w*)?Error: ")
SERVER_ERROR = re.compile(r"Traceback|\bERROR\b|Error:|Exception|RuntimeError")  # a server log line that is a failure
ERROR_NAME = re.compile(r"\b\w*(?:Error|Exception|ERROR)\b")
CLOSED_SOCKET = {"WebSocketClosedError", "StreamClosedError"}


def only_closed_socket(record: str) -> bool:
    """Whether every error a log record names is a closed socket's (see :meth:`PanelServer.errors_since`)."""
    names = set(ERROR_NAME.findall(record))
    return bool(names) and names <= CLOSED_SOCKET


LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def index_arg(directory: Path) -> str | None:
    """The ``--index`` for ``panel serve``: env ``KEXUE_VIZ_INDEX``, else the CLI's landing page."""
    explicit = os.environ.get("KEXUE_VIZ_INDEX", "").strip()
    if explicit:
        return explicit
    if APPS_DIR != (REPO_ROOT / "apps").resolve():
        return None
    try:
        from kexue_viz.cli import write_index
    except ImportError:
        return None
    return str(write_index(directory))  # same page `kexue-viz serve` serves


def app_files() -> list[Path]:
    """The dashboard scripts under test: ``<apps dir>/*.py`` minus ``_*.py`` helpers and the
    directory app's ``main.py`` (``kexue_viz.cli.dashboard_scripts``; see test_serve_directory)."""
    from kexue_viz.cli import dashboard_scripts

    return dashboard_scripts(APPS_DIR) if APPS_DIR.is_dir() else []


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PanelServer:
    port: int
    proc: subprocess.Popen
    log_path: Path
    apps: list[str] = field(default_factory=list)
    session_expiry_s: float = 32.0  # at most this long after its page closes a session is destroyed

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 6000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:  # pragma: no cover
            return f"<cannot read {self.log_path}: {exc}>"
        return text[-chars:]

    def log_offset(self) -> int:
        """The log's current length in bytes: pass it to :meth:`errors_since`."""
        return self.log_path.stat().st_size

    def errors_since(self, offset: int) -> str:
        """The records of the server log written after ``offset`` that report an error or a
        traceback (``""`` when none), less tornado's notes that a message could not be written to
        a page that had just closed (``WebSocketClosedError``: Panel leaves that future unawaited)."""
        with open(self.log_path, "rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
        records = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", text)
        return "\n".join(record for record in records
                         if SERVER_ERROR.search(record) and not only_closed_socket(record))

    def rss_mib(self) -> float:
        """The server process's resident memory (``VmRSS``) in MiB."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


_SERVER: PanelServer | None = None  # for the failure-report hook below


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # own process group: see start_new_session
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


@contextmanager
def serve_apps(log_name: str, check_sessions_ms: int | None = None, directory: bool = False,
               session_lifetime_ms: int | None = None):
    """Serve every app with ``panel serve`` on a free port, the log in ``ARTIFACTS/<log_name>``;
    yield a :class:`PanelServer` once it answers, stop it afterwards. ``directory``: serve the apps
    directory itself, as one app (``panel serve apps/``, no ``--index``). ``check_sessions_ms``: how
    often the server destroys the sessions unused for 15 s (Bokeh's default: every 17 s). The 15 s
    stay: a session a page request made is destroyed as well if the page's websocket has not
    connected by then, and on a busy 2-core machine that took 13 s; the socket then gets a new
    session whose models the page does not know ("reference … isn't known").
    ``session_lifetime_ms``: how long a session may stay unused (Bokeh's default 15 s)."""
    apps = app_files()
    if not apps:
        pytest.fail(f"no dashboard scripts found in {APPS_DIR} (set KEXUE_VIZ_APPS_DIR?)")
    port = _free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / log_name
    env = dict(os.environ, KEXUE_VIZ_DEVICE="cpu", PYTHONUNBUFFERED="1")
    cmd = [
        sys.executable, "-m", "panel", "serve", *map(str, [APPS_DIR] if directory else apps),
        "--port", str(port),
        "--address", "127.0.0.1",
        "--allow-websocket-origin", f"127.0.0.1:{port}",
        "--num-procs", "1",
    ]
    if check_sessions_ms is not None:
        cmd += ["--check-unused-sessions", str(check_sessions_ms)]
    if session_lifetime_ms is not None:
        cmd += ["--unused-session-lifetime", str(session_lifetime_ms)]
    index_dir = ARTIFACTS / "index"
    index_dir.mkdir(exist_ok=True)
    try:
        index = index_arg(index_dir)
    except Exception as exc:  # the CLI's landing page could not be built
        pytest.fail(f"building the index page (kexue_viz.cli.write_index) failed: "
                    f"{type(exc).__name__}: {exc}")
    if index and not directory:
        cmd += ["--index", index]
    log = open(log_path, "w")
    log.write("$ " + " ".join(cmd) + "\n")
    log.flush()
    proc = subprocess.Popen(
        cmd, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )
    served = [APPS_DIR.name] if directory else [p.stem for p in apps]
    server = PanelServer(port=port, proc=proc, log_path=log_path, apps=served)
    if check_sessions_ms is not None:
        server.session_expiry_s = (session_lifetime_ms or 15_000) / 1000 + check_sessions_ms / 1000 + 0.5
    try:
        deadline = time.monotonic() + SERVE_TIMEOUT
        last_err: object = None
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"panel serve exited with code {proc.returncode} before answering\n"
                    f"--- server log ---\n{server.log_tail()}"
                )
            try:
                with urllib.request.urlopen(server.url + "/", timeout=10):
                    break
            except urllib.error.HTTPError:
                break  # any HTTP answer (even 404/500) means it is serving; tests judge pages
            except (urllib.error.URLError, OSError) as exc:
                last_err = exc
            if time.monotonic() > deadline:
                pytest.fail(
                    f"panel serve did not answer on {server.url} within {SERVE_TIMEOUT:.0f} s "
                    f"(last error: {last_err})\n--- server log ---\n{server.log_tail()}"
                )
            time.sleep(0.5)
        yield server
    finally:
        _stop(proc)
        log.close()


@pytest.fixture(scope="session")
def panel_server():
    """Serve every app with ``panel serve`` on a free port; yield a :class:`PanelServer`."""
    global _SERVER
    with serve_apps("panel-serve.log") as server:
        _SERVER = server
        try:
            yield server
        finally:
            _SERVER = None


@pytest.fixture(scope="session")
def expiring_server():
    """Like :func:`panel_server`, but the server destroys a session within ``server.session_expiry_s``
    (16.5 s) after its page closes: for tests of what a closed session leaves behind
    (``test_sessions``, ``test_soak``)."""
    with serve_apps("panel-serve-expiring.log", check_sessions_ms=1000) as server:
        yield server


@pytest.fixture(scope="session")
def forgetful_server():
    """A server that discards a session unused for half a second: a page's own session is gone
    before its websocket connects, which then gets a session made for it (as on a loaded server
    after 15 s; ``test_remade_session``)."""
    with serve_apps("panel-serve-forgetful.log", check_sessions_ms=250, session_lifetime_ms=500) as server:
        yield server


@pytest.fixture(scope="session")
def directory_server():
    """``panel serve apps/``: the apps directory as one app, ``/apps`` (``test_serve_directory``)."""
    with serve_apps("panel-serve-directory.log", directory=True) as server:
        yield server


@pytest.fixture(scope="session")
def chromium():
    """A headless system Chromium driven by Playwright's sync API."""
    from playwright.sync_api import sync_playwright

    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run scripts/setup.sh as root "
            "(apt-get install chromium) or set KEXUE_VIZ_CHROMIUM"
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=120_000
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageRecorder:
    """What a page did that the tests forbid: off-host traffic, console errors, page errors."""

    offhost: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    last_frame: float = 0.0  # time.monotonic() of the last websocket frame sent or received

    def problems(self) -> str:
        """A readable summary ("" when clean): each distinct entry once, with a count."""
        parts = []
        for title, entries in (
            ("off-host requests", self.offhost),
            ("console errors", self.console_errors),
            ("page errors", self.page_errors),
        ):
            if entries:
                counts: dict[str, int] = {}
                for e in entries:
                    lines = e.strip().splitlines() or [""]
                    short = "\n      ".join(lines[:8]) + ("\n      ..." if len(lines) > 8 else "")
                    counts[short] = counts.get(short, 0) + 1
                body = "\n  ".join(f"{e}" + (f"  (x{n})" if n > 1 else "") for e, n in counts.items())
                parts.append(f"{title}:\n  {body}")
        return "\n".join(parts)


def is_offhost(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome", "chrome-extension", "devtools"):
        return False
    return (parts.hostname or "") not in LOCAL_HOSTS


@contextmanager
def recorded_page(chromium):
    """A page in a browser context of its own (its own cookies: its own server session) whose
    ``.recorder`` collects off-host requests and JS errors; ``page.settle()``: see :func:`settle`.

    Off-host requests are recorded *and aborted* (the CI machine has no internet, so letting
    them through would only turn into slow time-outs)."""
    context = chromium.new_context(
        viewport={"width": 1400, "height": 1000}, accept_downloads=True
    )
    context.set_default_timeout(60_000)
    page = context.new_page()
    rec = PageRecorder()

    def on_request(request):
        if is_offhost(request.url):
            rec.offhost.append(f"{request.method} {request.url}")

    def on_websocket(ws):
        if is_offhost(ws.url):
            rec.offhost.append(f"WEBSOCKET {ws.url}")
        for event in ("framesent", "framereceived"):
            ws.on(event, lambda _: setattr(rec, "last_frame", time.monotonic()))

    def on_console(msg):
        # BokehJS catches exceptions raised in JS callbacks and console.log()s them as
        # "Error: ...": count those as errors too, whatever the message type.
        if msg.type == "error" or SWALLOWED_ERROR.match(msg.text or ""):
            loc = msg.location or {}
            where = f" ({loc.get('url')}:{loc.get('lineNumber')})" if loc.get("url") else ""
            rec.console_errors.append(msg.text + where)

    page.on("request", on_request)
    page.on("websocket", on_websocket)
    page.on("console", on_console)
    page.on("pageerror", lambda err: rec.page_errors.append(err.stack or str(err)))
    context.route(lambda url: is_offhost(url), lambda route: route.abort())
    page.recorder = rec
    page.settle = lambda **options: settle(page, **options)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(chromium):
    """A fresh page (see :func:`recorded_page`)."""
    with recorded_page(chromium) as page:
        yield page


@pytest.fixture
def reader(chromium):
    """``with reader() as page:`` a fresh page of a reader of its own (see :func:`recorded_page`),
    for tests of several readers at once."""
    return lambda: recorded_page(chromium)


def settle(page, quiet_s: float = 1.5, timeout_s: float = 120.0) -> None:
    """Wait until ``page``'s websocket has been quiet for ``quiet_s`` (nothing sent or received):
    close or leave a page only then. A message still on its way when the socket closes reaches a
    session Bokeh has already let go, and the server logs an ``AssertionError`` for it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() - page.recorder.last_frame < quiet_s:
        if time.monotonic() > deadline:
            pytest.fail(f"the page's websocket was still busy after {timeout_s:.0f} s", pytrace=False)
        page.wait_for_timeout(250)  # (lets Playwright deliver the frame events)


def pytest_generate_tests(metafunc):
    """Parametrize every test that takes ``app`` over the dashboard scripts (id = stem)."""
    if "app" in metafunc.fixturenames:
        apps = app_files()
        metafunc.parametrize("app", apps, ids=[p.stem for p in apps])


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the tail of the ``panel serve`` log to every failing browser test."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and _SERVER is not None and "panel_server" in getattr(item, "fixturenames", ()):
        report.sections.append(("panel serve log (tail)", _SERVER.log_tail()))
