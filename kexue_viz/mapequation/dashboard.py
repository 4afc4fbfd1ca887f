"""InfoMap communities dashboard: pick a network and a flow model, see the flow, and watch the
codelength answer a partition change (manual taps, a search stepping forward, or Infomap).

The results (the graph and its layout, the flow, Infomap's partition, the stepwise searches as
whole traces so that scrubbing ``step`` is a lookup, the walk, the sweep's points) come from
:mod:`.pipeline`, memoised for the whole process by exactly what each depends on, so every reader
shares them; so do the numbers of a partition (codelengths, codebooks, the coded walk). The
reader's upload and manual edits stay with the session: an edit is announced to the views that
read it by ``notify("manual")``. A partition change costs one codelength evaluation plus new data
pushed into existing plots; the views of closed tabs wait until their tab is opened. The sweep
runs as a background task (:meth:`~kexue_viz.ui.Dashboard.task`), one network at a time.
"""
from __future__ import annotations

import io

import numpy as np
import panel as pn
import param

from ..i18n import TextError
from ..style import styled
from ..tasks import Task
from ..ui import Dashboard, Section, View, logged
from . import pipeline, views
from .pipeline import STEPWISE
from .flow import Graph
from .io import UploadError, to_clu, to_csv, to_tree
from .optimise import InfomapMissing
from .text import TEXT

STEPWISE_LIMIT = 300
MAX_STEP = 5000
WALK_SHOWN = 24
DIRECTED_GRAPHS = ("d6", "planted")
MANUAL = ("manual",)  # the name notify() gives a manual edit: views reading the partition list it


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

    def __init__(self, **params):
        super().__init__(**params)
        self._upload: pipeline.GraphSettings | None = None  # the reader's uploaded network
        self._manual: np.ndarray | None = None
        self._tap_source = None

    @param.depends("graph", watch=True)
    def _default_flow_model(self):
        directed = self.graph in DIRECTED_GRAPHS or (self.graph == "digits" and self.knn_directed) or (
            self.graph == "upload" and self._upload is not None and pipeline.network(self._upload).directed)
        self.flow_model = "directed" if directed else "undirected"

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

    def summary(self) -> pipeline.PartitionSummary:
        """Codelengths and counts of the current partition (the multilevel L when the source is)."""
        flow, (labels, paths) = self.flow(), self.partition()
        return pipeline.partition_summary(flow, labels, paths if self.partition_source == "multilevel" else None)

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
        self.notify("manual")

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
    def partition_key(self) -> tuple:
        labels = self.labels()
        return (self.flow_settings(), self.partition_source, labels.tobytes())

    def network_view(self):
        def build():
            graph, flow, labels = self.network(), self.flow(), self.labels()
            s = self.summary()
            pairs, pair_flow = pipeline.link_pairs(flow)
            names = np.array([graph.label(k) for k in range(graph.n)])
            title = self.t("view_network", L=s.L, m=s.m, saving=s.saving)
            return views.network_view(self.layout(), pairs, pair_flow, labels, views.module_colors(labels), flow.p,
                                      names, self.show_boundary, title)

        return self.cached_view("network", (self.partition_key(), self.show_boundary), build)

    def decomposition_view(self):
        def build():
            s = self.summary()
            rate = pipeline.flow_entropy_rate(self.flow_settings())
            colors = views.module_palette(self.labels())
            return views.decomposition_view(s.index, s.two_level.module_terms, colors, s.H, rate, self.t)

        return self.cached_view("decomposition", (self.partition_key(),), build)

    def index_book_view(self):
        def build():
            rates, codes = pipeline.index_codebook(self.summary())
            texts = [f"{k + 1}: {code}" for k, code in enumerate(codes)]
            return views.bar_view(rates, views.module_palette(self.labels()), texts, self.t("view_index_book"),
                                  self.t("rate"))

        return self.cached_view("index_book", (self.partition_key(),), build)

    def module_book_view(self):
        def build():
            graph, labels = self.network(), self.labels()
            module = int(labels[min(self.focus, graph.n - 1)])
            members, rates, codes = pipeline.module_codebook(self.flow(), labels, self.summary(), module)
            color = views.module_palette(labels)[module]
            names = [self.t("exit")] + [graph.label(node) for node in members]
            texts = [f"{name}: {code}" for name, code in zip(names, codes)]
            return views.bar_view(rates, [views.GREY] + [color] * len(members), texts,
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
                                views.trajectory_view(overlay, self.marker(), self.summary().L, self.t))

    def modules_view(self):
        def build():
            _, counts, _ = self.trajectory_data()
            return views.modules_view(counts, self.marker(), self.t)

        key = (self.flow_settings(), self.partition_source, self.marker(), self.seed)
        return self.cached_view("modules", key, build)

    def hierarchy_view(self):
        return self.cached_view("hierarchy", (self.partition_key(), self.partition()[1]),
                                lambda: views.hierarchy_view(self.partition()[1], self.flow().p, self.t))

    def coded_walk(self) -> pipeline.CodedWalk:
        """The walk coded with the one-level and the current two-level code (:func:`.pipeline.coded_walk`)."""
        return pipeline.coded_walk(self.flow(), self.labels(), self.walk(), WALK_SHOWN)

    def walk_view(self):
        def build():
            coded = self.coded_walk()
            one_row, two_row = views.coded_walk_rows(self.walk()[:WALK_SHOWN], coded.one_level, coded.two_level,
                                                     self.labels())
            return views.walk_tokens_view([(self.t("one_level"), one_row), (self.t("two_level"), two_row)], self.t)

        return self.cached_view("walk", (self.partition_key(), self.walk_T, self.seed), build)

    def bits_view(self):
        def build():
            coded, s = self.coded_walk(), self.summary()
            return views.bits_view(coded.one_bits, coded.two_bits, s.H, s.L, self.t)

        return self.cached_view("bits", (self.partition_key(), self.walk_T, self.seed), build)

    # ---- the sweep: NMI of three methods along a parameter of a network with a ground truth ------
    def sweep_plan(self) -> tuple[tuple[pipeline.GraphSettings, ...], int] | None:
        """The networks (:func:`.pipeline.sweep_networks`) and the seed of the sweep through the current
        network's swept parameter; ``None`` for a network without one."""
        if self.graph not in pipeline.SWEEPS:
            return None
        return pipeline.sweep_networks(self.graph_settings()), self.seed

    def sweep_points(self) -> list:
        """The points of the current network's sweep once every one is computed (by this reader or
        another: :func:`.pipeline.sweep_point`, nothing is computed here), else none."""
        plan = self.sweep_plan()
        if plan is None:
            return []
        networks, seed = plan
        found = [pipeline.sweep_point.cached(graph, seed) for graph in networks]
        return [] if None in found else [point for points in found for point in points]

    def sweep_view(self):
        label = pipeline.SWEEPS[self.graph][0] if self.graph in pipeline.SWEEPS else "μ / k"
        return views.sweep_view(self.sweep_points(), label, self.t)

    def sweep_task(self) -> Task:
        """The sweep button (:meth:`~kexue_viz.ui.Dashboard.task`): computes the points of the
        :meth:`sweep_plan` read at the press, off the event loop; then the sweep view (trigger
        ``"sweep"``) reads them."""
        return self.task("sweep", run_sweep, lambda _: self.notify("sweep"), prepare=self.sweep_plan)

    # ---- text -----------------------------------------------------------------------------
    def stats(self) -> str:
        s, graph = self.summary(), self.network()
        nmi = pipeline.truth_nmi(graph, self.labels())
        text = self.t("stats", L=s.L, index=s.index, module=s.module, H=s.H, saving=s.saving, m=s.m, n=graph.n,
                      links=graph.num_links, nmi="" if nmi is None else self.t("nmi", nmi=nmi))
        return "  \n".join(filter(None, (text, self.one_module_note(s))))

    def one_module_note(self, s: pipeline.PartitionSummary) -> str:
        """Why Infomap answered with a single module (else ""): no partition it found codes shorter
        than one module, L = H(p); with a planted partition, its codelength says whether the map
        equation itself prefers one module (planted longer) or the search missed it (planted shorter)."""
        if s.m > 1 or self.partition_source not in ("infomap", "multilevel"):
            return ""
        note = self.t("one_module", H=s.H)
        planted = pipeline.planted_codelength(self.flow_settings())
        if planted is None:
            return note
        return note + self.t("one_module_missed" if planted < s.H else "one_module_preferred", L=planted)

    def figure(self):
        """Exported figure: the coloured network, the codelength decomposition, the search
        trajectory and the index codebook."""
        layout = self.network_view() + self.decomposition_view() + self.trajectory_view() + self.index_book_view()
        return styled(layout.cols(2), shared_axes=False, sublabel_format="", fig_inches=(12, 9))

    # ---- layout ---------------------------------------------------------------------------
    def sections(self) -> list[Section]:
        """The readout, the network and what answers a partition change at once; the codebooks,
        the searches' module counts and hierarchy, the coded walk and the sweep in tabs; the note."""
        return [
            Section((View("stats", self.stats, text=True, wide=True, triggers=MANUAL),
                     View("network", self.network_view, main=True, triggers=MANUAL),
                     View("decomposition", self.decomposition_view, triggers=MANUAL),
                     View("trajectory", self.trajectory_view, triggers=MANUAL))),
            Section((View("index_book", self.index_book_view, triggers=MANUAL),
                     View("module_book", self.module_book_view, triggers=MANUAL)), tab="tab_codebooks"),
            Section((View("modules", self.modules_view), View("hierarchy", self.hierarchy_view, triggers=MANUAL)),
                    tab="tab_search"),
            Section((View("walk", self.walk_view, triggers=MANUAL), View("bits", self.bits_view, triggers=MANUAL)),
                    tab="tab_walk"),
            Section((View("sweep", self.sweep_view, wide=True, triggers=("sweep",),
                          shown_when=lambda: self.graph in pipeline.SWEEPS),),
                    widgets=lambda: [self.sweep_task().layout], tab="tab_sweep"),
            Section(note="note"),
        ]

    def build_views(self):
        """The sections, plus what the frame has no hook for: node selections on the network plot
        (tap, lasso) go to :meth:`_on_tap` (the selection of the plot's data source, not a tap's
        coordinates as :func:`~kexue_viz.ui.on_tap` gives), and the sidebar shows only the controls that
        matter for the current network, flow model and source (:attr:`RELEVANT`)."""
        layout = super().build_views()
        network = self.panes["network"]
        self._attach_tap(network)
        network.param.watch(lambda event: self._attach_tap(network), "object")

        def show_relevant(*_):
            run(self._show_relevant_controls)

        run = self.follower(show_relevant)
        show_relevant()
        return layout

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

    def _show_relevant_controls(self) -> None:
        for name, relevant in self.RELEVANT.items():
            if name in self._widgets:
                self._widgets[name].visible = relevant(self)

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

    def step_controls(self) -> list:
        """The step slider and its player, fitted to the current search's trace (they follow what
        the trace reads) and shown for a stepwise source only."""
        slider = pn.widgets.IntSlider.from_param(self.param.step, label=self.t("step"), sizing_mode="stretch_width",
                                                 css_classes=["kv-param-step"])
        player = pn.widgets.Player(start=0, end=MAX_STEP, value=min(self.step, MAX_STEP), interval=120,
                                   loop_policy="once", show_loop_controls=False, width=265, css_classes=["kv-player"])
        player.param.watch(lambda event: setattr(self, "step", event.new), "value")

        def last_step() -> int:
            try:
                return len(self.trace(self.partition_source)) - 1 if self.partition_source in STEPWISE else 0
            except ValueError:
                return 0

        def fit(*_):
            slider.end = player.end = max(run(last_step), 1)
            slider.visible = player.visible = self.partition_source in STEPWISE

        run = self.follower(fit)
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


def run_sweep(plan: tuple[tuple[pipeline.GraphSettings, ...], int] | None, progress) -> None:
    """Compute every point of a sweep plan (:meth:`InfomapDashboard.sweep_plan`), one network at a
    time, telling ``progress`` the share done between networks (where a cancel takes effect); a
    network without a sweep is explained."""
    if plan is None:
        raise TextError(TEXT, "sweep_unavailable")
    networks, seed = plan
    for done, graph in enumerate(networks):
        progress(done / len(networks))
        pipeline.sweep_point(graph, seed)
