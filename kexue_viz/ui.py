"""The frame every dashboard uses.

A dashboard is a :class:`Dashboard` subclass: bounded ``param`` parameters (the bounds are the
validation), a :class:`~kexue_viz.i18n.TextTable` of labels, a ``controls`` list naming the
sidebar widgets, ``build_views()`` returning the main area and ``figure()`` returning the
HoloViews object that the export button and ``kexue-viz export`` write.

The frame adds: a title with links to the posts; the sidebar; a language switch; an export
button (PNG/SVG/PDF of the composed figure or of any one view at a width preset, parameters in
the file's metadata; see :meth:`Dashboard.exportable_views`); two-way sync of the
parameters with the URL query (a copied link reopens the same view); an error area where bad
input is explained while the server keeps running and the last good view stays; and a busy
indicator. It uses no Panel template and no external resource: pages ask only their own server.
"""
from __future__ import annotations

import io
import json
import logging
import math
import numbers
import os
import threading
import time
import traceback
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from functools import cache, partial, wraps
from typing import Any, Callable, NamedTuple
from urllib.parse import parse_qsl, urlencode

import holoviews as hv
import panel as pn
import param
from bokeh.document import Document
from bokeh.events import Tap
from bokeh.models import CustomJS, CustomJSTickFormatter, TabPanel
from panel.io import document as panel_document
from panel.io import resources as panel_resources
from panel.io.state import set_curdoc
from panel.reactive import Reactive

from .export import FORMATS, WIDTHS, figure_files
from .i18n import FRAME_TEXT, LANGUAGES, TextError, TextTable
from .live import LivePlot
from .registry import WHOLE_FIGURE
from .tasks import Task
from . import notebook, plot, style
from .style import load_backends

log = logging.getLogger("kexue_viz")
EVENT_DELAY_MS = 5
# the link's key that names the dashboard where one app serves them all (`panel serve apps/`:
# apps/main.py, kexue_viz.landing); a dashboard keeps it in its link and reads no setting from it
ROUTE_KEY = "app"

# Panel 1.9's Player gives its range input the value before the bounds, and the input clamps it to
# its default maximum, 100: a later frame is drawn at 100 (the player showed the middle while the
# cursor was at the end). A player's frames therefore stay within 0..100.
PLAYER_MAX_FRAME = 100
# A playing player's frames come from the server (ScrubPlayer): the browser's own frame timer is
# parked (an interval that never elapses), and the browser reports each frame it receives while
# playing through value_throttled (which the server resets to -1 before each frame: a browser
# sends changes only). At most PLAYER_FRAMES_IN_FLIGHT frames are sent and not yet reported: the
# server works on the next frame while the browser draws the last, and nothing queues.
PLAYER_PARKED_INTERVAL_MS = 10 ** 9
PLAYER_FRAMES_IN_FLIGHT = 2
REPORT_FRAME = "if (cb_obj.direction !== 0) { cb_obj.value_throttled = cb_obj.value }"

BUSY_SHOWN = {"opacity": "1", "transition": "opacity 0s linear 0.2s"}
BUSY_HIDDEN = {"opacity": "0", "transition": "none"}

FRAME_CSS = """
:host, body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "WenQuanYi Micro Hei", sans-serif; }
.kv-sidebar { background: #f6f7f9; border-right: 1px solid #e1e4e8; padding: 4px 10px 16px 10px; }
.kv-header { border-bottom: 1px solid #e1e4e8; margin-bottom: 6px; }
"""
SIDEBAR_WIDTH = 340
# shown (zero-sized) once every plot of the first build is drawn: a served page draws the main plot
# with the page and the others just after its first paint (Dashboard._draw_after_paint)
READY_MARK = '<span class="kv-ready"></span>'
FIRST_PAINT_TIMEOUT_MS = 3000  # draw the rest anyway if the browser's word of its first paint is this late
PAINTED_TAG = "kv-painted"
PAINTED_JS = f"""if (!cb_obj.tags.includes("{PAINTED_TAG}")) {{
  requestAnimationFrame(() => requestAnimationFrame(() => {{ cb_obj.tags = [...cb_obj.tags, "{PAINTED_TAG}"] }}))
}}"""
# given to every sidebar widget (each renders in its own shadow root, which the page's stylesheet
# does not reach): a label or slider title longer than the sidebar wraps instead of being cut off
SIDEBAR_WIDGET_CSS = """
label, .bk-slider-title, .bk-input-group > * { white-space: normal; overflow-wrap: anywhere; }
"""


def init_extension() -> None:
    """Load Panel/HoloViews for a served page or a notebook, with the frame's stylesheet. In a
    notebook every script and stylesheet comes from the local installation (see
    :mod:`kexue_viz.notebook`); a served page gets them from its own server."""
    load_backends()
    notebook.local_stylesheets()
    if notebook.in_kernel():
        notebook.inline_resources()
    pn.extension(raw_css=[FRAME_CSS], notifications=False, loading_indicator=False)
    if hv.Store.current_backend != "bokeh":  # (each session calls this: see load_backends)
        hv.Store.set_current_backend("bokeh")
    if not getattr(panel_document._dispatch_msgs, "sends_every_queued_message", False):
        panel_document._dispatch_msgs = sending_every_queued_message(panel_document._dispatch_msgs)
    if not getattr(Reactive._get_properties, "links_detached_models_locally", False):
        Reactive._get_properties = linking_detached_models_locally(Reactive._get_properties)
    local_stylesheet_links(pn.state.curdoc)


def linking_detached_models_locally(get_properties: Callable[[Any, Document | None], dict]) -> Callable:
    """Panel's properties of a model (``Reactive._get_properties(self, doc)``), computed for the page
    being served when Panel gives no document: a text pane's update passes its model's own
    document, which is ``None`` while the model is out of its page (a tab's content while another
    tab is shown), and Panel then links the model's stylesheets to cdn.holoviz.org; the page asks
    the CDN once the model is back (the LoRA page after its digits run: markdown.css, loading.css,
    theme CSS, found by logging every CDN link the server made during the soak)."""
    @wraps(get_properties)
    def properties_linked_locally(self, doc: Document | None) -> dict:
        if doc is None:
            current = pn.state.curdoc
            if current is not None and current.session_context is not None:
                doc = current
        return get_properties(self, doc)

    properties_linked_locally.links_detached_models_locally = True
    return properties_linked_locally


def local_stylesheet_links(document: Document | None) -> None:
    """Make Panel link the stylesheets of the served ``document``'s models to this server, as it does
    for a session it made for a page request (its ``dist_url``, set when the page's HTML is
    written). A session made when a websocket connected lacks it, and Panel then links every
    model built or restyled to cdn.holoviz.org; Bokeh makes such a session when a page's
    websocket connects after the page's own session was discarded as unused (15 s after the page
    request: seven pages opened at once on 2 cores, 1–2 pages in 2 of 3 soak runs asked the CDN
    for loading.css and markdown.css)."""
    if document is not None and document.session_context is not None:
        document._template_variables.setdefault("dist_url", panel_resources.get_dist_path(cdn=False))


def sending_every_queued_message(dispatch: Callable[[Document], Any]) -> Callable[[Document], Any]:
    """Panel's writer of a page's queued messages (``panel.io.document._dispatch_msgs``), made to
    write what is queued even when the write block was lifted meanwhile. Panel 1.9's writer lifts
    the block once its own messages are written; a second writer, started for messages queued
    while the first awaited its writes, then finds no block and returns, and those messages stay
    queued until the page's next change through Panel, for ever when there is none. Seen with
    seven pages opened together on a cold server (one run in three): a page never got its last
    views and its ready mark; a message sent later by Bokeh's own path reached the browser first
    and named a model the queued one defined ("reference … isn't known")."""
    @wraps(dispatch)
    async def dispatch_every_queued_message(doc: Document) -> None:
        if panel_document._WRITE_MSGS.get(doc):
            panel_document._WRITE_BLOCK[doc] = True
        await dispatch(doc)

    dispatch_every_queued_message.sends_every_queued_message = True
    return dispatch_every_queued_message


def parse_setting(parameter: param.Parameter, raw: Any) -> Any:
    """Turn a URL/CLI string (as :func:`url_text` writes it) into a value of the parameter's
    type; anything unparseable is returned as given, and :meth:`Dashboard.apply_settings` says
    what is wrong with it."""
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    try:
        if isinstance(parameter, param.Boolean):
            return {"true": True, "1": True, "false": False, "0": False}.get(text.lower(), raw)
        if isinstance(parameter, param.ListSelector):
            return [_option(parameter, item) for item in _items(text)]
        if isinstance(parameter, param.Selector):
            return _option(parameter, text)
        if isinstance(parameter, param.Range):
            low, high = (float(item) for item in _items(text))
            return low, high
        if isinstance(parameter, param.Integer):
            return int(text)
        if isinstance(parameter, param.Number):
            return float(text)
    except ValueError:
        return raw
    return raw


def _items(text: str) -> list[str]:
    """The items of a list written ``a,b,c`` (or as JSON, as links written by Panel were)."""
    if text.startswith("["):
        return [str(item) for item in json.loads(text)]
    return [item.strip() for item in text.split(",") if item.strip()]


def _option(parameter: param.Selector, text: str) -> Any:
    """The option of ``parameter`` written ``text`` (a number option also by its value: ``0.010``
    is ``0.01``); ``text`` itself when there is none."""
    for option in parameter.objects:
        if str(option) == text:
            return option
    for option in parameter.objects:
        if isinstance(option, (int, float)) and not isinstance(option, bool):
            try:
                if float(text) == option:
                    return option
            except ValueError:
                break
    return text


def url_text(value: Any) -> str:
    """``value`` as a link writes it (:func:`parse_setting` reads it back): a float with at most
    12 significant digits, so a slider's 1.0999999999999999 (steps of 0.1 summed in binary) is
    written 1.1 while anything a reader typed keeps its digits; lists and ranges comma-separated;
    booleans ``true``/``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(float(f"{value:.12g}"))
    if isinstance(value, (list, tuple)):
        return ",".join(url_text(item) for item in value)
    return str(value)


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


def _sidebar_styled(objects: list) -> list:
    """``objects`` with the sidebar's widget stylesheet added to every widget in them."""
    for widget in pn.Column(*objects).select(pn.widgets.Widget):
        widget.stylesheets = [*widget.stylesheets, SIDEBAR_WIDGET_CSS]
    return objects


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


class ChoiceSlider(pn.widgets.IntSlider):
    """A slider over a selector parameter's options (``options``: label → value, in slider order)
    that shows the chosen option's label; the slider's own value is the option's index. Panel's
    DiscreteSlider, a column of a text and a slider, takes about 28 ms to build against 7 ms for
    this one on 2 cores: a page with four (Adam-ε, LoRA) spent 85 ms more building, before its
    first paint. Made by :meth:`from_param`, which binds it to the parameter both ways."""

    options = param.Dict(default={}, doc="label → value, in slider order")
    _rename = {**pn.widgets.IntSlider._rename, "options": None}

    def __init__(self, **params):
        super().__init__(**params)
        self._show_labels()
        self.param.watch(lambda _: self._show_labels(), "options")

    def _show_labels(self) -> None:
        labels = list(self.options)
        self.param.update(start=0, end=len(labels) - 1, format=CustomJSTickFormatter(
            args={"labels": labels}, code="return labels[Math.round(tick)] ?? ''"))

    @property
    def choice(self) -> Any:
        """The option the slider is on."""
        return list(self.options.values())[self.value]

    def index_of(self, value: Any) -> int:
        return list(self.options.values()).index(value)

    @classmethod
    def from_param(cls, parameter: param.Parameter, **params) -> "ChoiceSlider":
        """A slider on the options given as ``options`` (label → value, values among the selector
        ``parameter``'s objects), at the parameter's value, bound to it both ways."""
        owner, name = parameter.owner, parameter.name
        slider = cls(**params)
        slider.value = slider.index_of(getattr(owner, name))
        slider.param.watch(lambda _: setattr(owner, name, slider.choice), "value")
        owner.param.watch(lambda event: setattr(slider, "value", slider.index_of(event.new)), name)
        return slider


def steady_grid_cell(content: pn.viewable.Viewable) -> pn.layout.ListLike:
    """``content`` in a column of its own (unless it is one), so that a grid's children never change.
    BokehJS lays a grid out by child index and fails ("Cannot read properties of undefined
    (reading 'parent_style')") when a layout pass comes while a new child's view is still being
    built; a plot pane's figure is replaced on a language switch, and a direct grid child would be
    a new child (the InfoMap notebook's dashboard, 3 of 6 runs in JupyterLab)."""
    return content if isinstance(content, pn.Column) else pn.Column(content, sizing_mode="stretch_width")


def busy_indicator() -> pn.indicators.LoadingSpinner:
    """A spinner shown while the server is busy (after :data:`BUSY_SHOWN`'s delay, so quick
    updates do not flash it). It stays in the layout and only its inline style changes: toggling
    its ``visible`` made BokehJS lay out and repaint every plot of the page (0.7–1.8 s in headless
    Chromium on 2 cores, 10 plots); the style is set by a plain watcher, a quarter of the server
    time of a bound function (which took a quarter of the server's time while a player ran).
    The watcher runs in whichever session made the server busy, so the spinner must be part of
    its page's first document, never of a part drawn later (see :meth:`Dashboard._export_controls`)."""
    spinner = pn.indicators.LoadingSpinner(value=True, size=22, styles=BUSY_HIDDEN)
    watcher = pn.state.param.watch(  # Panel's busy state is the process's
        lambda event: setattr(spinner, "styles", BUSY_SHOWN if event.new else BUSY_HIDDEN), "busy")
    document = pn.state.curdoc
    if document is not None and document.session_context is not None:
        document.on_session_destroyed(lambda context: pn.state.param.unwatch(watcher))
    return spinner


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


class ScrubPlayer:
    """A Panel ``Player`` moving a dashboard's scrubbed parameter (``Dashboard.SCRUBBED``).

    ▶ (◀) plays: the server scrubs frame after frame, each one at least ``interval_ms`` after the
    last and only while fewer than :data:`PLAYER_FRAMES_IN_FLIGHT` frames are unreported by the
    browser, so frames never queue on the way to a slow server or browser, the frame rate adapts
    to both, and other controls are answered between frames. ▶ on the last frame starts from the
    first (◀ on the first, from the last); the end of the run or ⏸ settles. The step buttons and
    the player's own slider scrub, their release settles. A change from elsewhere (slider, link)
    moves the player to the nearest frame without moving the parameter back."""

    def __init__(self, dashboard: "Dashboard", name: str, player: pn.widgets.Player,
                 to_value: Callable[[int], Any], to_frame: Callable[[Any], int], interval_ms: float):
        if not 0 <= player.start <= player.end <= PLAYER_MAX_FRAME:
            raise ValueError(f"a player's frames must lie within 0..{PLAYER_MAX_FRAME}, not "
                             f"{player.start}..{player.end} (see PLAYER_MAX_FRAME)")
        self.dashboard, self.name, self.player = dashboard, name, player
        self.to_value, self.to_frame, self.interval_ms = to_value, to_frame, interval_ms
        self.in_flight: list[int] = []  # frames sent and not yet reported by the browser
        self.sent_at = 0.0
        self.waiting = False  # a timer will send the next frame
        player.param.update(value=self.frame(), interval=PLAYER_PARKED_INTERVAL_MS,
                            visible_buttons=[b for b in player.visible_buttons if b not in ("slower", "faster")])
        player.param.watch(self._scrub_to_frame, "value")
        player.param.watch(self._start_or_settle, "direction")
        player.param.watch(self._reported, "value_throttled")
        dashboard.param.watch(lambda event: setattr(player, "value", self.frame(event.new)), name)
        player.jscallback(value=REPORT_FRAME)

    def frame(self, value=None) -> int:
        """The frame nearest to ``value`` (default: the parameter's value), within the player's."""
        value = getattr(self.dashboard, self.name) if value is None else value
        return min(max(int(self.to_frame(value)), self.player.start), self.player.end)

    def settle(self) -> None:
        setattr(self.dashboard, self.dashboard.SCRUBBED[self.name], getattr(self.dashboard, self.name))

    def send(self, frame: int) -> None:
        self.in_flight.append(frame)
        self.sent_at = time.monotonic()
        with pn.io.hold():  # one message to the browser for the frame's changes, in this order
            with param.edit_constant(self.player):
                self.player.value_throttled = -1  # so that the frame's report is a change
            self.dashboard.scrub(self.name, self.to_value(frame))  # the player follows the parameter
        self.pace()

    def advance(self) -> None:
        """Send the frame after the current one in the player's direction; past the last, pause."""
        if self.player.direction == 0:
            return
        frame = self.frame() + self.player.direction
        if self.player.start <= frame <= self.player.end:
            self.send(frame)
        else:
            self.player.direction = 0

    def may_send(self) -> bool:
        """Playing, and fewer than :data:`PLAYER_FRAMES_IN_FLIGHT` frames unreported."""
        return self.player.direction != 0 and len(self.in_flight) < PLAYER_FRAMES_IN_FLIGHT

    def pace(self) -> None:
        """Send the next frame now, or set a timer for ``interval_ms`` after the last one."""
        if self.waiting or not self.may_send():
            return
        wait_ms = self.interval_ms - 1e3 * (time.monotonic() - self.sent_at)
        if wait_ms < 1:
            self.advance()
            return
        self.waiting = True
        document = pn.state.curdoc
        if document is not None and document.session_context is not None:  # served: a timeout of the session
            document.add_timeout_callback(self._timer_elapsed, wait_ms)
        else:  # a notebook's kernel
            pn.state.add_periodic_callback(self._timer_elapsed, period=round(wait_ms), count=1)

    def _timer_elapsed(self) -> None:
        self.waiting = False
        if self.may_send():
            self.advance()

    def _start_or_settle(self, event) -> None:
        """▶ or ◀ pressed: send the first frame; ⏸ (or the end of the run): settle."""
        self.in_flight.clear()
        if event.new == 0:
            self.settle()
            return
        first, last = (self.player.start, self.player.end) if event.new > 0 else (self.player.end, self.player.start)
        if self.frame() == last:
            self.send(first)
        else:
            self.advance()

    def _reported(self, event) -> None:
        """The browser has a frame (and every frame sent before it), or, paused, a step button or
        the player's slider was released."""
        if self.player.direction == 0:
            if event.new >= 0:
                self.settle()
        elif event.new in self.in_flight:
            del self.in_flight[:self.in_flight.index(event.new) + 1]
            self.pace()

    def _scrub_to_frame(self, event) -> None:
        if self.frame() != event.new:
            self.dashboard.scrub(self.name, self.to_value(event.new))


class LiveView(NamedTuple):
    """A live view of a dashboard: ``build()`` gives it, ``watched()`` the parameters it follows now."""
    build: Callable[[], Any]
    watched: Callable[[], tuple[str, ...]]


@dataclass(frozen=True)
class View:
    """A view of a section: ``build()`` gives a HoloViews view (a Markdown string when ``text``).

    ``main``: the page's primary plot (drawn first; CSS class ``kv-main-plot``). ``triggers``:
    names of state that is not a parameter (see :meth:`Dashboard.notify`). ``wide``: the whole
    width of the section rather than a grid cell. ``own_size``: the figure at its own size (a
    square frame at equal scales) rather than stretched. ``below()``/``beside()``: Panel objects
    shown under / to the right of the view in its cell (a button, a caption, an editor). ``shown_when()``: the cell is visible only while
    it returns true (it follows what it reads, as a view does). A view that is not ``text`` can be
    exported alone (:meth:`Dashboard.exportable_views`), named by the text ``export_view.<key>``."""
    key: str
    build: Callable[[], Any]
    main: bool = False
    text: bool = False
    wide: bool = False
    triggers: tuple[str, ...] = ()
    own_size: bool = False
    below: Callable[[], list] | None = None
    beside: Callable[[], list] | None = None
    shown_when: Callable[[], bool] | None = None

    @property
    def full_width(self) -> bool:
        """Whether the view spans its section (wide or main) rather than filling a grid cell."""
        return self.wide or self.main


@dataclass(frozen=True)
class Section:
    """One post or idea of a dashboard: a heading and a note (text keys), the controls shown with it
    (parameter names; their widgets sit above its views rather than in the sidebar), further
    widgets (``widgets()``: Panel objects, e.g. a :meth:`Dashboard.task`'s layout) and its views,
    the wide ones first, then the others in a grid of ``columns``.

    ``tab``: a text key; the sections with a tab are shown as tabs (one per key, in order of first
    appearance, where the first of them stands). A tab's sections are built when it is first
    opened, and its plots refresh only while it is open (a change made meanwhile is drawn when
    the reader comes back)."""
    views: tuple[View, ...] = ()
    heading: str | None = None
    note: str | None = None
    controls: tuple[str, ...] = ()
    columns: int = 2
    widgets: Callable[[], list] | None = None
    tab: str | None = None

    def views_in_page_order(self) -> list[View]:
        """The views as the section places them: the full-width ones, then the grid's cells."""
        return sorted(self.views, key=lambda view: not view.full_width)


@cache
def parameter_names(cls: type) -> frozenset[str]:
    """The names of the parameters of a Parameterized class."""
    return frozenset(cls.param)


class Dashboard(pn.viewable.Viewer):
    """Base class of every dashboard (see module docstring)."""

    lang = param.Selector(default="zh", objects=list(LANGUAGES), doc="interface and figure language")
    export_format = param.Selector(default="png", objects=list(FORMATS), doc="export button format")
    export_view = param.Selector(default=WHOLE_FIGURE, objects=[WHOLE_FIGURE],
                                 doc="what the export button writes: the composed figure or one view (its key)")
    export_width = param.Selector(default="column", objects=list(WIDTHS), doc="export button width preset")

    slug: str = ""
    text: TextTable = FRAME_TEXT
    # a parameter the reader scrubs (drags, plays) -> its "settled" twin: light views follow the
    # parameter live, dear ones follow the twin, which takes the value once the control rests
    SCRUBBED: dict[str, str] = {}
    posts: tuple[tuple[str, str], ...] = ()
    controls: tuple[str, ...] = ()
    widget_options: dict[str, dict] = {}
    probe: str = ""
    frame_parameters = ("export_format", "export_view", "export_width")

    _reads: set[str] | None = None  # the parameters read while :meth:`reading` records, else None
    _reader: int | None = None  # the thread recording them

    def __getattribute__(self, name: str) -> Any:
        """Attribute access, recording the parameters read inside :meth:`reading` (by its thread:
        a task's worker reading a parameter meanwhile is not a view's dependency)."""
        if name[0] != "_":
            reads = object.__getattribute__(self, "_reads")
            if reads is not None and name in parameter_names(type(self)) \
                    and object.__getattribute__(self, "_reader") == threading.get_ident():
                reads.add(name)
        return object.__getattribute__(self, name)

    @contextmanager
    def reading(self):
        """Record the parameters of this dashboard read inside the block by this thread, directly or
        through any of its methods and properties; yields the set (an enclosing recording sees
        them too)."""
        outer, outer_reader, reads = self._reads, self._reader, set()
        self._reads, self._reader = reads, threading.get_ident()
        try:
            yield reads
        finally:
            self._reads, self._reader = outer, outer_reader
            if outer is not None:
                outer.update(reads)

    def __init__(self, **params):
        super().__init__(**params)
        self._table = FRAME_TEXT.merged(self.text)
        self._last_good: dict[str, Any] = {}
        self._problems: dict[str, str | Callable[[], str]] = {}
        self._error = pn.pane.Alert("", alert_type="danger", visible=False, css_classes=["kv-error"],
                                    sizing_mode="stretch_width")
        self._widgets: dict[str, pn.widgets.Widget] = {}
        self._layout = None
        self._views = LruDict(64)
        self._live: dict[str, LiveView] = {}  # the live views by key
        self.panes: dict[str, pn.viewable.Viewable] = {}  # the panes of the sections' views by key
        self._scrubbing = False
        self._listeners: dict[str, list[Callable[..., None]]] = {}  # by the name given to notify()
        self._building_tab: str | None = None  # the tab whose sections are being built
        self._open_tab: str | None = None  # the tab on screen
        self._stale: dict[str, dict[str, Callable[[], None]]] = {}  # refreshes waiting for their tab
        self.view_tabs: dict[str, str] = {}  # the tab of each live view in a tab, by view key
        self._after_paint: list[Callable[[], None]] | None = None  # first draws waiting for the first paint
        self._ready = pn.pane.HTML("", width=0, height=0, margin=0, css_classes=["kv-ready-mark"])
        for live, settled in self.SCRUBBED.items():
            setattr(self, settled, getattr(self, live))
            self.param.watch(self._settle_unless_scrubbing, live)
        self.param.export_view.objects = [WHOLE_FIGURE, *self._plot_views()]

    # ---- text -----------------------------------------------------------------------------
    def t(self, key: str, **values) -> str:
        """The text ``key`` in the current language."""
        return self._table.get(key, self.lang, **values)

    def option_label(self, name: str, value: Any) -> str:
        key = f"{name}.{value}"
        return self.t(key) if key in self._table else str(value)

    def label(self, name: str) -> str:
        """The label of the control of parameter ``name`` (the name itself where it has none)."""
        return self.t(name) if name in self._table else name

    def message(self, key: str, **values) -> Callable[[], str]:
        """The text ``key`` filled with ``values``, read in the language shown when it is read
        (give it to :meth:`report`: the error area rereads it when the language changes). Each
        value is read as :meth:`describe` gives it."""
        return lambda: self.t(key, **{name: self.describe(value) for name, value in values.items()})

    def describe(self, value: Any) -> Any:
        """What a reader reads for ``value``: a :class:`~kexue_viz.i18n.TextError` in the current
        language, another exception by its first line, a callable by what it returns now."""
        if isinstance(value, TextError):
            return value.in_language(self.lang)
        if isinstance(value, Exception):
            return _short(value)
        return value() if callable(value) else value

    def text_pane(self, key: str, template: str = "{}", **options) -> pn.pane.Markdown:
        """A Markdown pane of ``template`` filled with the text ``key``, following the language."""
        pane = pn.pane.Markdown(template.format(self.t(key)), **{"sizing_mode": "stretch_width", **options})
        self.param.watch(lambda event: setattr(pane, "object", template.format(self.t(key))), "lang")
        return pane

    def tabs(self, pages: dict[str, Any], **options) -> pn.Tabs:
        """Tabs titled with the texts of ``pages``' keys, retitled with the language (the open tab
        stays open). Dynamic: only the open tab's content is sent to the browser."""
        tabs = pn.Tabs(*[(self.t(key), content) for key, content in pages.items()], dynamic=True,
                       **{"sizing_mode": "stretch_width", **options})

        def retitle(event):
            """Panel (1.9) keeps the Bokeh panel of a tab whose content stays, old title and all,
            and BokehJS redraws the tab headers only when the list of panels changes (the titles
            followed only as each tab was opened): retitle the panels Panel keeps, and show copies
            of them (same contents, so nothing else is redrawn)."""
            titles = [self.t(key) for key in pages]
            active = tabs.active
            tabs[:] = list(zip(titles, pages.values()))
            tabs.active = active
            next_tick(partial(retitle_models, titles))

        def retitle_models(titles: list[str]) -> None:
            """Change the Bokeh models under the document's lock (on the session's tick, after
            Panel's own update): a language switch that Panel handles as an event of its own,
            off the lock, made Bokeh raise "_pending_writes should be non-None" (two-session test)."""
            for model, _ in tabs._models.values():
                for panel, title in zip(model.tabs, titles):
                    panel.title = title
                model.tabs = [TabPanel(title=panel.title, child=panel.child, closable=panel.closable)
                              for panel in model.tabs]

        self.param.watch(retitle, "lang")
        return tabs

    def button(self, key: str, **options) -> pn.widgets.Button:
        """A button labelled with the text ``key``, relabelled with the language."""
        return self.register_widget(key, pn.widgets.Button(label=self.t(key), **options))

    # ---- parameters -----------------------------------------------------------------------
    def url_parameters(self) -> list[str]:
        """Every parameter a link should carry: all but ``name`` and frame-only ones."""
        return [p for p in self.param
                if p != "name" and p not in self.frame_parameters and self.param[p].precedence != -1]

    def settings(self) -> dict[str, Any]:
        """Current values of :meth:`url_parameters` (goes into exported files' metadata)."""
        return {p: getattr(self, p) for p in self.url_parameters()}

    def apply_settings(self, raw: dict[str, Any]) -> list[str]:
        """Set parameters from strings (a link's, ``kexue-viz export --set``) or values one at a
        time; return one message per rejected value (unknown name, wrong type, out of bounds), in
        the current language. Valid ones are applied."""
        return [problem() for problem in self._apply(raw)]

    def apply_link(self, settings: dict[str, Any]) -> None:
        """Apply a link's settings; each one rejected is explained in the error area."""
        problems = self._apply(settings)
        if problems:
            self.report(lambda: "\n\n".join(problem() for problem in problems), source="url")
        else:
            self.clear_error("url")

    def out_of_range(self, name: str, value: Any, low: float, high: float) -> Callable[[], str]:
        """The message that ``value`` of parameter ``name`` lies outside ``low``..``high`` (for a
        range narrower than the parameter's bounds that other settings impose)."""
        return self.message("must_be_between", label=lambda: self.label(name), name=name, value=url_text(value),
                            lo=f"{low:.12g}", hi=f"{high:.12g}")

    def _apply(self, raw: dict[str, Any]) -> list[Callable[[], str]]:
        """:meth:`apply_settings`, each message a :meth:`message`."""
        problems = (self._apply_one(name, value) for name, value in raw.items())
        return [problem for problem in problems if problem is not None]

    def _apply_one(self, name: str, raw: Any) -> Callable[[], str] | None:
        """Set parameter ``name`` from ``raw``; ``None``, or a message saying why not, made from
        the parameter's bounds or options and naming the control by its label (param's own
        message names the class attribute, e.g. 'HippoDashboard.N')."""
        if name not in self.url_parameters():
            return self.message("unknown_setting", name=name, value=raw)
        parameter = self.param[name]
        value = parse_setting(parameter, raw)
        given = {"label": lambda: self.label(name), "name": name, "value": raw}
        rejection = rejection_of(parameter, value)
        if rejection is not None:
            key, details = rejection
            return self.message(key, **given, **details)
        try:
            setattr(self, name, value)
        except Exception as error:  # a check of the parameter's own, beyond its type and bounds
            return self.message("bad_value", **given, reason=error)
        return None

    # ---- errors ---------------------------------------------------------------------------
    def report(self, message: str | Callable[[], str], source: str = "input") -> None:
        """Show ``message`` in the page's error area, filed under ``source`` (a view's key,
        ``"url"``, ``"upload"``...); it stays until that source is cleared. A :meth:`message`
        (any callable) is read again when the language changes."""
        self._problems[source] = message
        self._show_problems()

    def clear_error(self, source: str = "input") -> None:
        """Withdraw the message of ``source`` (e.g. a view that computed fine again)."""
        if self._problems.pop(source, None) is not None:
            self._show_problems()

    def _show_problems(self) -> None:
        texts = [problem() if callable(problem) else problem for problem in self._problems.values()]
        self._error.object = "\n\n".join(dict.fromkeys(texts))  # each message once
        self._error.visible = bool(self._problems)

    def guard(self, key: str, compute: Callable[..., Any], fallback: Callable[[], Any]) -> Callable[..., Any]:
        """Wrap a view function: on an exception, show a message, log the traceback and return
        the last good result for ``key`` (or ``fallback()``), so the page keeps working."""

        def guarded(*args, **kwargs):
            try:
                with style.only("bokeh"):
                    result = compute(*args, **kwargs)
            except ValueError as error:
                self.report(self.message("failed", reason=error), source=key)
            except Exception as error:  # any other failure: keep serving, tell the reader
                log.error("view %s failed:\n%s", key, traceback.format_exc())
                self.report(self.message("failed", reason=f"{type(error).__name__}: {_short(error)}"), source=key)
            else:
                self._last_good[key] = result
                self.clear_error(key)
                return result
            return self._last_good.get(key) or fallback()

        return guarded

    # ---- subclass hooks -------------------------------------------------------------------
    def sections(self) -> list[Section]:
        """The dashboard's sections, top to bottom (see :class:`Section`)."""
        raise NotImplementedError

    def build_views(self):
        """The main area (Panel layout), built once: :meth:`sections` one under the other, the
        tabbed ones as tabs where the first of them stands (:meth:`tabbed`). Plots come from
        :meth:`live` and refresh themselves; each pane is kept in ``self.panes`` by its view's key."""
        parts, tabbed = [], {}
        for section in self.sections():
            if section.tab is None:
                parts.append(self.section(section))
                continue
            if not tabbed:
                parts.append(None)  # where the tabs stand
            tabbed.setdefault(section.tab, []).append(section)
        if tabbed:
            parts[parts.index(None)] = self.tabbed(tabbed)
        return pn.Column(*parts, sizing_mode="stretch_width")

    def tabbed(self, pages: dict[str, list[Section]]) -> pn.Tabs:
        """Tabs of sections, each tab's built when first opened (see :class:`Section`); kept in
        ``self.tab_pages`` (:meth:`open_tab` shows one)."""
        columns = {key: pn.Column(sizing_mode="stretch_width") for key in pages}
        tabs = self.tabs(columns, css_classes=["kv-tabs"])
        self.tab_pages, self._tab_keys = tabs, list(pages)

        def show(index: int) -> None:
            key = self._tab_keys[index]
            self._open_tab = key
            if not columns[key].objects:
                with self._building_in(key):
                    columns[key][:] = [self.section(section) for section in pages[key]]
            for refresh in self._stale.pop(key, {}).values():
                next_tick(refresh)

        show(tabs.active)
        tabs.param.watch(lambda event: show(event.new), "active")
        return tabs

    @contextmanager
    def _building_in(self, tab: str | None):
        """Views built inside the block belong to ``tab`` (see :meth:`live`)."""
        self._building_tab = tab
        try:
            yield
        finally:
            self._building_tab = None

    def open_tab(self, key: str) -> None:
        """Show the tab ``key`` (a :class:`Section` ``tab``), as a reader's click does."""
        self.tab_pages.active = self._tab_keys.index(key)

    def tab_keys(self) -> list[str]:
        """The keys of the tabs in their order (empty before they are built or without tabs)."""
        return list(getattr(self, "_tab_keys", ()))

    def tab_on_screen(self) -> str | None:
        """The key of the tab shown (``None`` before the tabs are built or without tabs)."""
        return self._open_tab

    def open_every_tab(self) -> None:
        """Open each tab in turn (building its views), then the first again."""
        keys = self.tab_keys()
        for key in keys:
            self.open_tab(key)
        if keys:
            self.open_tab(keys[0])

    def section(self, section: Section) -> pn.Column:
        """The Panel layout of one section: heading, its controls and widgets, wide views, the
        grid, the note."""
        parts = [self.text_pane(section.heading, "### {}")] if section.heading else []
        if section.controls:
            parts.append(pn.Row(*map(self._widget, section.controls), sizing_mode="stretch_width"))
        if section.widgets is not None:
            parts += section.widgets()
        parts += [self.cell(view) for view in section.views if view.full_width]
        cells = [self.cell(view) for view in section.views if not view.full_width]
        if cells:
            parts.append(pn.GridBox(*map(steady_grid_cell, cells), ncols=section.columns, sizing_mode="stretch_width"))
        if section.note:
            parts.append(self.text_pane(section.note))
        return pn.Column(*parts, sizing_mode="stretch_width")

    def cell(self, view: View):
        """The Panel object of one view: its live plot or text (CSS class ``kv-<key with dashes>``)
        kept in ``self.panes``, with what goes beside and below it, shown while ``shown_when()``
        holds. While a served page is first built, every view but the main one (and what goes
        beside or below the main one) is a placeholder filled just after the first paint
        (:meth:`_draw_after_paint`); a placeholder stretches as a cell does, so a grid is laid
        out as if it were drawn."""
        if self._after_paint is None or view.main:
            return self._cell(view)
        placeholder, tab = pn.Column(sizing_mode="stretch_width"), self._building_tab

        def draw():
            with self._building_in(tab):
                placeholder.objects = [self._cell(view)]

        self._after_paint.append(draw)
        return placeholder

    def _cell(self, view: View):
        if view.text:
            shown = self.live_text(view.key, view.build, view.triggers, css_classes=["kv-" + view.key.replace("_", "-")])
        else:
            shown = self.live(view.key, view.build, view.triggers, css_classes=["kv-main-plot"] if view.main else ())
        self.panes[view.key] = shown
        if view.own_size:
            shown.sizing_mode = "fixed"  # a stretched pane would distort equal axes
        if not (view.own_size or view.below or view.beside or view.shown_when):
            return shown
        if view.beside is not None:
            shown = pn.Row(shown, *self._extras(view.beside), sizing_mode="stretch_width")
        box = pn.Column(shown, *self._extras(view.below), sizing_mode="stretch_width")
        if view.shown_when is not None:
            def show(*_):
                box.visible = bool(run(view.shown_when))

            run = self.follower(show)
            show()
        return box

    def _extras(self, build: Callable[[], list] | None) -> list:
        """What ``build()`` gives (to show beside or below a view, or the sidebar's export group);
        while a served page is first built, a placeholder filled after the first paint."""
        if build is None:
            return []
        if self._after_paint is None:
            return list(build())
        placeholder = pn.Column(sizing_mode="stretch_width")
        self._after_paint.append(lambda: setattr(placeholder, "objects", list(build())))
        return [placeholder]

    def notify(self, name: str) -> None:
        """Refresh the views (and texts) that list ``name`` among their ``triggers``: state that is
        not a parameter changed (an upload, the reader's points, a finished sweep)."""
        event = SimpleNamespace(name=name)
        for listener in self._listeners.get(name, ()):
            listener(event)

    def task(self, key: str, work: Callable[..., Any], done: Callable[[Any], None],
             prepare: Callable[[], Any] | None = None, label: Callable[[], str] | None = None) -> Task:
        """A button labelled with the text ``key`` (or what ``label()`` gives in the page's language,
        for a text of another table) running ``work(progress)`` off the event loop,
        with a progress bar and a cancel button; ``done(result)`` runs on the session's tick, a
        failure is explained in the error area (see :mod:`kexue_viz.tasks`). ``prepare()``, if
        given, runs at the press on the session's thread and its result is the work's first
        argument, ``work(prepared, progress)``: read the settings there, not in the work. CSS
        class: ``kv-<key with dashes>``. Show ``task.layout``."""
        def finished(result):
            self.clear_error(key)
            done(result)

        task = Task(work, finished, lambda error: self.report(self.message("failed", reason=error), source=key),
                    label=label or (lambda: self.t(key)), cancel_label=lambda: self.t("cancel"),
                    css_class="kv-" + key.replace("_", "-"), schedule=next_tick, prepare=prepare)
        self.param.watch(lambda _: task.relabel(), "lang")
        return task

    def figure(self):
        """The HoloViews object the export writes, for the current parameters and language."""
        raise NotImplementedError

    def cached_view(self, name: str, key: tuple, build: Callable[[], Any]):
        """A view built once per ``key`` (plus language, styling backends and whether it is
        deferred, see :mod:`kexue_viz.plot`: a live plot's spec never reaches an export or a
        test): an unchanged view comes back as the same object, which
        :class:`~kexue_viz.live.LivePlot` skips at no cost."""
        return self._views.fetch((name, self.lang, style.active_backends(), plot.is_deferred(), *key), build)

    def follower(self, on_change: Callable[..., None], triggers=()) -> Callable[[Callable[[], Any]], Any]:
        """A function ``run(build)`` that calls ``build()`` recording the parameters it reads (see
        :meth:`reading`), after which ``on_change`` watches exactly those, ``triggers`` (parameters
        standing for state that is not a parameter: names given to :meth:`notify`, e.g. when an
        upload arrives) and the language. What a view depends on is what it reads, stated nowhere else; a failed
        build still watches what it read (a change may mend it). ``run.watched()``: the names."""
        watching: dict[str, Any] = {"names": (), "watcher": None}
        events = [name for name in triggers if name not in self.param]
        for name in events:
            self._listeners.setdefault(name, []).append(on_change)

        def run(build: Callable[[], Any]) -> Any:
            reads: set[str] = set()
            try:
                with self.reading() as reads:
                    return build()
            finally:
                names = tuple(sorted(reads | (set(triggers) - set(events)) | {"lang"}))
                if names != watching["names"]:
                    if watching["watcher"] is not None:
                        self.param.unwatch(watching["watcher"])
                    watching.update(names=names, watcher=self.param.watch(on_change, list(names)))

        run.watched = lambda: watching["names"]
        return run

    def live(self, key: str, build: Callable[[], Any], triggers=(), css_classes=()) -> pn.pane.Bokeh:
        """A plot of ``build()`` that refreshes in place when what it read changes (see
        :meth:`follower`); returns its Panel pane. Both building the view and drawing it are
        guarded (see :meth:`guard`): a failure is explained in the page and the plot keeps its
        last view."""
        changed: list[str] = []  # dependencies changed since the refresh was scheduled

        def refresh():
            started, names = time.time(), ",".join(changed)
            changed.clear()
            draw()
            log.debug("refresh %s started %.3f took %.1f ms (%s)", key, started, 1e3 * (time.time() - started), names)

        def schedule(*events):
            """Refresh on the session's next tick (see :func:`next_tick`): the plot's Bokeh models
            change under the document's lock whoever changed the parameter, and the changes of
            one update (several parameters, one after the other) make one refresh."""
            scheduled = bool(changed)
            changed.extend(event.name for event in events)
            if scheduled:
                return
            if tab is not None and tab != self._open_tab:  # drawn when the reader opens the tab
                self._stale.setdefault(tab, {})[key] = refresh
                return
            next_tick(refresh, live_plot.document())

        tab = self._building_tab
        if tab is not None:
            self.view_tabs[key] = tab

        run = self.follower(schedule, triggers)
        live_plot = LivePlot(self.guard(key, partial(run, build), lambda: plot.Curve([])), css_classes=css_classes)
        draw = self.guard(f"{key} (drawing)", live_plot.refresh, lambda: None)
        self._live[key] = LiveView(build, run.watched)
        return live_plot.pane

    def live_text(self, key: str, render: Callable[[], str], triggers=(), css_classes=()) -> pn.pane.Markdown:
        """A Markdown pane showing ``render()``, rendered anew when what it read changes (see
        :meth:`follower`); a failure is explained in the page (see :meth:`guard`)."""
        pane = pn.pane.Markdown(sizing_mode="stretch_width", css_classes=list(css_classes))
        shown = self.guard(key, render, lambda: "")

        def update(*_):
            pane.object = run(shown)

        run = self.follower(update, triggers)
        update()
        self._live[key] = LiveView(render, run.watched)
        return pane

    def extra_controls(self) -> list:
        """Widgets that are not plain parameters (uploads, players); shown under the sidebar."""
        return []

    # ---- export ---------------------------------------------------------------------------
    def exportable_views(self) -> dict[str, str]:
        """The views an export can write alone, key -> label in the page's language (the text
        ``export_view.<key>``): every view of every section but the text ones, in the order of
        the sections and, within one, as it places them (:meth:`Section.views_in_page_order`)."""
        return {view.key: self.option_label("export_view", view.key) for view in self._plot_views().values()}

    def _plot_views(self) -> dict[str, View]:
        """The non-text views of :meth:`sections` by key, in page order."""
        return {view.key: view for section in self.sections()
                for view in section.views_in_page_order() if not view.text}

    def export_files(self, formats: tuple[str, ...], view: str | None = None, width: str = "column") -> dict[str, bytes]:
        """The composed figure (``view`` ``None`` or :data:`WHOLE_FIGURE`) or the view with key
        ``view`` alone, drawn once and saved in each of ``formats`` (PNG/SVG/PDF) at the preset
        ``width`` (:data:`~kexue_viz.export.WIDTHS`): format -> bytes, the parameters (and the view
        and width) in the metadata. An unknown view raises a :class:`~kexue_viz.i18n.TextError`
        naming the views there are."""
        load_backends()
        metadata = {"dashboard": self.slug, "width": width}
        if view in (None, WHOLE_FIGURE):
            shown = self.figure()
        else:
            views = self._plot_views()
            if view not in views:
                raise TextError(FRAME_TEXT, "unknown_view", name=view, views=", ".join(views))
            shown, metadata["view"] = views[view].build(), view
        return figure_files(plot.materialize(shown), formats, metadata={**metadata, **self.settings()}, width=width)

    def export_bytes(self, fmt: str = "png", view: str | None = None, width: str = "column") -> bytes:
        """One format of :meth:`export_files`: what the export button and ``kexue-viz export`` write."""
        return self.export_files((fmt,), view, width)[fmt.lower()]

    def export_filename(self) -> str:
        """The export button's file name: ``kexue_viz-<slug>[-<view>][-<width>].<format>``, the view
        and the width named unless they are the whole figure and the default width."""
        view = "" if self.export_view == WHOLE_FIGURE else f"-{self.export_view}"
        width = "" if self.export_width == self.param.export_width.default else f"-{self.export_width}"
        return f"kexue_viz-{self.slug}{view}{width}.{self.export_format}"

    def _export_file(self):
        """The export button's file (see :meth:`download`)."""
        return self.download(lambda: self.export_bytes(self.export_format, self.export_view, self.export_width))

    def download(self, produce: Callable[[], bytes]) -> io.BytesIO:
        """``produce()`` as a download button's file; a failure is explained in the page (a ``ValueError`` is
        the reader's to fix, e.g. nothing computed to export yet; anything else is also logged as a fault)."""
        try:
            return io.BytesIO(produce())
        except ValueError as error:
            self.report(self.message("failed", reason=error), source="export")
        except Exception as error:
            log.error("export failed:\n%s", traceback.format_exc())
            self.report(self.message("failed", reason=error), source="export")
        return io.BytesIO(b"")

    def _interactive_export(self) -> list:
        """The interactive HTML export's controls (:func:`kexue_viz.embed.export_controls`)."""
        from .embed import export_controls  # (it builds on this module)

        return export_controls(self)

    # ---- layout ---------------------------------------------------------------------------
    def _widget(self, name: str, **options) -> pn.widgets.Widget:
        """The widget of parameter ``name``, labelled in the page's language; ``widget_options[name]``
        and then ``options`` may give its ``type`` and further settings."""
        options = {**self.widget_options.get(name, {}), **options}
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
                     to_frame: Callable[[Any], int], interval_ms: float) -> pn.widgets.Player:
        """Wire ``player`` to the scrubbed parameter ``name`` (see :class:`ScrubPlayer`); frame ``f``
        stands for the value ``to_value(f)``, a value for the frame ``to_frame(value)``."""
        ScrubPlayer(self, name, player, to_value, to_frame, interval_ms)
        player._debounce = EVENT_DELAY_MS  # as for every control (see register_widget)
        return player

    def register_widget(self, name: str, widget: pn.widgets.Widget) -> pn.widgets.Widget:
        """Make ``widget`` relabel with the language and answer without Panel's batching delay;
        drop the tooltip ``from_param`` makes of the parameter's ``doc`` (a note for programmers,
        in English on both pages).

        Panel holds each browser change for ``Syncable._debounce`` = 50 ms to merge bursts; that
        was a third of a slider move's measured latency. Events that arrive while an update runs
        are still merged, so a short delay loses nothing here (a private Panel attribute, set per
        widget instance)."""
        widget._debounce = EVENT_DELAY_MS
        if "description" in widget.param:
            widget.description = None
        self._widgets[name] = widget
        return widget

    def _relabel(self, *events) -> None:
        """Relabel the registered widgets (and the options of a parameter's selector) and reread
        the messages shown; views read the language when they are built."""
        for name, widget in self._widgets.items():
            widget.label = self.t(name)
            parameter = self.param[name] if name in self.param else None
            if isinstance(parameter, param.Selector) and name != "lang":
                widget.options = {self.option_label(name, v): v for v in parameter.objects}
        self._show_problems()

    def _header(self):
        links = " · ".join(f"[{self.t(title)}]({url})" for title, url in self.posts)
        return pn.pane.Markdown(f"## {self.t('title')}\n{self.t('posts')}: {links}",
                                css_classes=["kv-header"], sizing_mode="stretch_width")

    def _follow_link(self, location) -> None:
        """Apply the settings of the page's link (:meth:`apply_link`), then write each change of
        a :meth:`url_parameters` into it (:meth:`_write_link`).

        Called before the page is built, so the page opens in the link's state and language at
        once, and this watcher runs before every watcher the page adds: a change goes to the
        address bar ahead of the work it starts. (Panel's ``location.sync``, called once the page
        was built, wrote the link after that work: the address bar followed a control by 0.5–3 s
        and a language switch by up to 40 s on 2 cores, the URL's message queued behind the
        re-rendered plots; and it wrote a slider's 1.0999999999999999 as is.)"""
        link = dict(parse_qsl(location.search.lstrip("?"), keep_blank_values=True))
        link.pop(ROUTE_KEY, None)  # names the dashboard, not a setting; _write_link keeps it
        self.apply_link(link)
        self.param.watch(partial(self._write_link, location), self.url_parameters())

    def _write_link(self, location, *events) -> None:
        """Put the new values of ``events`` into the link's query (:func:`url_text`), leaving
        the other entries as they are."""
        query = dict(parse_qsl(location.search.lstrip("?"), keep_blank_values=True))
        query.update({event.name: url_text(event.new) for event in events})
        location.search = "?" + urlencode(query, safe=",;")

    def __panel__(self):
        if self._layout is not None:
            return self._layout
        init_extension()
        if pn.state.location is not None and served_document() is not None:
            self._follow_link(pn.state.location)
        # after the link's watcher: the browser applies a page's changes in order, and relabelling
        # the sidebar's selects took it 2.5 s (hippo, 2 cores) before the link took a language
        self.param.watch(self._relabel, "lang")
        language = pn.widgets.RadioButtonGroup.from_param(self.param.lang, options={"中文": "zh", "English": "en"},
                                                          description=None, sizing_mode="stretch_width")
        header = pn.panel(pn.bind(lambda lang: self._header(), self.param.lang), sizing_mode="stretch_width")
        document = served_document()
        self._after_paint = [] if document is not None else None
        try:
            sidebar = pn.Column(pn.Row(language, busy_indicator(), sizing_mode="stretch_width"),
                                *_sidebar_styled([self._widget(name) for name in self.controls]),
                                *_sidebar_styled(self.extra_controls()), *self._extras(self._export_controls),
                                width=SIDEBAR_WIDTH, css_classes=["kv-sidebar"])
            main = self.build_views()
        finally:
            pending, self._after_paint = self._after_paint or [], None
        if pending:
            self._after_first_paint(partial(self._draw_after_paint, pending, document), document)
        else:
            self._ready.object = READY_MARK
        self._layout = pn.Row(sidebar, pn.Column(self._ready, header, self._error, main, sizing_mode="stretch_width"),
                              sizing_mode="stretch_width")
        return self._layout

    def _export_controls(self) -> list:
        """The sidebar's export group (below its controls: on a served page it is filled just after
        the first paint, see :meth:`_extras`): what to export, format and width, the export button
        and the interactive export. The busy spinner is not in it: its style is set from whichever
        session is busy (:func:`busy_indicator`), and a change to a model whose definition was still
        on its way reached the browser first ("reference … isn't known", seen with seven pages)."""
        self._export_button = self.register_widget("export", pn.widgets.FileDownload(
            callback=self._export_file, filename=self.export_filename(),
            label=self.t("export"), embed=False, color="primary", css_classes=["kv-export"],
            sizing_mode="stretch_width"))
        self.param.watch(lambda _: setattr(self._export_button, "filename", self.export_filename()),
                         ["export_format", "export_view", "export_width"])
        return _sidebar_styled([
            self._widget("export_view"),
            pn.Row(pn.widgets.RadioButtonGroup.from_param(self.param.export_format, description=None, width=120),
                   self._widget("export_width", type=pn.widgets.RadioButtonGroup)),
            self._export_button,
            *self._interactive_export(),
        ])

    def _after_first_paint(self, callback: Callable[[], None], document: Document) -> None:
        """Call ``callback`` once, when the browser has painted the main plot (two animation
        frames after it laid the plot out: :data:`PAINTED_JS` tags the figure, which the browser
        sends back), or :data:`FIRST_PAINT_TIMEOUT_MS` after the document is ready if no word
        came by then (no main plot, a failed one). Drawing the rest of a page as soon as its
        document was ready sent the browser new plots while it was still laying out the first
        one: the Adam-ε page's main plot showed 0.2–0.3 s later. Every step runs on this page's
        ``document`` by name: with several pages served at once, the session context current when the
        browser's message or the timer arrives is not always this page's (a page then waited for
        its ready mark for ever, one time in a few with seven pages opened together)."""
        started = []

        def start(*_):
            if not started:
                started.append(True)
                callback()

        main = next((pane.object for pane in self.panes.values()
                     if "kv-main-plot" in getattr(pane, "css_classes", ()) and pane.object is not None), None)
        if main is not None:
            main.js_on_change("inner_width", CustomJS(code=PAINTED_JS))
            main.on_change("tags", lambda attr, old, new: PAINTED_TAG in new and next_tick(start, document))
        pn.state.onload(lambda: document.add_timeout_callback(partial(next_tick, start, document),
                                                              FIRST_PAINT_TIMEOUT_MS))

    def _draw_after_paint(self, pending: list[Callable[[], None]], document: Document) -> None:
        """Draw the views other than the main one (fill their placeholders, see :meth:`cell`), one
        per tick (each reaches the browser as soon as it is drawn), once the browser has painted
        the page; then mark the page drawn (:data:`READY_MARK`: what the browser tests wait for)."""
        if not pending:
            self._ready.object = READY_MARK
            return
        try:
            pending[0]()
        except Exception:  # one cell that cannot be built must not leave the rest of the page undrawn
            log.error("drawing a view after the first paint failed:\n%s", traceback.format_exc())
        next_tick(partial(self._draw_after_paint, pending[1:], document), document)


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


def rejection_of(parameter: param.Parameter, value: Any) -> tuple[str, dict[str, str]] | None:
    """Why ``value`` does not fit ``parameter`` (type, options, bounds) as a text key of
    :data:`~kexue_viz.i18n.FRAME_TEXT` and the values it needs, or ``None`` when it fits."""
    if isinstance(parameter, param.Boolean):
        return None if isinstance(value, bool) else ("must_be_boolean", {})
    if isinstance(parameter, param.Selector):
        options = {"options": ", ".join(url_text(option) for option in parameter.objects)}
        chosen = value if isinstance(parameter, param.ListSelector) and isinstance(value, list) else [value]
        fits = all(item in parameter.objects for item in chosen)
        return None if fits else ("must_be_option", options)
    if isinstance(parameter, param.Range):
        low, high = parameter.bounds
        fits = (isinstance(value, tuple) and len(value) == 2 and all(_is_real(v) for v in value)
                and low <= value[0] <= value[1] <= high)
        return None if fits else ("must_be_range", {"lo": f"{low:.12g}", "hi": f"{high:.12g}"})
    if isinstance(parameter, param.Integer) and not (isinstance(value, numbers.Integral) and _is_real(value)):
        return "must_be_integer", {}
    if isinstance(parameter, param.Number):
        if not _is_real(value):
            return "must_be_number", {}
        low, high = parameter.bounds or (None, None)
        low_inclusive, high_inclusive = parameter.inclusive_bounds
        below = low is not None and (value < low if low_inclusive else value <= low)
        above = high is not None and (value > high if high_inclusive else value >= high)
        if below or above:
            return "must_be_between", {"lo": f"{low:.12g}" if low is not None else "−∞",
                                       "hi": f"{high:.12g}" if high is not None else "∞"}
    return None


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and not math.isnan(value)


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
