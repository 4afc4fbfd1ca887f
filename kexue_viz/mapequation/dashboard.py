"""InfoMap communities dashboard: pick a network and a flow model, see the flow, and watch the
codelength answer a partition change (manual taps, a search stepping forward, or Infomap).

The results (the graph and its layout, the flow, Infomap's partition, the stepwise searches as
whole traces so that scrubbing ``step`` is a lookup, the walk) come from :mod:`.pipeline`,
memoised for the whole process by exactly what each depends on, so every reader shares them. The
reader's upload, manual edits and sweep stay with the session. A partition change costs one
codelength evaluation plus new data pushed into existing plots.
"""
from __future__ import annotations

import io
import threading

import numpy as np
import panel as pn
import param

from ..style import styled
from ..ui import Dashboard, logged, next_tick, served_document
from . import graphs, pipeline, views
from .pipeline import STEPWISE
from .compare import sweep
from .codelength import codelength, entropy_rate, multilevel_codelength, one_level_codelength
from .coding import encode_two_level, huffman_code, running_bits, two_level_code
from .flow import Graph
from .io import UploadError, to_clu, to_csv, to_tree
from .optimise import InfomapMissing
from .text import TEXT

STEPWISE_LIMIT = 300
MAX_STEP = 5000
WALK_SHOWN = 24
DIRECTED_GRAPHS = ("d6", "planted")
SWEEPS = {"lfr": ("μ", (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)), "digits": ("k", (3, 5, 10, 20, 40))}


class InfomapDashboard(Dashboard):
    """Flows, the map equation and the searches of InfoMap (post 7006)."""

    slug = "infomap_communities"
    text = TEXT
    posts = (("post_7006", "https://kexue.fm/archives/7006"),)
    controls = ("graph", "n_cliques", "clique_size", "lfr_n", "lfr_mu", "lfr_seed", "knn_k", "knn_subset",
                "knn_min_sim", "knn_directed", "flow_model", "tau", "recorded", "teleport_to", "markov_time",
                "partition_source", "num_trials", "seed", "paint", "walk_T", "show_boundary")
    widget_options = {"lfr_seed": {"type": pn.widgets.IntInput}, "seed": {"type": pn.widgets.IntInput},
                      "paint": {"type": pn.widgets.IntInput},
                      "flow_model": {"type": pn.widgets.RadioButtonGroup},
                      "teleport_to": {"type": pn.widgets.RadioButtonGroup}}
    probe = "markov_time"
    LATENCY_MOVES = {
        "markov_time": [round(0.5 + 0.15 * k, 2) for k in range(16) if round(0.5 + 0.15 * k, 2) != 1.0],
        "step": list(range(0, 34, 2)),
        "tau": [0.05 + 0.02 * k for k in range(12)],
        "seed": list(range(1, 17)),
        "num_trials": [1, 2, 4, 5, 6, 8, 10, 1, 2, 4, 5, 6],
        "walk_T": [100 + 150 * k for k in range(12)],
    }

    graph = param.Selector(default="karate", objects=["karate", "karate_weighted", "les_miserables", "florentine",
                                                      "davis", "ring", "lfr", "digits", "d6", "planted", "upload"])
    n_cliques = param.Integer(8, bounds=(3, 30))
    clique_size = param.Integer(5, bounds=(3, 10))
    lfr_n = param.Integer(250, bounds=(100, 1000), step=50)
    lfr_mu = param.Number(0.3, bounds=(0.05, 0.8), step=0.05)
    lfr_seed = param.Integer(42, bounds=(0, 9999))
    knn_k = param.Integer(10, bounds=(3, 40))
    knn_subset = param.Integer(500, bounds=(200, 1797), step=50)
    knn_min_sim = param.Number(0.5, bounds=(0.0, 0.95), step=0.05)
    knn_directed = param.Boolean(True)
    flow_model = param.Selector(default="undirected", objects=["undirected", "directed"])
    tau = param.Number(0.15, bounds=(0.01, 0.5), step=0.01)
    recorded = param.Boolean(False)
    teleport_to = param.Selector(default="links", objects=["links", "nodes"])
    markov_time = param.Number(1.0, bounds=(0.25, 4.0), step=0.05)
    partition_source = param.Selector(default="infomap", objects=["infomap", "multilevel", "greedy", "core", "truth",
                                                                  "one", "singletons", "manual"])
    num_trials = param.Integer(3, bounds=(1, 20))
    seed = param.Integer(123, bounds=(1, 9999))
    step = param.Integer(MAX_STEP, bounds=(0, MAX_STEP))
    paint = param.Integer(0, bounds=(0, 2000))
    walk_T = param.Integer(500, bounds=(50, 5000), step=50)
    show_boundary = param.Boolean(True)
    focus = param.Integer(0, bounds=(0, 1999), precedence=-1, doc="node whose module's codebook is shown")
    edits = param.Integer(0, bounds=(0, None), precedence=-1, doc="manual edits so far (derived)")
    sweep_version = param.Integer(0, bounds=(0, None), precedence=-1, doc="sweep results published (derived)")
    settled = param.Integer(0, bounds=(0, None), precedence=-1,
                            doc="counts partition changes once the main views have answered (derived)")

    def __init__(self, **params):
        super().__init__(**params)
        self._upload: pipeline.GraphSettings | None = None  # the reader's uploaded network
        self._manual: np.ndarray | None = None
        self._tap_source = None
        self._settle_pending = False
        self._sweep: tuple[str, list] = ("", [])
        self._sweeping = False

    @param.depends("graph", watch=True)
    def _default_flow_model(self):
        directed = self.graph in DIRECTED_GRAPHS or (self.graph == "digits" and self.knn_directed) or (
            self.graph == "upload" and self._upload is not None and pipeline.network(self._upload).directed)
        self.flow_model = "directed" if directed else "undirected"

    def _settle(self, *_):
        """Let the secondary views follow a change: at once without a server (tests, notebook,
        export), on the next server tick when served, so the network, the readout and the
        decomposition reach the browser first. Bursts of changes coalesce into one refresh."""
        if self._settle_pending:
            return
        self._settle_pending = True

        def run():
            self._settle_pending = False
            self.settled += 1

        next_tick(run)

    # ---- computation: settings for the pipeline (:mod:`.pipeline`, shared by every session) ------
    def graph_settings(self) -> pipeline.GraphSettings:
        """The current network: a preset with its own parameters, or the reader's upload."""
        if self.graph == "upload":
            if self._upload is None:
                raise ValueError(self.t("upload_needed"))
            return self._upload
        return pipeline.GraphSettings.of(self.graph, self.n_cliques, self.clique_size, self.lfr_n, self.lfr_mu,
                                         self.lfr_seed, self.knn_k, self.knn_subset, self.knn_min_sim,
                                         self.knn_directed)

    def network(self) -> Graph:
        return pipeline.network(self.graph_settings())

    def layout(self) -> np.ndarray:
        return pipeline.layout(self.graph_settings())

    def flow_settings(self) -> pipeline.FlowSettings:
        return pipeline.FlowSettings.of(self.graph_settings(), self.flow_model, self.tau, self.recorded,
                                        self.teleport_to == "nodes", self.markov_time)

    def flow(self):
        return pipeline.flow(self.flow_settings())

    def trace(self, source: str):
        """The whole trace of a stepwise search (:func:`.pipeline.trace`; n ≤ STEPWISE_LIMIT)."""
        graph = self.network()
        if graph.n > STEPWISE_LIMIT:
            raise ValueError(self.t("too_big_for_steps", limit=STEPWISE_LIMIT, n=graph.n))
        return pipeline.trace(pipeline.TraceSettings.of(self.flow_settings(), source, self.seed))

    def step_index(self, trace) -> int:
        return min(self.step, len(trace) - 1)

    def infomap_partition(self, two_level: bool):
        """``(labels, paths)`` by Infomap (:func:`.pipeline.infomap_partition`)."""
        settings = pipeline.InfomapSettings(self.flow_settings(), two_level, self.num_trials, self.seed)
        try:
            return pipeline.infomap_partition(settings)
        except InfomapMissing:
            raise ValueError(self.t("infomap_missing")) from None

    def partition(self) -> tuple[np.ndarray, tuple]:
        """``(labels, paths)`` of the current source (paths: module path per node; two-level
        sources give one-element paths)."""
        graph = self.network()
        source = self.partition_source
        if source in ("infomap", "multilevel"):
            labels, paths = self.infomap_partition(source == "infomap")
            return labels, paths
        if source in STEPWISE:
            trace = self.trace(source)
            labels = np.unique(trace.labels[self.step_index(trace)], return_inverse=True)[1]
        elif source == "truth":
            if graph.truth is None:
                raise ValueError(self.t("no_truth"))
            labels = np.unique(graph.truth, return_inverse=True)[1]
        elif source == "one":
            labels = np.zeros(graph.n, dtype=np.int64)
        elif source == "singletons":
            labels = np.arange(graph.n)
        else:
            labels = self.manual_labels()
        return labels, tuple((int(m),) for m in labels)

    def manual_labels(self) -> np.ndarray:
        if self._manual is None or len(self._manual) != self.network().n:
            self._manual = np.zeros(self.network().n, dtype=np.int64)
        return self._manual

    def labels(self) -> np.ndarray:
        return self.partition()[0]

    def walk(self) -> np.ndarray:
        return pipeline.walk(pipeline.WalkSettings(self.flow_settings(), self.walk_T, self.seed))

    def summary(self) -> dict:
        """Codelengths and counts of the current partition (multilevel L when the source is)."""
        flow, (labels, paths) = self.flow(), self.partition()
        result = codelength(flow, labels)
        H = one_level_codelength(flow)
        total = multilevel_codelength(flow, paths).total if self.partition_source == "multilevel" else result.total
        return dict(L=total, index=result.index, module=total - result.index, H=H, saving=1 - total / H if H else 0.0,
                    m=int(labels.max()) + 1, result=result)

    # ---- manual edits ---------------------------------------------------------------------
    def assign(self, nodes) -> None:
        """Move ``nodes`` to module ``paint`` (a new module when ``paint`` ≥ the module count);
        switches to manual mode starting from the partition shown."""
        nodes = [int(k) for k in nodes if 0 <= int(k) < self.network().n]
        if not nodes:
            return
        labels = self.labels().copy()
        target = min(self.paint, int(labels.max()) + 1)
        labels[nodes] = target
        self._manual = np.unique(labels, return_inverse=True)[1]
        self.focus = nodes[0]
        if self.partition_source != "manual":
            self.partition_source = "manual"
        self.edits += 1

    def _on_tap(self, attr, old, new) -> None:
        if not new:
            return
        if self.partition_source == "manual":
            self.assign(new)
        else:
            self.focus = int(new[0])
        if self._tap_source is not None:
            self._tap_source.selected.indices = []

    def _attach_tap(self, pane) -> None:
        """Listen to node selections of the network plot (re-attached when it is re-rendered)."""
        figure = pane.object
        if figure is None:
            return
        for renderer in figure.renderers:
            source = getattr(renderer, "data_source", None)
            if source is not None and "module" in source.data and source is not self._tap_source:
                source.selected.on_change("indices", logged(self._on_tap))
                self._tap_source = source

    # ---- views ----------------------------------------------------------------------------
    PARTITION_DEPS = ("graph", "n_cliques", "clique_size", "lfr_n", "lfr_mu", "lfr_seed", "knn_k", "knn_subset",
                      "knn_min_sim", "knn_directed", "flow_model", "tau", "recorded", "teleport_to", "markov_time",
                      "partition_source", "num_trials", "seed", "step", "edits")

    def partition_key(self) -> tuple:
        labels = self.labels()
        return (self.flow_settings(), self.partition_source, labels.tobytes())

    def network_view(self):
        def build():
            graph, flow, labels = self.network(), self.flow(), self.labels()
            s = self.summary()
            pairs, pair_flow = pipeline.link_pairs(flow)
            names = np.array([graph.label(k) for k in range(graph.n)])
            title = self.t("view_network", L=s["L"], m=s["m"], saving=s["saving"])
            return views.network_view(self.layout(), pairs, pair_flow, labels, views.module_colors(labels), flow.p,
                                      names, self.show_boundary, title)

        return self.cached_view("network", (self.partition_key(), self.show_boundary), build)

    def decomposition_view(self):
        def build():
            s, flow, labels = self.summary(), self.flow(), self.labels()
            rate = entropy_rate(flow) if flow.model == "undirected" else None
            colors = self.module_palette(labels)
            return views.decomposition_view(s["result"].index, s["result"].module_terms, colors, s["H"], rate, self.t)

        return self.cached_view("decomposition", (self.partition_key(),), build)

    def module_palette(self, labels) -> list[str]:
        """The colour of each module 0..m-1 as drawn in the network."""
        colors = views.module_colors(labels)
        m = int(labels.max()) + 1
        first = np.full(m, -1)
        first[labels[::-1]] = np.arange(len(labels))[::-1]
        return [colors[k] for k in first]

    def index_book_view(self):
        def build():
            labels = self.labels()
            flows = self.summary()["result"].flows
            codes = huffman_code(np.maximum(flows.enter, 0))
            texts = [f"{k + 1}: {code}" for k, code in enumerate(codes)]
            return views.bar_view(flows.enter / max(flows.enter.sum(), 1e-300), self.module_palette(labels), texts,
                                  self.t("view_index_book"), self.t("rate"))

        return self.cached_view("index_book", (self.partition_key(),), build)

    def module_book_view(self):
        def build():
            graph, flow, labels = self.network(), self.flow(), self.labels()
            module = int(labels[min(self.focus, graph.n - 1)])
            members = np.flatnonzero(labels == module)[:40]
            exit_ = self.summary()["result"].flows.exit[module]
            rates = np.concatenate([[exit_], flow.p[members]])
            codes = huffman_code(rates)
            color = self.module_palette(labels)[module]
            names = [self.t("exit")] + [graph.label(node) for node in members]
            texts = [f"{name}: {code}" for name, code in zip(names, codes)]
            return views.bar_view(rates / rates.sum(), [views.GREY] + [color] * len(members), texts,
                                  self.t("view_module_book", module=module + 1), self.t("rate"))

        return self.cached_view("module_book", (self.partition_key(), self.focus), build)

    def trajectory_data(self):
        """Both searches' codelengths, module counts and phase bands (:func:`.pipeline.search_curves`;
        none above ``STEPWISE_LIMIT`` nodes)."""
        if self.network().n > STEPWISE_LIMIT:
            return {}, {}, []
        return pipeline.search_curves(self.flow_settings(), self.seed)

    def marker(self) -> int | None:
        if self.partition_source not in STEPWISE:
            return None
        return self.step_index(self.trace(self.partition_source))

    def trajectory_view(self):
        def curves():
            data, _, bands = self.trajectory_data()
            return views.trajectory_curves(data, bands, self.t)

        overlay = self.cached_view("trajectory_curves", (self.flow_settings(), self.seed), curves)
        return self.cached_view("trajectory", (self.partition_key(), self.marker(), self.seed), lambda:
                                views.trajectory_view(overlay, self.marker(), self.summary()["L"], self.t))

    def modules_view(self):
        def build():
            _, counts, _ = self.trajectory_data()
            return views.modules_view(counts, self.marker(), self.t)

        key = (self.flow_settings(), self.partition_source, self.marker(), self.seed)
        return self.cached_view("modules", key, build)

    def hierarchy_view(self):
        return self.cached_view("hierarchy", (self.partition_key(), self.partition()[1]),
                                lambda: views.hierarchy_view(self.partition()[1], self.flow().p, self.t))

    def walk_data(self):
        flow, labels, walk = self.flow(), self.labels(), self.walk()
        colors = views.module_colors(labels)
        palette = self.module_palette(labels)
        one_codes = huffman_code(flow.p)
        shown = walk[:WALK_SHOWN]
        one_row = [(one_codes[a], colors[a]) for a in shown]
        tokens = encode_two_level(shown, labels, two_level_code(flow, labels))
        two_row = [(tok.code, views.GREY if tok.kind == "exit" else ("#ffffff" if tok.kind == "index" else
                    palette[tok.module])) for tok in tokens]
        return one_row, two_row, running_bits(walk, labels, flow)

    def walk_view(self):
        def build():
            one_row, two_row, _ = self.walk_data()
            return views.walk_tokens_view([(self.t("one_level"), one_row), (self.t("two_level"), two_row)], self.t)

        return self.cached_view("walk", (self.partition_key(), self.walk_T, self.seed), build)

    def bits_view(self):
        def build():
            _, _, (one, two) = self.walk_data()
            s = self.summary()
            return views.bits_view(one, two, s["H"], s["L"], self.t)

        return self.cached_view("bits", (self.partition_key(), self.walk_T, self.seed), build)

    def sweep_view(self):
        label, points = self._sweep
        return views.sweep_view(points, label or "μ / k", self.t)

    def sweep_builder(self):
        """``(parameter label, values, build(value) -> Graph)`` of the sweep for the current graph."""
        if self.graph not in SWEEPS:
            raise ValueError(self.t("sweep_unavailable"))
        label, values = SWEEPS[self.graph]
        if self.graph == "lfr":
            n, seed = self.lfr_n, self.lfr_seed
            return label, values, lambda mu: graphs.lfr(n, mu, seed)
        subset, min_sim, directed = self.knn_subset, self.knn_min_sim, self.knn_directed
        return label, values, lambda k: graphs.digits(subset, int(k), min_sim, directed)

    def run_sweep(self, progress=None) -> None:
        """Run the sweep of :meth:`sweep_builder`: in a background thread when served (results
        and progress are published to the page as they come), at once otherwise."""
        try:
            label, values, build = self.sweep_builder()
        except ValueError as error:
            self.report(str(error), source="sweep")
            return
        if self._sweeping:
            return
        self.clear_error("sweep")
        document = served_document()  # captured here: the worker thread has no session context
        total = len(values) * 3

        def publish(points, done, problem=None):
            def apply():
                if problem:
                    self.report(self.t("sweep_failed", reason=problem), source="sweep")
                self._sweep = (label, points)
                if progress is not None:
                    progress.value, progress.max = done, total
                self.sweep_version += 1
            next_tick(apply, document)

        def work():
            points = []
            try:
                for point in sweep(build, values, seed=self.seed):
                    points.append(point)
                    publish(list(points), len(points))
            except Exception as error:  # keep serving; say what failed
                publish(list(points), len(points), f"{type(error).__name__}: {error}")
            finally:
                self._sweeping = False

        self._sweeping = True
        if document is not None:
            threading.Thread(target=work, daemon=True).start()
        else:
            work()

    def stats(self) -> str:
        s, graph = self.summary(), self.network()
        nmi = ""
        if graph.truth is not None:
            from sklearn.metrics import normalized_mutual_info_score
            nmi = self.t("nmi", nmi=normalized_mutual_info_score(graph.truth, self.labels()))
        text = self.t("stats", L=s["L"], index=s["index"], module=s["module"], H=s["H"], saving=s["saving"],
                      m=s["m"], n=graph.n, links=graph.num_links, nmi=nmi)
        return "  \n".join(filter(None, (text, self.one_module_note(s["m"]))))

    def one_module_note(self, modules: int) -> str:
        """Why Infomap answered with a single module (else ""): no partition it found codes shorter
        than one module, L = H(p); with a planted partition, its codelength says whether the map
        equation itself prefers one module (planted longer) or the search missed it (planted shorter)."""
        if modules > 1 or self.partition_source not in ("infomap", "multilevel"):
            return ""
        graph, flow = self.network(), self.flow()
        note = self.t("one_module", H=one_level_codelength(flow))
        if graph.truth is None:
            return note
        planted = codelength(flow, np.unique(graph.truth, return_inverse=True)[1]).total
        key = "one_module_missed" if planted < one_level_codelength(flow) else "one_module_preferred"
        return note + self.t(key, L=planted)

    def figure(self):
        """Exported figure: the coloured network, the codelength decomposition, the search
        trajectory and the index codebook."""
        layout = self.network_view() + self.decomposition_view() + self.trajectory_view() + self.index_book_view()
        return styled(layout.cols(2), shared_axes=False, sublabel_format="", fig_inches=(12, 9))

    RELEVANT = {  # control -> when it matters
        "n_cliques": lambda d: d.graph == "ring", "clique_size": lambda d: d.graph == "ring",
        "lfr_n": lambda d: d.graph == "lfr", "lfr_mu": lambda d: d.graph == "lfr", "lfr_seed": lambda d: d.graph == "lfr",
        "knn_k": lambda d: d.graph == "digits", "knn_subset": lambda d: d.graph == "digits",
        "knn_min_sim": lambda d: d.graph == "digits", "knn_directed": lambda d: d.graph == "digits",
        "tau": lambda d: d.flow_model == "directed", "recorded": lambda d: d.flow_model == "directed",
        "teleport_to": lambda d: d.flow_model == "directed",
        "num_trials": lambda d: d.partition_source in ("infomap", "multilevel"),
        "paint": lambda d: d.partition_source == "manual",
    }

    def _show_relevant_controls(self, *_):
        for name, relevant in self.RELEVANT.items():
            if name in self._widgets:
                self._widgets[name].visible = relevant(self)

    def build_views(self):
        deps = self.PARTITION_DEPS
        self.param.watch(self._show_relevant_controls, ["graph", "flow_model", "partition_source"])
        self._show_relevant_controls()
        self.param.watch(self._settle, [*deps, "walk_T", "focus"])
        network = self.live("network", self.network_view, ("edits",), css_classes=["kv-main-plot"])
        self._attach_tap(network)
        network.param.watch(lambda event: self._attach_tap(network), "object")
        stats = self.live_text("stats", self.stats, ("edits",), css_classes=["kv-stats"])
        top = pn.GridBox(self.live("decomposition", self.decomposition_view, ("edits",)),
                         self.live("trajectory", self.trajectory_view, ("settled",)),
                         ncols=2, sizing_mode="stretch_width")
        pages = {
            "tab_codebooks": (self.live("index_book", self.index_book_view, ("settled",)),
                              self.live("module_book", self.module_book_view, ("settled",))),
            "tab_search": (self.live("modules", self.modules_view, ("settled",)),
                           self.live("hierarchy", self.hierarchy_view, ("settled",))),
            "tab_walk": (self.live("walk", self.walk_view, ("settled",)),
                         self.live("bits", self.bits_view, ("settled",))),
            "tab_sweep": (self.live("sweep", self.sweep_view, ("sweep_version",)), self.sweep_controls()),
        }
        grids = {key: pn.GridBox(*panes, ncols=2, sizing_mode="stretch_width") for key, panes in pages.items()}
        tabs = self.tabs(grids, css_classes=["kv-tabs"])  # dynamic: the first page load stays light
        note = pn.pane.Markdown(pn.bind(lambda lang: self.t("note"), self.param.lang), sizing_mode="stretch_width")
        return pn.Column(stats, network, top, tabs, note, sizing_mode="stretch_width")

    # ---- extra controls -------------------------------------------------------------------
    def load_upload(self, data: bytes, filename: str = "upload") -> None:
        """Validate an uploaded network and make it the current graph; on error keep the current one."""
        upload = pipeline.GraphSettings.uploaded(data, filename)
        try:
            pipeline.network(upload)
        except UploadError as error:
            self.report(self.message("upload_rejected", reason=error), source="upload")
            return
        self.clear_error("upload")
        self._upload = upload
        if self.graph == "upload":
            self._default_flow_model()
            self.param.trigger("graph")
        else:
            self.graph = "upload"

    def export_text(self, kind: str) -> str:
        """The current partition as CSV, ``.clu`` or ``.tree``."""
        graph, flow, (labels, paths) = self.network(), self.flow(), self.partition()
        if kind == "csv":
            return to_csv(graph, labels, flow.p)
        if kind == "clu":
            return to_clu(labels, flow.p)
        return to_tree(graph, paths, flow.p)

    def _download(self, kind: str):
        try:
            return io.BytesIO(self.export_text(kind).encode())
        except Exception as error:
            self.report(self.message("failed", reason=error), source="download")
            return io.BytesIO(b"")

    def sweep_controls(self):
        button = self.button("sweep_run", color="primary", sizing_mode="stretch_width", css_classes=["kv-sweep"])
        progress = pn.indicators.Progress(value=0, max=1, sizing_mode="stretch_width", bar_color="info")
        button.on_click(lambda _: self.run_sweep(progress))
        return pn.Column(button, progress, sizing_mode="stretch_width")

    def step_controls(self) -> list:
        slider = pn.widgets.IntSlider.from_param(self.param.step, label=self.t("step"), sizing_mode="stretch_width",
                                                 css_classes=["kv-param-step"])
        player = pn.widgets.Player(start=0, end=MAX_STEP, value=min(self.step, MAX_STEP), interval=120,
                                   loop_policy="once", show_loop_controls=False, width=265, css_classes=["kv-player"])
        player.param.watch(lambda event: setattr(self, "step", event.new), "value")

        def fit(*_):
            try:
                last = len(self.trace(self.partition_source)) - 1 if self.partition_source in STEPWISE else 0
            except ValueError:
                last = 0
            slider.end = player.end = max(last, 1)
            slider.visible = player.visible = self.partition_source in STEPWISE

        self.param.watch(fit, [*self.PARTITION_DEPS[:-2], "partition_source"])
        fit()
        self.register_widget("step", slider)
        return [slider, player]

    def extra_controls(self) -> list:
        convention = self.button("post_convention", sizing_mode="stretch_width")
        convention.on_click(lambda _: self.param.update(flow_model="directed", recorded=True, teleport_to="nodes"))
        upload = pn.widgets.FileInput(accept=".csv,.tsv,.txt,.net", sizing_mode="stretch_width",
                                      css_classes=["kv-upload"])
        upload.param.watch(lambda event: event.new and self.load_upload(event.new, upload.filename or "upload"),
                           "value")
        downloads = pn.Row(*[pn.widgets.FileDownload(callback=lambda kind=kind: self._download(kind),
                                                     filename=f"communities.{kind}", label=kind, embed=False,
                                                     sizing_mode="stretch_width", css_classes=[f"kv-download-{kind}"])
                             for kind in ("csv", "clu", "tree")], sizing_mode="stretch_width")
        return [convention, *self.step_controls(), self.text_pane("manual_help"), self.text_pane("upload"), upload,
                self.text_pane("download", "**{}**"), downloads]
