"""The frame every dashboard uses.

A dashboard is a :class:`Dashboard` subclass: bounded ``param`` parameters (the bounds are the
validation), a :class:`~kexue_viz.i18n.TextTable` of labels, a ``controls`` list naming the
sidebar widgets, ``build_views()`` returning the main area and ``figure()`` returning the
HoloViews object that the export button and ``kexue-viz export`` write.

The frame adds: a title with links to the posts; the sidebar; a language switch; an export
button (PNG/SVG of the current figure, parameters in the file's metadata); two-way sync of the
parameters with the URL query (a copied link reopens the same view); an error area where bad
input is explained while the server keeps running and the last good view stays; and a busy
indicator. It uses no Panel template and no external resource: pages ask only their own server.
"""
from __future__ import annotations

import io
import logging
import os
import time
import traceback
from collections import OrderedDict
from functools import partial, wraps
from typing import Any, Callable

import holoviews as hv
import panel as pn
import param
from bokeh.document import Document
from bokeh.events import Tap
from panel.io.state import set_curdoc

from .export import figure_bytes
from .i18n import FRAME_TEXT, LANGUAGES, TextTable
from .live import LivePlot
from . import notebook, plot, style
from .style import load_backends

log = logging.getLogger("kexue_viz")
EVENT_DELAY_MS = 5

# Panel 1.9's Player gives its range input the value before the bounds, and the input clamps it to
# its default maximum, 100: a later frame is drawn at 100 (the player showed the middle while the
# cursor was at the end). A player's frames therefore stay within 0..100.
PLAYER_MAX_FRAME = 100
# the player's direction changed in the browser (JS, runs there): ▶ on the last frame restarts
# from the first and ◀ on the first from the last, instead of stopping at once
REPLAY_AT_THE_END = """
if (cb_obj.direction === 1 && cb_obj.value >= cb_obj.end) { cb_obj.value = cb_obj.start }
else if (cb_obj.direction === -1 && cb_obj.value <= cb_obj.start) { cb_obj.value = cb_obj.end }
"""

FRAME_CSS = """
:host, body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "WenQuanYi Micro Hei", sans-serif; }
.kv-sidebar { background: #f6f7f9; border-right: 1px solid #e1e4e8; padding: 4px 10px 16px 10px; }
.kv-header { border-bottom: 1px solid #e1e4e8; margin-bottom: 6px; }
"""


def init_extension() -> None:
    """Load Panel/HoloViews for a served page or a notebook, with the frame's stylesheet. In a
    notebook every script and stylesheet comes from the local installation (see
    :mod:`kexue_viz.notebook`); a served page gets them from its own server."""
    load_backends()
    if notebook.in_kernel():
        notebook.inline_resources()
    pn.extension(raw_css=[FRAME_CSS], notifications=False, loading_indicator=False)
    hv.Store.set_current_backend("bokeh")


def parse_setting(parameter: param.Parameter, raw: Any) -> Any:
    """Turn a URL/CLI string into a value of the parameter's type; anything unparseable is
    returned as given so that ``param``'s own validation produces the message."""
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    try:
        if isinstance(parameter, param.Boolean):
            return {"true": True, "1": True, "false": False, "0": False}.get(text.lower(), raw)
        if isinstance(parameter, param.Selector):
            return next((option for option in parameter.objects if str(option) == text), raw)
        if isinstance(parameter, param.Integer):
            return int(text)
        if isinstance(parameter, param.Number):
            return float(text)
    except ValueError:
        return raw
    return raw


class LruDict(OrderedDict):
    """A small least-recently-used cache (one per session: results depend on its settings)."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def fetch(self, key, compute):
        """The value for ``key``, computing and storing it on a miss."""
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = compute()
        if len(self) > self.size:
            self.popitem(last=False)
        return value


def busy_style(busy: bool) -> dict[str, str]:
    """Inline style of the busy indicator: shown (after 0.2 s, so quick updates do not flash it)
    while the server works, else transparent. It stays in the layout either way: toggling its
    ``visible`` (or its CSS classes) made BokehJS lay out and repaint every plot of the page, twice
    per server update (0.7–1.8 s each in headless Chromium on 2 cores, 10 plots), which starved
    the page while a player ran; a style change repaints nothing else."""
    if busy:
        return {"opacity": "1", "transition": "opacity 0s linear 0.2s"}
    return {"opacity": "0", "transition": "none"}


# ---- sessions: what runs where -------------------------------------------------------------------
# Many readers share one server process. A served document's models may change only while its
# session's lock is held: inside the document's own callbacks (Panel's widget changes) or on its
# next tick (:func:`next_tick`). Panel runs a button click that arrives while another change of
# the same page is pending (type, then click) as a plain asyncio task without the lock; Panel's
# own panes cope (they hold the document and write to the socket themselves), direct Bokeh model
# changes (a :class:`~kexue_viz.live.LivePlot`'s in-place update) raise there. And no exception
# may escape a callback that Bokeh invokes: Bokeh's ``patch_curdoc`` has no ``finally``, so the
# session's document would stay ``bokeh.io.curdoc()`` for the whole process (every later
# HoloViews render in every session then attaches to it, and fails once it is destroyed).


def served_document() -> Document | None:
    """The document of the session being served in this context, ``None`` outside a server
    (notebook, tests, CLI)."""
    document = pn.state.curdoc
    return document if document is not None and document.session_context is not None else None


def logged(callback: Callable[..., Any]) -> Callable[..., None]:
    """``callback`` with its exceptions logged (with the traceback) instead of raised, for
    callbacks that Bokeh invokes (next ticks, model events and changes): see the note above."""
    @wraps(callback)
    def run(*args, **kwargs):
        try:
            callback(*args, **kwargs)
        except Exception:
            log.error("callback %s failed:\n%s", getattr(callback, "__qualname__", callback), traceback.format_exc())

    return run


def next_tick(callback: Callable[[], Any], document: Document | None = None) -> None:
    """Run ``callback`` on the next tick of the served ``document`` (default: this session's),
    holding its session's lock and with Panel's session context set, after the changes pending
    now have gone to the browser; exceptions are logged (:func:`logged`). Without a served
    document (notebook, tests, CLI) it runs at once. Safe to call from another thread when
    ``document`` is given (Bokeh's ``add_next_tick_callback`` is its thread-safe entry)."""
    document = document if document is not None else pn.state.curdoc
    if document is None or document.session_context is None:
        callback()
        return
    document.add_next_tick_callback(partial(_run_in_session, document, logged(callback)))


def _run_in_session(document: Document, callback: Callable[[], None]) -> None:
    """Run ``callback`` as Panel runs a session's own callbacks: its context set, and the document's
    changes held and sent together in order at the end (Panel sends its panes' changes at once,
    Bokeh its models' after the callback: a message of one could name a model that the other's,
    not yet sent, defines; the browser then fails with "reference … isn't known")."""
    with set_curdoc(document), pn.io.hold(document):
        callback()


def on_tap(pane: pn.pane.Bokeh, handler: Callable[[float | None, float | None], None]) -> None:
    """Call ``handler(x, y)`` (data coordinates; ``None`` off the data) for every tap on the figure
    ``pane`` shows, including each new figure a re-render of a live plot brings (exceptions are
    logged, see :func:`logged`)."""
    handler = logged(handler)

    def hook(figure):
        if figure is not None:
            figure.on_event(Tap, lambda event: handler(event.x, event.y))

    hook(pane.object)
    pane.param.watch(lambda event: hook(event.new), "object")


class Dashboard(pn.viewable.Viewer):
    """Base class of every dashboard (see module docstring)."""

    lang = param.Selector(default="zh", objects=list(LANGUAGES), doc="interface and figure language")
    export_format = param.Selector(default="png", objects=["png", "svg"], doc="export button format")

    slug: str = ""
    text: TextTable = FRAME_TEXT
    # a parameter the reader scrubs (drags, plays) -> its "settled" twin: light views follow the
    # parameter live, dear ones follow the twin, which takes the value once the control rests
    SCRUBBED: dict[str, str] = {}
    posts: tuple[tuple[str, str], ...] = ()
    controls: tuple[str, ...] = ()
    widget_options: dict[str, dict] = {}
    probe: str = ""
    frame_parameters = ("export_format",)

    def __init__(self, **params):
        super().__init__(**params)
        self._table = FRAME_TEXT.merged(self.text)
        self._last_good: dict[str, Any] = {}
        self._problems: dict[str, str] = {}
        self._error = pn.pane.Alert("", alert_type="danger", visible=False, css_classes=["kv-error"],
                                    sizing_mode="stretch_width")
        self._widgets: dict[str, pn.widgets.Widget] = {}
        self._layout = None
        self._views = LruDict(64)
        self._scrubbing = False
        for live, settled in self.SCRUBBED.items():
            setattr(self, settled, getattr(self, live))
            self.param.watch(self._settle_unless_scrubbing, live)

    # ---- text -----------------------------------------------------------------------------
    def t(self, key: str, **values) -> str:
        """The text ``key`` in the current language."""
        return self._table.get(key, self.lang, **values)

    def option_label(self, name: str, value: Any) -> str:
        key = f"{name}.{value}"
        return self.t(key) if key in self._table else str(value)

    # ---- parameters -----------------------------------------------------------------------
    def url_parameters(self) -> list[str]:
        """Every parameter a link should carry: all but ``name`` and frame-only ones."""
        return [p for p in self.param
                if p != "name" and p not in self.frame_parameters and self.param[p].precedence != -1]

    def settings(self) -> dict[str, Any]:
        """Current values of :meth:`url_parameters` (goes into exported files' metadata)."""
        return {p: getattr(self, p) for p in self.url_parameters()}

    def apply_settings(self, raw: dict[str, Any]) -> list[str]:
        """Set parameters from strings or values one at a time; return one message per
        rejected value (unknown name, wrong type, out of bounds). Valid ones are applied."""
        problems = []
        for name, value in raw.items():
            if name not in self.url_parameters():
                problems.append(self.t("bad_value", name=name, value=value, reason="unknown parameter"))
                continue
            try:
                setattr(self, name, parse_setting(self.param[name], value))
            except Exception as error:  # param raises ValueError/TypeError with the bound
                problems.append(self.t("bad_value", name=name, value=value, reason=_short(error)))
        return problems

    # ---- errors ---------------------------------------------------------------------------
    def report(self, message: str, source: str = "input") -> None:
        """Show ``message`` in the page's error area, filed under ``source`` (a view's key,
        ``"url"``, ``"upload"``...); it stays until that source is cleared."""
        self._problems[source] = message
        self._show_problems()

    def clear_error(self, source: str = "input") -> None:
        """Withdraw the message of ``source`` (e.g. a view that computed fine again)."""
        if self._problems.pop(source, None) is not None:
            self._show_problems()

    def _show_problems(self) -> None:
        self._error.object = "\n\n".join(dict.fromkeys(self._problems.values()))  # each message once
        self._error.visible = bool(self._problems)

    def guard(self, key: str, compute: Callable[..., Any], fallback: Callable[[], Any]) -> Callable[..., Any]:
        """Wrap a view function: on an exception, show a message, log the traceback and return
        the last good result for ``key`` (or ``fallback()``), so the page keeps working."""

        def guarded(*args, **kwargs):
            try:
                with style.only("bokeh"):
                    result = compute(*args, **kwargs)
            except ValueError as error:
                self.report(self.t("failed", reason=_short(error)), source=key)
            except Exception as error:  # any other failure: keep serving, tell the reader
                log.error("view %s failed:\n%s", key, traceback.format_exc())
                self.report(self.t("failed", reason=f"{type(error).__name__}: {_short(error)}"), source=key)
            else:
                self._last_good[key] = result
                self.clear_error(key)
                return result
            return self._last_good.get(key) or fallback()

        return guarded

    # ---- subclass hooks -------------------------------------------------------------------
    def build_views(self):
        """The main area (Panel layout), built once; plots come from :meth:`live` and refresh
        themselves. Mark the primary plot with CSS class ``kv-main-plot``."""
        raise NotImplementedError

    def figure(self):
        """The HoloViews object the export writes, for the current parameters and language."""
        raise NotImplementedError

    def cached_view(self, name: str, key: tuple, build: Callable[[], Any]):
        """A view built once per ``key`` (plus language, styling backends and whether it is
        deferred, see :mod:`kexue_viz.plot`: a live plot's spec never reaches an export or a
        test): an unchanged view comes back as the same object, which
        :class:`~kexue_viz.live.LivePlot` skips at no cost."""
        return self._views.fetch((name, self.lang, style.active_backends(), plot.is_deferred(), *key), build)

    def live(self, key: str, build: Callable[[], Any], dependencies, css_classes=()) -> pn.pane.Bokeh:
        """A plot of ``build()`` (guarded, see :meth:`guard`) that refreshes in place when any of
        ``dependencies`` or the language changes; returns its Panel pane."""
        live_plot = LivePlot(self.guard(key, build, lambda: plot.Curve([])), css_classes=css_classes)
        changed: list[str] = []  # dependencies changed since the refresh was scheduled

        def refresh():
            started, names = time.time(), ",".join(changed)
            changed.clear()
            live_plot.refresh()
            log.debug("refresh %s started %.3f took %.1f ms (%s)", key, started, 1e3 * (time.time() - started), names)

        def schedule(*events):
            """Refresh on the session's next tick (see :func:`next_tick`): the plot's Bokeh models
            change under the document's lock whoever changed the parameter, and the changes of
            one update (several parameters, one after the other) make one refresh."""
            scheduled = bool(changed)
            changed.extend(event.name for event in events)
            if not scheduled:
                next_tick(refresh, live_plot.document())

        self.param.watch(schedule, [*dependencies, "lang"])

        return live_plot.pane

    def extra_controls(self) -> list:
        """Widgets that are not plain parameters (uploads, players); shown under the sidebar."""
        return []

    # ---- export ---------------------------------------------------------------------------
    def export_bytes(self, fmt: str = "png") -> bytes:
        """The current figure as PNG/SVG/PDF bytes, parameters in the metadata."""
        load_backends()
        return figure_bytes(plot.materialize(self.figure()), fmt, metadata={"dashboard": self.slug, **self.settings()})

    def _export_file(self):
        try:
            return io.BytesIO(self.export_bytes(self.export_format))
        except Exception as error:
            log.error("export failed:\n%s", traceback.format_exc())
            self.report(self.t("failed", reason=_short(error)), source="export")
            return io.BytesIO(b"")

    # ---- layout ---------------------------------------------------------------------------
    def _widget(self, name: str) -> pn.widgets.Widget:
        options = dict(self.widget_options.get(name, {}))
        widget_type = options.pop("type", None) or pn.Param.widget_type(self.param[name])
        parameter = self.param[name]
        if isinstance(parameter, param.Selector) and name != "lang":
            options["options"] = {self.option_label(name, v): v for v in parameter.objects}
        css = ["kv-param-" + name] + (["kv-probe"] if name == self.probe else [])
        widget = widget_type.from_param(parameter, label=self.t(name), css_classes=css,
                                        sizing_mode="stretch_width", **options)
        return self.register_widget(name, widget)

    # ---- scrubbed parameters (SCRUBBED) ---------------------------------------------------------
    def _settle_unless_scrubbing(self, event) -> None:
        """A programmatic change (URL, CLI, test) settles at once; a scrub does not."""
        if not self._scrubbing:
            setattr(self, self.SCRUBBED[event.name], event.new)

    def scrub(self, name: str, value) -> None:
        """Move the scrubbed parameter ``name`` live: only the views that follow it update."""
        self._scrubbing = True
        try:
            setattr(self, name, value)
        finally:
            self._scrubbing = False

    def scrub_slider(self, name: str, slider: pn.widgets.Widget) -> pn.widgets.Widget:
        """Wire ``slider`` to the scrubbed parameter ``name``: dragging scrubs, releasing settles,
        programmatic changes flow back to the slider."""
        slider.param.watch(lambda event: self.scrub(name, event.new), "value")
        slider.param.watch(lambda event: setattr(self, self.SCRUBBED[name], event.new), "value_throttled")
        self.param.watch(lambda event: setattr(slider, "value", event.new), name)
        return self.register_widget(name, slider)

    def scrub_player(self, name: str, player: pn.widgets.Player, to_value: Callable[[int], Any],
                     to_frame: Callable[[Any], int]) -> pn.widgets.Player:
        """Wire ``player`` to the scrubbed parameter ``name``, frame ``f`` standing for the value
        ``to_value(f)``: playing (or dragging the player's own slider) scrubs, pausing, stepping or
        releasing settles; a change from elsewhere (slider, link) moves the player to the nearest
        frame (``to_frame``, clamped) without moving the parameter back; ▶ on the last frame plays
        again from the first (◀ on the first, from the last).

        The player advances in the browser whatever the server does; frames that arrive while the
        server is busy are merged by Panel (only the latest is processed), so a slow update drops
        frames instead of queueing them ahead of other controls."""
        if not 0 <= player.start <= player.end <= PLAYER_MAX_FRAME:
            raise ValueError(f"a player's frames must lie within 0..{PLAYER_MAX_FRAME}, not "
                             f"{player.start}..{player.end} (see PLAYER_MAX_FRAME)")

        def frame_of(value) -> int:
            return min(max(int(to_frame(value)), player.start), player.end)

        def follow_player(*events) -> None:
            changed = {event.name for event in events}
            if "value" in changed and frame_of(getattr(self, name)) != player.value:
                self.scrub(name, to_value(player.value))
            if player.direction == 0 and changed & {"value_throttled", "direction"}:
                setattr(self, self.SCRUBBED[name], getattr(self, name))

        player.param.watch(follow_player, ["value", "value_throttled", "direction"])
        self.param.watch(lambda event: setattr(player, "value", frame_of(event.new)), name)
        player.value = frame_of(getattr(self, name))
        player.jscallback(direction=REPLAY_AT_THE_END)
        player._debounce = EVENT_DELAY_MS  # as for every control (see register_widget)
        return player

    def register_widget(self, name: str, widget: pn.widgets.Widget) -> pn.widgets.Widget:
        """Make ``widget`` relabel with the language and answer without Panel's batching delay.

        Panel holds each browser change for ``Syncable._debounce`` = 50 ms to merge bursts; that
        was a third of a slider move's measured latency. Events that arrive while an update runs
        are still merged, so a short delay loses nothing here (a private Panel attribute, set per
        widget instance)."""
        widget._debounce = EVENT_DELAY_MS
        self._widgets[name] = widget
        return widget

    @param.depends("lang", watch=True)
    def _relabel(self) -> None:
        if self._layout is None:  # no widgets yet (CLI, tests): views read the language when built
            return
        for name, widget in self._widgets.items():
            widget.label = self.t(name)
            parameter = self.param[name]
            if isinstance(parameter, param.Selector) and name != "lang":
                widget.options = {self.option_label(name, v): v for v in parameter.objects}
        self._export_button.label = self.t("export")

    def _header(self):
        links = " · ".join(f"[{self.t(title)}]({url})" for title, url in self.posts)
        return pn.pane.Markdown(f"## {self.t('title')}\n{self.t('posts')}: {links}",
                                css_classes=["kv-header"], sizing_mode="stretch_width")

    def _url_error(self, mapped: dict) -> None:
        problems = self.apply_settings(mapped)
        if problems:
            self.report("\n\n".join(problems), source="url")

    def __panel__(self):
        if self._layout is not None:
            return self._layout
        init_extension()
        self._export_button = pn.widgets.FileDownload(
            callback=self._export_file, filename=f"kexue_viz-{self.slug}.{self.export_format}",
            label=self.t("export"), embed=False, color="primary", css_classes=["kv-export"],
            sizing_mode="stretch_width")
        self.param.watch(lambda e: setattr(self._export_button, "filename", f"kexue_viz-{self.slug}.{e.new}"),
                         "export_format")
        busy = pn.indicators.LoadingSpinner(value=True, size=22, styles=pn.bind(busy_style, pn.state.param.busy))
        language = pn.widgets.RadioButtonGroup.from_param(self.param.lang, options={"中文": "zh", "English": "en"},
                                                          sizing_mode="stretch_width")
        sidebar = pn.Column(
            language,
            *[self._widget(name) for name in self.controls],
            *self.extra_controls(),
            pn.Row(pn.widgets.RadioButtonGroup.from_param(self.param.export_format, width=110), busy),
            self._export_button,
            width=300, css_classes=["kv-sidebar"],
        )
        header = pn.panel(pn.bind(lambda lang: self._header(), self.param.lang), sizing_mode="stretch_width")
        main = self.build_views()
        self._layout = pn.Row(sidebar, pn.Column(header, self._error, main, sizing_mode="stretch_width"),
                              sizing_mode="stretch_width")
        if pn.state.location is not None and pn.state.curdoc is not None:
            pn.state.location.sync(self, self.url_parameters(), on_error=self._url_error)
        return self._layout


def serve(dashboard_class: type[Dashboard]) -> Dashboard:
    """Entry point for ``apps/<name>.py``: build the dashboard and mark it servable.
    ``KEXUE_VIZ_LOG=debug`` logs every view's start and duration (used by the latency benchmark)."""
    level = os.environ.get("KEXUE_VIZ_LOG", "").upper()
    if level and not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("kexue_viz %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(level)
        log.propagate = False
    init_extension()
    dashboard = dashboard_class()
    title = FRAME_TEXT.merged(dashboard_class.text).get("title", "en")
    pn.panel(dashboard).servable(title=f"kexue_viz · {title}")
    return dashboard


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
