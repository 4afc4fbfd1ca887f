"""The HoloViews, Panel and Bokeh internals kexue_viz relies on: one test per internal, exercised
the way the package uses it.

``pyproject.toml`` and ``environment.yml`` cap holoviews, panel and bokeh at the minor versions
these tests passed on. When a test fails after an upgrade, its message names the internal and the
kexue_viz function that depends on it: adapt that function to the new version, then raise the
bound in both files. kexue_viz is imported inside fixtures, so that a library name moved away
fails :func:`test_imported_library_names_exist` with its message rather than the collection.
"""
from __future__ import annotations

import gc
import importlib
import inspect
from importlib.metadata import version
from types import SimpleNamespace

import holoviews as hv
import numpy as np
import panel as pn
import pytest
from bokeh.document import Document
from bokeh.io import curdoc
from bokeh.models import BoxAnnotation, ColumnDataSource, ImportedStyleSheet, Span, TabPanel
from bokeh.settings import settings as bokeh_settings

X = np.linspace(0.0, 1.0, 6)
STEP_MODES = ("steps-pre", "steps-mid", "steps-post")
# (module, name, the kexue_viz module that imports it)
IMPORTED_NAMES = [
    ("holoviews.core.util", "dimension_sanitizer", "kexue_viz/live.py"),
    ("holoviews.operation.element", "interpolate_curve", "kexue_viz/live.py"),
    ("holoviews.core.dimension", "LabelledData", "kexue_viz/style.py"),
    ("holoviews.ipython", "notebook_extension", "kexue_viz/notebook.py (as hv.extension in a kernel)"),
    ("panel.io.resources", "CDN_DIST", "kexue_viz/notebook.py"),
    ("panel.io.resources", "DIST_DIR", "kexue_viz/notebook.py"),
    ("panel.viewable", "Viewable", "kexue_viz/notebook.py"),
    ("panel.io.state", "set_curdoc", "kexue_viz/ui.py"),
    ("bokeh.settings", "settings", "kexue_viz/notebook.py"),
]


def changed(library: str, internal: str, user: str) -> str:
    """The failure message: which library changed what, and where kexue_viz uses it."""
    return (f"{library} {version(library)} changed {internal} that {user} uses; adapt it there, then raise "
            f"the {library} bound in pyproject.toml and environment.yml")


@pytest.fixture(scope="module")
def backends():
    """Both HoloViews backends loaded and Bokeh current, as the frame sets them up."""
    from kexue_viz.style import load_backends

    load_backends()
    hv.Store.set_current_backend("bokeh")


@pytest.fixture(scope="module")
def live(backends):
    from kexue_viz import live
    return live


@pytest.fixture
def render(live):
    """``render(element, doc=None)``: HoloViews' plot of ``element`` as
    :class:`kexue_viz.live.LivePlot` renders it (into a new document by default)."""
    return lambda element, doc=None: live.bokeh_renderer().get_plot(element, doc=doc or Document())


@pytest.fixture(scope="module")
def notebook():
    from kexue_viz import notebook
    return notebook


@pytest.mark.parametrize("module, name, user", IMPORTED_NAMES, ids=[f"{m}.{n}" for m, n, _ in IMPORTED_NAMES])
def test_imported_library_names_exist(module, name, user):
    library = module.split(".")[0]
    try:
        found = hasattr(importlib.import_module(module), name)
    except ImportError:
        found = False
    assert found, changed(library, f"where {module}.{name} lives", user)


# ---- HoloViews: kexue_viz/live.py ----------------------------------------------------------------

def test_server_mode_get_plot_attaches_to_the_given_document(live, render):
    doc = Document()
    hooks_before = len(doc.session_destroyed_callbacks)
    rendered = render(hv.Curve((X, X)), doc)
    where = "the server-mode renderer's get_plot(element, doc=...) (attach to that document, not curdoc)"
    user = "kexue_viz/live.py bokeh_renderer() and LivePlot._render"
    assert live.bokeh_renderer().mode == "server", changed("holoviews", where, user)
    assert rendered.document is doc and rendered.document is not curdoc(), changed("holoviews", where, user)
    assert len(doc.session_destroyed_callbacks) == hooks_before + 1, changed(
        "holoviews", "the session-end hook get_plot adds to the document", user)


def test_plot_cleanup_unhooks_the_plot_from_its_document(render):
    doc = Document()
    hooks_before = len(doc.session_destroyed_callbacks)
    render(hv.Curve((X, X)), doc).cleanup()
    assert len(doc.session_destroyed_callbacks) == hooks_before, changed(
        "holoviews", "Plot.cleanup() (drop the plot's session-end hook from its document)",
        "kexue_viz/live.py LivePlot._render (each re-render cleans up the last plot)")


def test_overlay_plot_subplots_follow_the_layers_and_state_is_the_figure(render):
    overlay = hv.Curve((X, X)) * hv.VLine(0.3) * hv.Scatter((X, -X))
    rendered = render(overlay)
    user = "kexue_viz/live.py LivePlot._render (zips plot.layers(view) with rendered.subplots.values())"
    kinds = [type(subplot.current_frame).__name__ for subplot in rendered.subplots.values()]
    assert kinds == ["Curve", "VLine", "Scatter"], changed(
        "holoviews", f"OverlayPlot.subplots (one per layer, in layer order; got {kinds})", user)
    figure = rendered.state
    assert hasattr(figure, "x_range") and hasattr(figure, "renderers"), changed(
        "holoviews", "Plot.state (the Bokeh figure)", user)


def test_element_plot_has_no_subplots(render):
    rendered = render(hv.Curve((X, X)))
    assert not getattr(rendered, "subplots", None), changed(
        "holoviews", "an element's plot having no subplots (it is its own single layer)",
        "kexue_viz/live.py LivePlot._render")


@pytest.mark.parametrize("hover", [False, True])
def test_glyph_plot_handles(render, hover):
    rendered = render(hv.Curve((X, X)).opts(tools=["hover"] if hover else []))
    handles = rendered.handles
    user = "kexue_viz/live.py LivePlot._update_layer and LivePlot._fast_layer"
    assert "glyph_renderer" in handles, changed("holoviews", "ElementPlot.handles['glyph_renderer']", user)
    assert isinstance(handles.get("source"), ColumnDataSource), changed(
        "holoviews", "ElementPlot.handles['source'] (the glyph's ColumnDataSource)", user)
    assert ("hover" in handles) == hover, changed(
        "holoviews", "ElementPlot.handles['hover'] (present exactly when the hover tool is on)", user)


@pytest.mark.parametrize("element, model, properties", [
    (hv.VLine(0.3), Span, {"location": 0.3}), (hv.HLine(-0.2), Span, {"location": -0.2}),
    (hv.VSpan(0.1, 0.4), BoxAnnotation, {"left": 0.1, "right": 0.4}),
    (hv.HSpan(0.1, 0.4), BoxAnnotation, {"bottom": 0.1, "top": 0.4}),
], ids=["VLine", "HLine", "VSpan", "HSpan"])
def test_annotation_plot_handles(render, element, model, properties):
    handles = render(element).handles
    user = "kexue_viz/live.py LivePlot._update_layer and ANNOTATION_PROPERTIES"
    internal = f"the handles of a {type(element).__name__} plot (no 'glyph_renderer'; 'glyph' is the Bokeh {model.__name__})"
    assert "glyph_renderer" not in handles and isinstance(handles.get("glyph"), model), changed("holoviews", internal, user)
    glyph = handles["glyph"]
    assert {key: getattr(glyph, key) for key in properties} == properties, changed(
        "holoviews", f"the {model.__name__} properties a {type(element).__name__} sets", user)


def test_get_data_signature_and_shapes(render):
    overlay = hv.Curve((X, X ** 2)) * hv.VLine(0.3)
    curve_plot, line_plot = render(overlay).subplots.values()
    user = "kexue_viz/live.py LivePlot._update_layer (subplot.get_data(element, {}, {}))"
    signature = inspect.signature(curve_plot.get_data)
    try:
        arguments = signature.bind(hv.Curve((X, X)), {}, {}).arguments
    except TypeError:
        arguments = {}
    assert list(arguments) == ["element", "ranges", "style"], changed(
        "holoviews", f"ElementPlot.get_data's signature (element, ranges, style); got {signature}", user)
    result = curve_plot.get_data(hv.Curve((X, X ** 3)), {}, {})
    assert isinstance(result, tuple) and len(result) == 3, changed(
        "holoviews", "ElementPlot.get_data's result (data, mapping, style)", user)
    data = result[0]
    assert data.keys() == curve_plot.handles["source"].data.keys(), changed(
        "holoviews", "get_data's data (the glyph source's columns, by name)", user)
    assert np.allclose(data["y"], X ** 3), changed("holoviews", "get_data's data (the element's values)", user)
    _, mapping, _ = line_plot.get_data(hv.VLine(0.7), {}, {})
    assert mapping.get("location") == 0.7, changed(
        "holoviews", "get_data's mapping for an annotation (the Bokeh model's properties)", user)


@pytest.mark.parametrize("mode", STEP_MODES)
def test_step_functions(live, render, mode):
    x, (y,) = live._STEPS[mode](X, (X ** 2,))
    drawn = render(hv.Curve((X, X ** 2)).opts(interpolation=mode)).handles["source"].data
    assert np.allclose(x, drawn["x"]) and np.allclose(y, drawn["y"]), changed(
        "holoviews", f"interpolate_curve.pts_to_{mode.replace('-', '')}(x, (values,)) -> (x, (values,))",
        "kexue_viz/live.py _curve_columns")


def test_source_columns_are_named_by_dimension_sanitizer(live, render):
    source = render(hv.Segments((X, X, X + 1, X + 2), ["x 0", "y (a)", "x1", "y1"])).handles["source"].data
    names = {live.dimension_sanitizer(name) for name in ("x 0", "y (a)", "x1", "y1")}
    assert names <= set(source), changed(
        "holoviews", f"holoviews.core.util.dimension_sanitizer naming the source columns (got {sorted(source)})",
        "kexue_viz/live.py _segment_columns, _label_columns and fast_data")


def test_lookup_options_kwargs(backends):
    curve = hv.Curve((X, X)).opts(xlim=(0, 2), title="t", backend="bokeh")
    options = hv.Store.lookup_options("bokeh", curve, "plot").kwargs
    assert options.get("xlim") == (0, 2) and options.get("title") == "t", changed(
        "holoviews", "hv.Store.lookup_options(backend, obj, 'plot').kwargs", "kexue_viz/live.py plot_options")


# ---- HoloViews: kexue_viz/style.py ---------------------------------------------------------------

def test_option_tree_lives_while_an_object_carries_its_id(backends):
    element = hv.Curve((X, X), label="internals").opts(color="#CC79A7", backend="bokeh")
    holder = hv.core.dimension.LabelledData(None)
    holder.id = element.id
    del element
    gc.collect()
    reused = hv.Curve((X, X), label="internals").clone(id=holder.id)
    assert hv.Store.lookup_options("bokeh", reused, "style").kwargs.get("color") == "#CC79A7", changed(
        "holoviews", "custom option trees kept alive by any LabelledData carrying their id (and clone(id=...))",
        "kexue_viz/style.py styled (its _STYLE_IDS cache)")


# ---- Panel: kexue_viz/ui.py --------------------------------------------------------------------

def test_syncable_debounce_delays_browser_changes():
    from panel.reactive import Syncable

    user = "kexue_viz/ui.py Dashboard.register_widget and Dashboard.scrub_player (widget._debounce)"
    assert isinstance(Syncable.__dict__.get("_debounce"), int), changed(
        "panel", "Syncable._debounce (the delay, in ms, of a browser change)", user)
    assert "self._debounce" in inspect.getsource(Syncable._server_change), changed(
        "panel", "Syncable._server_change reading self._debounce per instance", user)


def test_tabs_models_hold_the_bokeh_tabs():
    tabs = pn.Tabs(("a", pn.pane.Markdown("x")), ("b", pn.pane.Markdown("y")), dynamic=True)
    tabs.get_root(Document())
    user = "kexue_viz/ui.py Dashboard.tabs (retitle: `for model, _ in tabs._models.values()`)"
    entries = list(tabs._models.values())
    assert entries and all(isinstance(entry, tuple) and len(entry) == 2 for entry in entries), changed(
        "panel", "Reactive._models (root ref -> (model, parent))", user)
    model = entries[0][0]
    assert [type(panel) for panel in model.tabs] == [TabPanel, TabPanel], changed(
        "panel", "the Tabs model's .tabs (Bokeh TabPanels)", user)
    assert all(hasattr(panel, name) for panel in model.tabs for name in ("title", "child", "closable")), changed(
        "panel", "TabPanel's title, child and closable", user)


def test_player_model_has_the_properties_the_frame_script_reads():
    from kexue_viz.ui import REPORT_FRAME

    player = pn.widgets.Player(start=0, end=5)
    model = player.get_root(Document())
    user = "kexue_viz/ui.py ScrubPlayer and REPORT_FRAME (cb_obj.direction, cb_obj.value_throttled)"
    assert {"direction", "value_throttled", "interval"} <= set(model.properties()), changed(
        "panel", "the Player's Bokeh model properties direction, value_throttled and interval", user)
    assert {"direction", "value_throttled"} <= set(player.param), changed(
        "panel", "the Player widget's direction and value_throttled parameters", user)
    assert "cb_obj.direction" in REPORT_FRAME and "cb_obj.value_throttled" in REPORT_FRAME


def run_to_its_end(coroutine) -> None:
    """Run ``coroutine``, which must not wait for anything (no event loop: the suite may be inside one)."""
    try:
        coroutine.send(None)
    except StopIteration:
        return
    coroutine.close()
    raise AssertionError("the coroutine waited for something")


def test_panel_writes_every_queued_message():
    """``panel.io.document._dispatch_msgs`` writes a page's queued messages (``_WRITE_MSGS``) only
    while the page's write block (``_WRITE_BLOCK``) is set; kexue_viz.ui.sending_every_queued_message
    sets the block for what is queued. The control: Panel's own writer leaves such messages queued."""
    from panel.io import document as panel_document

    from kexue_viz.ui import init_extension

    init_extension()
    writer = panel_document._dispatch_msgs
    internal = "panel.io.document._dispatch_msgs, _WRITE_MSGS and _WRITE_BLOCK"
    user = "kexue_viz.ui.sending_every_queued_message"
    assert getattr(writer, "sends_every_queued_message", False) and hasattr(writer, "__wrapped__"), \
        changed("panel", internal, user)

    class Socket:
        pass

    class Connection:
        _socket = Socket()

    written, document = [], Document()
    panel_document.extra_socket_handlers[Socket] = lambda connection, msg: written.append(msg) or []
    try:
        for dispatch, expected in ((writer.__wrapped__, []), (writer, ["message"])):
            written.clear()
            panel_document._WRITE_BLOCK.pop(document, None)
            panel_document._WRITE_MSGS[document] = {Connection(): ["message"]}
            run_to_its_end(dispatch(document))
            assert written == expected, changed("panel", internal, user)
        assert document not in panel_document._WRITE_MSGS and document not in panel_document._WRITE_BLOCK
    finally:
        del panel_document.extra_socket_handlers[Socket]
        panel_document._WRITE_MSGS.pop(document, None)
        panel_document._WRITE_BLOCK.pop(document, None)


def test_set_curdoc_sets_panel_state_curdoc():
    from panel.io.state import set_curdoc

    doc = Document()
    with set_curdoc(doc):
        inside = pn.state.curdoc
    assert inside is doc, changed("panel", "panel.io.state.set_curdoc(doc) (pn.state.curdoc inside the block)",
                                  "kexue_viz/ui.py _run_in_session")


# ---- Panel / HoloViews: kexue_viz/notebook.py ----------------------------------------------------

@pytest.fixture
def inline_bokeh_resources():
    """Bokeh's resource mode ``inline`` while the test runs (as a notebook sets it)."""
    bokeh_settings.resources = "inline"
    try:
        yield
    finally:
        bokeh_settings.resources.unset_value()


def stylesheet_urls(viewable) -> list[str]:
    root = viewable.get_root(Document())
    return sorted({sheet.url for sheet in root.select({"type": ImportedStyleSheet})})


@pytest.fixture
def without_local_stylesheets(notebook):
    """Panel's own stylesheet URLs: the package's hook (registered by any earlier init_extension in
    this process) taken out while the test runs."""
    from panel.viewable import Viewable

    hooks = Viewable._preprocessing_hooks
    present = notebook._localize_stylesheets in hooks
    if present:
        hooks.remove(notebook._localize_stylesheets)
    try:
        yield
    finally:
        if present and notebook._localize_stylesheets not in hooks:
            hooks.append(notebook._localize_stylesheets)


def test_inline_stylesheets_are_named_by_cdn_dist_under_dist_dir(notebook, inline_bokeh_resources,
                                                                 without_local_stylesheets):
    from panel.io.resources import CDN_DIST, DIST_DIR

    urls = stylesheet_urls(pn.Row(pn.widgets.Button(label="b"), pn.pane.Markdown("m")))
    user = "kexue_viz/notebook.py local_stylesheet_url"
    assert urls and all(url.startswith(CDN_DIST) for url in urls), changed(
        "panel", f"the stylesheet URLs under Bokeh's inline resources (panel.io.resources.CDN_DIST; got {urls[:2]})", user)
    missing = [url for url in urls if notebook.local_stylesheet_url(url) is None]
    assert not missing, changed("panel", f"panel.io.resources.DIST_DIR (no installed file for {missing})", user)


def test_preprocessing_hooks_run_on_every_render(notebook, inline_bokeh_resources, without_local_stylesheets):
    from panel.viewable import Viewable

    hooks = Viewable._preprocessing_hooks
    assert isinstance(hooks, list), changed("panel", "Viewable._preprocessing_hooks (a list)",
                                            "kexue_viz/notebook.py inline_resources")
    added = notebook._localize_stylesheets not in hooks
    if added:
        hooks.append(notebook._localize_stylesheets)
    try:
        urls = stylesheet_urls(pn.Row(pn.widgets.Button(label="b")))
    finally:
        if added:
            hooks.remove(notebook._localize_stylesheets)
    # no Jupyter kernel here: the hook points them at the server's copies (in a kernel: data: URLs)
    assert urls and all(url.startswith("static/extensions/panel/") for url in urls), changed(
        "panel", "Viewable._preprocessing_hooks (each hook called as hook(viewable, root) when a root is rendered)",
        "kexue_viz/notebook.py inline_resources and _localize_stylesheets")


def test_notebook_extension_records_that_it_loaded():
    from holoviews.ipython import notebook_extension

    user = "kexue_viz/notebook.py inline_resources (getattr(hv.extension, '_loaded', False))"
    assert isinstance(notebook_extension._loaded, bool), changed(
        "holoviews", "notebook_extension._loaded (the notebook display is loaded)", user)
    assert "notebook_extension._loaded = True" in inspect.getsource(notebook_extension.__call__), changed(
        "holoviews", "notebook_extension.__call__ setting notebook_extension._loaded", user)


def detached_text_stylesheet_urls() -> list[str]:
    """The stylesheet URLs of a Markdown pane's model after its text changed while the model was out
    of its served page (its own ``document`` None), as Panel updates it on that page's tick."""
    import weakref

    from panel.io.state import set_curdoc

    class Session:  # stands for Bokeh's session context, which a served document holds weakly
        request = SimpleNamespace(arguments={})

    session, document, pane = Session(), Document(), pn.pane.Markdown("before")
    document._session_context = weakref.ref(session)
    document._template_variables["dist_url"] = "./static/extensions/panel/"
    with set_curdoc(document):
        root = pn.Column(pane).get_root(document)
        document.add_root(root)
        model = pane._models[root.ref["id"]][0]
        document.remove_root(root)
        assert model.document is None
        pane.object = "after"
    assert "after" in model.text
    return [str(sheet.url) for sheet in model.stylesheets if isinstance(sheet, ImportedStyleSheet)]


def test_a_detached_models_stylesheets_stay_on_the_server(monkeypatch):
    """A text pane's update computes its properties for ``model.document`` (``panel.pane.markup``'s
    ``_update``), ``None`` for a model out of its page, and ``Reactive._get_properties`` then links the
    stylesheets to the CDN; kexue_viz.ui.linking_detached_models_locally uses the page being served.
    The control: Panel's own method links them to cdn.holoviz.org."""
    from panel.reactive import Reactive

    from kexue_viz.ui import init_extension

    init_extension()
    wrapped = Reactive._get_properties
    internal = "panel.reactive.Reactive._get_properties(doc) and panel.pane.markup's _update(ref, model)"
    user = "kexue_viz.ui.linking_detached_models_locally"
    assert getattr(wrapped, "links_detached_models_locally", False), changed("panel", internal, user)
    urls = detached_text_stylesheet_urls()
    assert urls and all(url.startswith("./static/extensions/panel/") for url in urls), changed("panel", internal, user)
    monkeypatch.setattr(Reactive, "_get_properties", wrapped.__wrapped__)
    assert any(url.startswith("https://cdn.holoviz.org/") for url in detached_text_stylesheet_urls()), \
        changed("panel", internal, user)
