"""Long-running work behind a button: off the server's event loop, with progress and a cancel.

A :class:`Task` is a button, a progress bar and a cancel button. Pressing the button runs
``work(progress)`` (``work(prepare(), progress)`` with a ``prepare``, called at the press on the
session's thread: a worker must not read widgets or parameters) in a worker thread (a process-wide pool, so a sweep never blocks the event
loop that answers every reader's sliders); ``progress(fraction)`` moves the bar and raises
:class:`Cancelled` once the reader pressed cancel; the result goes to ``done(result)`` on the
session's next tick, under its lock (see :func:`kexue_viz.ui.next_tick`). A ``ValueError`` or any
other failure goes to ``failed(error)``. Without a served document (a notebook, a test, the CLI)
the work runs at once in the caller's thread, so a test reads its effect when the press returns.

Results that other readers may want belong in the pipeline (:mod:`kexue_viz.pipeline`): run a
memoised function as the work, and a second reader's press finds it done.
"""
from __future__ import annotations

import logging
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Callable

import panel as pn
from bokeh.document import Document

log = logging.getLogger("kexue_viz")
WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kexue_viz-task")
PROGRESS_INTERVAL_S = 0.15  # at most one progress message per this many seconds


class Cancelled(Exception):
    """Raised by ``progress()`` inside a task's work once its reader pressed cancel."""


class Task:
    """A button running ``work(progress)`` off the event loop (see module docstring).

    ``label()`` gives the button's text (read again by :meth:`relabel`); ``cancel_label()`` the
    cancel button's. ``css_class`` names the button in the page (tests find it by that)."""

    def __init__(self, work: Callable[..., Any], done: Callable[[Any], None],
                 failed: Callable[[Exception], None], label: Callable[[], str], cancel_label: Callable[[], str],
                 css_class: str, schedule: Callable[[Callable[[], None], Document | None], None],
                 prepare: Callable[[], Any] | None = None):
        self.work, self.done, self.failed, self.prepare = work, done, failed, prepare
        self.label, self.cancel_label, self.schedule = label, cancel_label, schedule
        self.button = pn.widgets.Button(label=label(), color="primary", css_classes=[css_class],
                                        sizing_mode="stretch_width")
        self.bar = pn.indicators.Progress(value=0, max=1000, visible=False, sizing_mode="stretch_width",
                                          css_classes=[f"{css_class}-progress"], height=12)
        self.cancel = pn.widgets.Button(label=cancel_label(), visible=False, width=90,
                                        css_classes=[f"{css_class}-cancel"])
        self.layout = pn.Column(pn.Row(self.button, self.cancel, sizing_mode="stretch_width"), self.bar,
                                sizing_mode="stretch_width")
        self.button.on_click(lambda _: self.start())
        self.cancel.on_click(lambda _: self._cancelled.set())
        self._cancelled = threading.Event()
        self._running = False

    @property
    def running(self) -> bool:
        return self._running

    def relabel(self) -> None:
        self.button.label, self.cancel.label = self.label(), self.cancel_label()

    def start(self) -> None:
        """Run the work (ignored while it runs): in a worker thread for a served page, else now.
        With ``prepare``, its result (read now, on the session's thread: the settings the work
        is for) is the work's first argument: ``work(prepared, progress)``."""
        if self._running:
            return
        work = self.work
        if self.prepare is not None:
            try:
                prepared = self.prepare()
            except Exception as error:  # e.g. settings that cannot be computed: said in the page
                self.failed(error)
                return
            work = partial(self.work, prepared)
        document = pn.state.curdoc
        served = document is not None and document.session_context is not None
        self._running = True
        self._cancelled.clear()
        self._show_running(True)
        if not served:
            self._finish(*self._run(work, lambda fraction: None))
            return
        last = [0.0]

        def progress(fraction: float) -> None:
            if self._cancelled.is_set():
                raise Cancelled
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL_S:
                last[0] = now
                value = int(1000 * min(max(fraction, 0.0), 1.0))
                self.schedule(lambda: setattr(self.bar, "value", value), document)

        def run_then_finish() -> None:  # in a worker thread
            outcome = self._run(work, progress)
            self.schedule(lambda: self._finish(*outcome), document)

        WORKERS.submit(run_then_finish)

    @staticmethod
    def _run(work: Callable[[Callable[[float], None]], Any], progress: Callable[[float], None]) -> tuple[str, Any]:
        """``work(progress)`` as ``("done", result)``, ``("cancelled", None)`` or ``("failed", error)``."""
        try:
            return "done", work(progress)
        except Cancelled:
            return "cancelled", None
        except Exception as error:  # reported in the page, the server keeps running
            if not isinstance(error, ValueError):
                log.error("task failed:\n%s", traceback.format_exc())
            return "failed", error

    def _finish(self, outcome: str, value: Any) -> None:
        self._running = False
        self._show_running(False)
        if outcome == "done":
            self.done(value)
        elif outcome == "failed":
            self.failed(value)

    def _show_running(self, running: bool) -> None:
        self.button.disabled = running
        self.cancel.visible = running
        self.bar.visible = running
        self.bar.value = 0 if running else self.bar.value

