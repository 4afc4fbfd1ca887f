"""One view of a dashboard as a self-contained interactive HTML file: no server, no network.

:func:`interactive_html` varies one or two parameters of a dashboard over a grid of values
(:func:`parameter_grid`), builds the view once per combination (every state precomputed, the other
parameters at their current values, the page's language), and lets Panel embed the states
(``save(embed=True)``): the file holds sliders (numbers) or selects (options), the Bokeh figure of
the first state and, per state, the changes of the figure's models, replayed in the browser when a
control moves. BokehJS and Panel's JS are inlined, and so is every stylesheet that Panel names by
its CDN address or a server's path (:func:`inline_panel_files`): the file asks no host for
anything, as the design's offline rule wants (an author drops it into a post or opens it from disk).

Bounds: at most :data:`MAX_STATES` states (the product of the grids' lengths) and
:data:`MAX_BYTES` bytes; more is refused with a ``ValueError`` saying what to change. The file
starts at about 2.9 MB (the inlined JS) and grows by what a state changes (19–206 KiB for the
dashboards' main views). For the same dashboard, settings and values the bytes are the same
(:func:`deterministic_ids`) in processes with the same string-hash seed (``PYTHONHASHSEED``: a few
of HoloViews' steps go through sets of names, see :data:`~kexue_viz.cli.HTML_HASH_SEED`).

The dashboards offer it beside the export button (:func:`export_controls`), made by a child process
running ``kexue-viz export`` (:func:`prepare_in_child`) from a task (progress, cancel): 6–15 s for
21 states on 2 cores, during which the server must go on answering every reader, and Panel's save
switches process-wide settings for its duration (the resource mode, Bokeh's property comparison)
that other sessions' renders would pick up, so it can run neither on the session's thread nor in a
worker thread of the server. At most :data:`MAX_CHILDREN` such processes run per server process.
"""
from __future__ import annotations

import hashlib
import io
import itertools
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import holoviews as hv
import numpy as np
import panel as pn
import param
from bokeh.document import Document
from bokeh.resources import INLINE
from panel.io.resources import CDN_DIST, get_dist_path
from panel.io.state import set_curdoc

from . import plot, style
from .cli import HTML_HASH_SEED
from .i18n import TextError, TextTable
from .live import bokeh_renderer
from .notebook import local_stylesheet_url
from .style import load_backends
from .ui import FRAME_CSS, WHOLE_FIGURE, Dashboard, parse_setting, rejection_of, url_text

MAX_STATES = 50
MAX_BYTES = 20 * 2 ** 20
# the values a parameter takes when none are given: its options or its grid (bounds and step),
# thinned evenly to at most this many, by the number of parameters varied (1 or 2)
DEFAULT_VALUES = {1: 21, 2: 7}
# the share of the work that building the states' views takes (the rest: Panel rendering and
# recording them), for the progress reported (hippo's 21 states: 1.4 s of 6.0 s)
BUILD_SHARE = 0.25
Progress = Callable[[float], None]  # progress(fraction done, 0..1)

TEXT = TextTable({
    "caption": {"zh": "拖动{varied}即可查看每个状态（均已预先计算，无需服务器）。",
                "en": "Move {varied} to see each state (all precomputed: no server needed)."},
    "and": {"zh": "和", "en": " and "},
    "settings": {"zh": "其余设置", "en": "Other settings"},
    "made_by": {"zh": "由 kexue_viz 生成", "en": "Made with kexue_viz"},
    # the dashboard's controls of the interactive export (export_controls)
    "vary": {"zh": "交互式 HTML：可拖动的参数（最多两个）", "en": "Interactive HTML: parameters to move (up to two)"},
    "prepare": {"zh": "准备交互式 HTML", "en": "Prepare interactive HTML"},
    "download": {"zh": "下载交互式 HTML（{size} MB）", "en": "Download interactive HTML ({size} MB)"},
    "choose": {"zh": "请先选择一到两个要拖动的参数", "en": "Choose one or two parameters to move first"},
    "busy": {"zh": "服务器正在为另一位读者准备交互式文件：请几秒后再按一次",
             "en": "the server is preparing another reader's interactive file: press again in a few seconds"},
    # refusals a reader can meet in the page (the CLI prints the English)
    "not_read": {"zh": "视图 {view} 不依赖 {names}（它读取的参数：{reads}）",
                 "en": "the view {view!r} does not depend on {names}; it reads {reads}"},
    "fails_at": {"zh": "视图 {view} 在 {state} 时出错：{reason}", "en": "the view {view!r} fails at {state}: {reason}"},
    "too_large": {"zh": "交互式文件将有 {size} MB，超过 {bound} MB 的上限：请减少取值",
                  "en": "the interactive file would be {size} MB, above the bound of {bound} MB: vary fewer values"},
})


def varying_names(dashboard: Dashboard) -> list[str]:
    """The parameters :func:`interactive_html` can vary: numbers with bounds, single-choice
    options and booleans among the dashboard's settings (not the language)."""
    return [name for name in dashboard.url_parameters() if name != "lang" and _varies(dashboard.param[name])]


def _varies(parameter: param.Parameter) -> bool:
    if isinstance(parameter, (param.ListSelector, param.Range)):
        return False
    if isinstance(parameter, param.Number):
        return parameter.bounds is not None and None not in parameter.bounds
    return isinstance(parameter, (param.Selector, param.Boolean))


def parameter_grid(dashboard: Dashboard, name: str, count: int) -> list:
    """At most ``count`` values of parameter ``name``, always with its current value: its options
    (a selector, a boolean), else its bounds in steps of its control's ``step`` (1 for an integer;
    ``count`` even steps without one); a longer list is thinned evenly, ends kept."""
    parameter, current = dashboard.param[name], getattr(dashboard, name)
    if isinstance(parameter, param.Boolean):
        values = [False, True]
    elif isinstance(parameter, param.Selector):
        values = list(parameter.objects)
    else:
        values = _number_grid(parameter, dashboard.widget_options.get(name, {}).get("step"), count)
    if len(values) > count:
        values = [values[i] for i in sorted(set(np.linspace(0, len(values) - 1, count).round().astype(int)))]
    if current not in values:
        values = _with_current(values, current)
    return values


def _number_grid(parameter: param.Number, step: float | None, count: int) -> list:
    """The bounds of a number in steps of ``step`` (or ``count`` even steps), as the slider writes them."""
    low, high = parameter.bounds
    if isinstance(parameter, param.Integer):
        return list(range(int(low), int(high) + 1, int(step or 1)))
    grid = np.arange(low, high + step / 2, step) if step else np.linspace(low, high, count)
    return [float(f"{value:.12g}") for value in grid]


def _with_current(values: list, current: Any) -> list:
    """``values`` with ``current``: numbers in place of the inner value nearest it (the ends stay;
    sorted), anything else added at the end."""
    numeric = isinstance(current, (int, float)) and not isinstance(current, bool)
    if not numeric or len(values) < 3:
        return sorted([*values, current]) if numeric else [*values, current]
    nearest = min(range(1, len(values) - 1), key=lambda i: abs(values[i] - current))
    return sorted([*values[:nearest], current, *values[nearest + 1:]])


def interactive_html(dashboard: Dashboard, view_key: str, vary: Sequence[str],
                     values: dict[str, Sequence] | None = None, progress: Progress | None = None) -> bytes:
    """The view ``view_key`` of ``dashboard`` as a self-contained HTML file (UTF-8 bytes) with a
    control for each parameter of ``vary`` (one or two of :func:`varying_names`) over ``values``
    (default: :func:`parameter_grid` of :data:`DEFAULT_VALUES`). Every state is built here from the
    dashboard's current settings (restored afterwards). Raises ``ValueError`` for an unknown view or
    parameter, a value out of bounds, more than :data:`MAX_STATES` states, a view that reads none
    of ``vary``, a state whose view fails, or a file above :data:`MAX_BYTES`. ``progress(fraction)``,
    if given, is told as each state is built and as each is recorded."""
    vary, progress = tuple(vary), progress or (lambda fraction: None)
    grids = state_grids(dashboard, vary, values or {})
    view = _view(dashboard, view_key)
    frames = build_states(dashboard, view, grids, lambda built: progress(BUILD_SHARE * built))
    html = embedded_page(dashboard, view_key, grids, frames,
                         lambda recorded: progress(BUILD_SHARE + (1 - BUILD_SHARE) * recorded))
    if len(html) > MAX_BYTES:
        raise TextError(TEXT, "too_large", size=f"{len(html) / 2 ** 20:.1f}", bound=f"{MAX_BYTES / 2 ** 20:.0f}")
    return html


def state_grids(dashboard: Dashboard, vary: tuple[str, ...], values: dict[str, Sequence]) -> dict[str, list]:
    """The values of each varied parameter (given ones may be strings, read as a link's), checked
    against its bounds, in the order of ``vary``."""
    if not 1 <= len(vary) <= 2 or len(set(vary)) != len(vary):
        raise ValueError(f"vary one or two different parameters, not {list(vary)}")
    allowed = varying_names(dashboard)
    for name in [*vary, *values]:
        if name not in allowed or name not in vary:
            raise ValueError(f"{name!r} cannot be varied here; the parameters that can: {', '.join(allowed)}")
    grids = {}
    for name in vary:
        parameter = dashboard.param[name]
        grid = ([parse_setting(parameter, value) for value in values[name]] if name in values
                else parameter_grid(dashboard, name, DEFAULT_VALUES[len(vary)]))
        for value in grid:
            if rejection_of(parameter, value) is not None:
                raise ValueError(f"{name}={url_text(value)} is outside what the parameter takes")
        grids[name] = list(dict.fromkeys(grid))
    states = math.prod(len(grid) for grid in grids.values())
    if states > MAX_STATES:
        raise ValueError(f"{' × '.join(str(len(g)) for g in grids.values())} = {states} states, above the bound of "
                         f"{MAX_STATES}: give fewer values")
    return grids


def _view(dashboard: Dashboard, key: str):
    """The plot view ``key`` of the dashboard's sections."""
    views = dashboard._plot_views()
    if key not in views:
        raise ValueError(f"there is no plot view {key!r}; the views: {', '.join(views)}")
    return views[key]


def build_states(dashboard: Dashboard, view, grids: dict[str, list],
                 progress: Progress = lambda fraction: None) -> dict[tuple, Any]:
    """The view's HoloViews object (Bokeh styling) for every combination of the grids' values,
    by tuple of values, ``progress`` told the fraction built after each; the dashboard's settings
    are restored afterwards. A view that reads none of the varied parameters (or their settled
    twins, see ``Dashboard.SCRUBBED``), or fails in a state, raises ``ValueError``."""
    names = list(grids)
    saved = {name: getattr(dashboard, name) for name in names}
    frames, read = {}, set()
    states = math.prod(len(grid) for grid in grids.values())
    try:
        for combination in itertools.product(*grids.values()):
            dashboard.param.update(dict(zip(names, combination)))
            try:
                with dashboard.reading() as reads, style.only("bokeh"):
                    frames[combination] = plot.materialize(view.build())
            except Exception as error:
                state = ", ".join(f"{n}={url_text(v)}" for n, v in zip(names, combination))
                raise TextError(TEXT, "fails_at", view=view.key, state=state, reason=error) from error
            read |= reads
            progress(len(frames) / states)
    finally:
        dashboard.param.update(saved)
    unread = [name for name in names if name not in read and dashboard.SCRUBBED.get(name) not in read]
    if unread:
        raise TextError(TEXT, "not_read", view=view.key, names=", ".join(unread), reads=", ".join(sorted(read - {"lang"})))
    return frames


def _control(dashboard: Dashboard, name: str, grid: list) -> pn.widgets.Widget:
    """A slider over the grid for numbers, a select (with the dashboard's option labels) otherwise."""
    label, current = dashboard.label(name), getattr(dashboard, name)
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in grid)
    if numeric:
        return pn.widgets.DiscreteSlider(label=label, options={url_text(v): v for v in grid}, value=current,
                                         css_classes=[f"kv-param-{name}"], width=360)
    return pn.widgets.Select(label=label, options={dashboard.option_label(name, v): v for v in grid}, value=current,
                             css_classes=[f"kv-param-{name}"], width=360)


def embedded_page(dashboard: Dashboard, view_key: str, grids: dict[str, list], frames: dict[tuple, Any],
                  progress: Progress = lambda fraction: None) -> bytes:
    """The HTML file: title, caption, the controls, the figure (its states embedded by Panel) and
    the other settings, every file Panel would fetch inlined, ids deterministic. ``progress`` is
    told the fraction of the states Panel has recorded (:func:`_count_states`)."""
    load_backends()
    names = list(grids)
    controls = [_control(dashboard, name, grid) for name, grid in grids.items()]
    first = tuple(getattr(dashboard, name) for name in names)
    # a HoloMap: HoloViews updates the figure in place from one state to the next (its data, titles,
    # ranges), so a state records only what changes, and costs an update rather than a render
    states = hv.HoloMap(frames, kdims=names, sort=False)
    kinds = {type(element).__name__ for element in states.traverse(lambda e: e, [hv.Element])}
    states = states.opts({kind: {"framewise": True} for kind in sorted(kinds)}, backend="bokeh")
    figure = pn.pane.HoloViews(states, renderer=bokeh_renderer(), backend="bokeh", name="figure",
                               widgets=dict(zip(names, controls)), widget_location="top_left", center=False)
    for control, value in zip(controls, first):
        control.value = value
    _count_states(controls, list(grids.values()), progress)
    title = dashboard.t("title")
    view_label = dashboard.exportable_views().get(view_key, view_key)
    lang = dashboard.lang
    caption = TEXT.get("caption", lang, varied=TEXT.get("and", lang).join(dashboard.label(name) for name in names))
    others = "; ".join(f"{dashboard.label(name)} ({name}) = {url_text(value)}"
                       for name, value in dashboard.settings().items() if name not in names and name != "lang")
    # every Panel object named: its default name counts the objects made in the process
    page = pn.Column(
        pn.pane.Markdown(f"## {title} · {view_label}\n\n{caption}", sizing_mode="stretch_width", name="caption"),
        figure.layout,
        pn.pane.Markdown(f"<small>{TEXT.get('settings', lang)}: {others}. "
                         f"{TEXT.get('made_by', lang)} ({dashboard.slug}).</small>", sizing_mode="stretch_width",
                         name="settings"),
        sizing_mode="stretch_width", name="page",
    )
    buffer = io.StringIO()
    # safe_embed: record every property a state sets, changed or not. The frame's stylesheet (its fonts)
    # whether or not this process has shown a dashboard (which adds it to Panel's config): the same
    # bytes in a server and in the CLI. A document of its own as Panel's current one: Panel shares
    # stylesheet objects per current document, and in a served session that is the reader's page,
    # whose stylesheets the save would point at the CDN (seen in the browser test)
    with pn.config.set(safe_embed=True, raw_css=[FRAME_CSS]), set_curdoc(Document()):
        page.save(buffer, title=f"{title} · {view_label}", resources=INLINE, embed=True,
                  max_states=MAX_STATES, max_opts=MAX_STATES, progress=False)
    html = deterministic_ids(inline_panel_files(_ICON_LINK.sub("", buffer.getvalue())))
    return re.sub(r"<html lang=\"\w+\"\s*>", f"<html lang=\"{lang}\">", html, count=1).encode("utf-8")


def _count_states(controls: list[pn.widgets.Widget], grids: list[list], progress: Progress) -> None:
    """Tell ``progress`` the fraction of the states Panel's embedding has recorded: it goes through
    the grids' product, the last control's value changing from each state to the next (the last one
    with more than one value; see ``panel.io.embed.embed_state``), so its changes count the states
    (the value restored at the end is not counted beyond their number)."""
    states = math.prod(len(grid) for grid in grids)
    inner = next((control for control, grid in zip(controls[::-1], grids[::-1]) if len(grid) > 1), controls[-1])
    recorded = itertools.count(1)
    inner.param.watch(lambda _: progress(min(next(recorded), states) / states), "value")


# Panel names its stylesheets by their CDN address, or (in a served session, or where a served page's
# hook, kexue_viz.notebook.local_stylesheets, rewrote them) by the path its server serves them under
_PANEL_STYLESHEET = re.compile("(?:" + re.escape(CDN_DIST) + r"|(?:\.{1,2}/|/)*" + re.escape(get_dist_path(cdn=False))
                               + r")([\w./-]+?\.css)(?:\?v=[\w.]+)?")
_ICON_LINK = re.compile(r'<link rel="(?:apple-touch-)?icon"[^>]*>\n?')  # the template's Panel icons: not needed


def inline_panel_files(html: str) -> str:
    """``html`` with every address of a stylesheet of Panel's distribution replaced by the installed
    file as a ``data:`` URL (percent-encoded: characters that need no escape in the JSON strings,
    nested or not, that carry it). A stylesheet this Panel does not ship raises."""
    def local(match: re.Match) -> str:
        url = local_stylesheet_url(CDN_DIST + match.group(1))
        if url is None:
            raise ValueError(f"Panel's stylesheet {match.group(1)} is not installed")
        return url

    return _PANEL_STYLESHEET.sub(local, html)


_MODEL_ID = re.compile(r"""(?<=["'])p\d{4,}(?=\\*["'])""")  # Bokeh's "p1234", in JSON nested or not, or JS code
_PANEL_NAME = re.compile(r'("name\\*":\\*")([A-Z][A-Za-z]*)\d{5,}(?=\\*")')  # Panel's default names: "Column00390"
_LINK_TAG = re.compile(r"(?<=\[\[)\d{9,}(?=,)")  # Panel's tag of a JS link: the Python id() of its link
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def deterministic_ids(html: str) -> str:
    """``html`` with what differs between two runs made the same, in its body (the document and its
    states; the head's inlined JS is left as it is): Bokeh's model ids (a process-wide counter) and
    the Python ids Panel tags its JS links with, numbered in order of first appearance; Panel's
    default object names without their process-wide count; the document's random UUIDs replaced by
    ones derived from the content (two different files in one page do not clash)."""
    head, body_tag, body = html.partition("<body>")
    return head + body_tag + _deterministic_body(body) if body_tag else _deterministic_body(html)


def _deterministic_body(html: str) -> str:
    html = _renumbered(_MODEL_ID, "p{}", 1000, html)
    html = _renumbered(_LINK_TAG, "{}", 1, html)
    html = _PANEL_NAME.sub(lambda m: m.group(1) + m.group(2), html)
    digest = hashlib.sha256(_UUID.sub("", html).encode("utf-8")).digest()
    uuids: dict[str, str] = {}

    def stable(match: re.Match) -> str:
        if match.group(0) not in uuids:
            seed = hashlib.sha256(digest + len(uuids).to_bytes(4, "big")).digest()
            uuids[match.group(0)] = str(uuid.UUID(bytes=seed[:16], version=4))
        return uuids[match.group(0)]

    return _UUID.sub(stable, html)


def _renumbered(pattern: re.Pattern, template: str, first: int, text: str) -> str:
    """``text`` with each distinct match of ``pattern`` replaced by ``template`` of its rank (from ``first``)."""
    numbers: dict[str, str] = {}
    return pattern.sub(lambda m: numbers.setdefault(m.group(0), template.format(first + len(numbers))), text)


# ---- in the dashboard: beside the export button -------------------------------------------------
MAX_CHILDREN = 1  # child processes preparing a file at once, per server process; a press beyond is told to retry
_CHILDREN = threading.BoundedSemaphore(MAX_CHILDREN)
POLL_S = 0.2  # how often a task reads its child's progress and its reader's cancel
CHILD_NICENESS = 10  # added to the server's: the child leaves the CPU to the readers' pages first


def chosen_view(dashboard: Dashboard) -> str:
    """The view the dashboard's interactive export shows: the one chosen for export, or the main
    view while the whole figure is chosen (a file shows one view)."""
    if dashboard.export_view != WHOLE_FIGURE:
        return dashboard.export_view
    views = dashboard._plot_views()
    return next((key for key, view in views.items() if view.main), next(iter(views)))


@dataclass(frozen=True)
class ChildExport:
    """An interactive file for a child process to write: its ``kexue-viz export`` command line
    without the output (``-o``), and the file's name."""
    command: tuple[str, ...]
    filename: str


def child_export(dashboard: Dashboard, vary: Sequence[str]) -> ChildExport:
    """The ``kexue-viz export`` of :func:`chosen_view` of ``dashboard`` with controls for ``vary``
    and the dashboard's current settings (its language as ``--lang``, the others as ``--set``, written
    as a link writes them), reporting its progress and a refusal as JSON lines (``--progress``).
    Without a parameter to vary: a ``TextError``."""
    if not vary:
        raise TextError(TEXT, "choose")
    view, settings = chosen_view(dashboard), dashboard.settings()
    sets = [f"--set={name}={url_text(value)}" for name, value in settings.items() if name != "lang"]
    command = (sys.executable, "-m", "kexue_viz.cli", "export", dashboard.slug, "--view", view, "--vary", ",".join(vary),
               "--lang", settings["lang"], *sets, "--progress")
    return ChildExport(command, f"kexue_viz-{dashboard.slug}-{view}.html")


def prepare_in_child(export: ChildExport, progress: Progress) -> tuple[str, bytes]:
    """The file name and the bytes of ``export``, written by a child process (at a lower priority
    than the server's). ``progress`` is told the fraction the child reports every :data:`POLL_S`; a
    :class:`~kexue_viz.tasks.Cancelled` it raises (the reader's cancel) kills the child. At most
    :data:`MAX_CHILDREN` children at once: beyond, a ``TextError`` asks the reader to press again.
    The child's refusal is raised as a ``TextError`` in both languages; another failure as a
    ``RuntimeError`` with the last line the child wrote to its stderr."""
    if not _CHILDREN.acquire(blocking=False):
        raise TextError(TEXT, "busy")
    try:
        with tempfile.TemporaryDirectory(prefix="kexue_viz-html-") as scratch:
            output = Path(scratch) / export.filename
            _run_child([*export.command, "-o", str(output)], Path(scratch), progress)
            return export.filename, output.read_bytes()
    finally:
        _CHILDREN.release()


def _run_child(command: list[str], scratch: Path, progress: Progress) -> None:
    """Run ``command`` (string hashes seeded with :data:`~kexue_viz.cli.HTML_HASH_SEED`, as the
    command line seeds them itself), its stdout and stderr in
    files in ``scratch``, telling ``progress`` what it reports until it exits; killed if ``progress``
    (or anything here) raises. A failure raises."""
    stdout, stderr = scratch / "stdout", scratch / "stderr"
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                 env={**os.environ, "PYTHONHASHSEED": HTML_HASH_SEED})
    try:
        _lower_priority(child.pid)
        while _running(child):
            progress(_reported(stdout).get("progress", 0.0))
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    if child.returncode != 0:
        raise _failure(_reported(stdout), stderr, child.returncode)


def _lower_priority(pid: int) -> None:
    """Add :data:`CHILD_NICENESS` to process ``pid``'s niceness (where the system has one)."""
    if hasattr(os, "setpriority"):
        try:
            os.setpriority(os.PRIO_PROCESS, pid, min(os.getpriority(os.PRIO_PROCESS, 0) + CHILD_NICENESS, 19))
        except OSError:  # already gone, or not allowed: it runs at the server's priority
            pass


def _running(child: subprocess.Popen) -> bool:
    """Whether ``child`` is still running after waiting up to :data:`POLL_S` for it to exit."""
    try:
        child.wait(timeout=POLL_S)
    except subprocess.TimeoutExpired:
        return True
    return False


def _reported(stdout: Path) -> dict[str, Any]:
    """The complete JSON lines the child wrote to ``stdout``, merged (a later one wins): its last
    ``progress``, and its ``refused`` message, if any (``kexue-viz export --progress``)."""
    lines = stdout.read_text(encoding="utf-8", errors="replace").split("\n")[:-1]  # the last is unfinished
    merged: dict[str, Any] = {}
    for line in lines:
        if line.startswith("{"):
            merged.update(json.loads(line))
    return merged


def _failure(reported: dict[str, Any], stderr: Path, status: int) -> Exception:
    """The child's refusal as a ``TextError`` in both languages, else a ``RuntimeError`` with its
    exit status and the last line of its ``stderr``."""
    if "refused" in reported:
        return TextError(TextTable({"refused": reported["refused"]}), "refused")
    lines = stderr.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return RuntimeError(f"kexue-viz export exited with status {status}: {lines[-1] if lines else '(nothing on stderr)'}")


def export_controls(dashboard: Dashboard) -> list:
    """The sidebar's interactive export: a choice of one or two parameters to move (the probed one
    first); a task (:meth:`Dashboard.task`) preparing :func:`interactive_html` of :func:`chosen_view`
    with the page's settings in a child process (:func:`child_export`, :func:`prepare_in_child`:
    the server goes on answering every reader; what is not a parameter, an upload or a task's run,
    is not carried); once the file is ready, its download, labelled with its size, withdrawn when
    the settings, the view or the parameters to move change. A refusal is explained in the page."""
    choices = varying_names(dashboard)

    def vary_texts() -> dict:
        return {"label": TEXT.get("vary", dashboard.lang), "options": {dashboard.label(name): name for name in choices}}

    vary = pn.widgets.MultiChoice(value=[dashboard.probe] if dashboard.probe in choices else [], max_items=2,
                                  css_classes=["kv-export-vary"], sizing_mode="stretch_width", **vary_texts())
    offered = {"size": "0"}  # MB of the file on offer

    def download_label() -> str:
        return TEXT.get("download", dashboard.lang, size=offered["size"])

    download = pn.widgets.FileDownload(label=download_label(), embed=False, visible=False,
                                       css_classes=["kv-export-html"], sizing_mode="stretch_width")

    def offer(prepared: tuple[str, bytes]) -> None:
        filename, data = prepared
        offered["size"] = f"{len(data) / 2 ** 20:.1f}"
        download.param.update(file=io.BytesIO(data), filename=filename, visible=True, label=download_label())

    def withdraw(*_) -> None:
        download.param.update(visible=False, file=None)

    task = dashboard.task("prepare_html", prepare_in_child, offer, prepare=lambda: child_export(dashboard, vary.value),
                          label=lambda: TEXT.get("prepare", dashboard.lang))
    dashboard.param.watch(withdraw, [*dashboard.url_parameters(), "export_view"])
    vary.param.watch(withdraw, "value")
    dashboard.param.watch(lambda _: vary.param.update(vary_texts()), "lang")
    dashboard.param.watch(lambda _: setattr(download, "label", download_label()), "lang")
    return [vary, task.layout, download]
