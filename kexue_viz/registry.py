"""The dashboards the package ships: slug -> where the class lives, what it covers, its title, its
parameters with their bounds and the views it exports alone.

Titles, parameters and views are read from ``data/dashboards.json``, a table generated from the
dashboard classes (``python -m kexue_viz.registry`` rewrites it; a test checks it equals what the
classes declare). So ``kexue-viz list`` and ``--help`` answer without importing torch, Panel or HoloViews,
which takes seconds; only ``export`` and ``serve`` load a dashboard.
"""
from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("data") / "dashboards.json"
# what an export writes when no view is named (``export --view``, a dashboard's ``export_view``): the
# composed figure (``figure()``); no view has this key
WHOLE_FIGURE = "figure"


@dataclass(frozen=True)
class DashboardEntry:
    slug: str
    module: str
    cls: str
    posts: tuple[str, ...]

    def load(self):
        """Import and return the dashboard class."""
        return getattr(importlib.import_module(self.module), self.cls)

    def title(self, lang: str) -> str:
        """The dashboard's title in ``lang`` (from the generated table)."""
        return load_table()[self.slug]["title"][lang]

    def parameters(self) -> dict[str, "Parameter"]:
        """name -> :class:`Parameter`, every parameter a link or ``--set`` may give (from the table)."""
        return {row["name"]: Parameter(**row) for row in load_table()[self.slug]["parameters"]}

    def views(self) -> dict[str, dict[str, str]]:
        """view key -> its label by language: the views ``export --view`` writes alone, in page order
        (from the table; see :meth:`kexue_viz.ui.Dashboard.exportable_views`)."""
        return {row["key"]: row["label"] for row in load_table()[self.slug]["views"]}


@dataclass(frozen=True)
class Parameter:
    """One dashboard parameter as the table records it. ``kind`` is one of :data:`KINDS`;
    ``bounds`` (low, high; ``None`` = open) for numbers and ranges, ``options`` for selectors."""

    name: str
    kind: str
    default: Any
    label: dict[str, str]
    bounds: list | None = None
    options: list | None = None

    def domain(self) -> str:
        """What values the parameter takes, e.g. ``integer 1…64`` or ``legs | legt | fout``."""
        if self.kind in ("integer", "number"):
            return f"{self.kind} {_bounds(self.bounds)}"
        if self.kind == "range":
            return f"range within {_bounds(self.bounds)}"
        if self.kind == "selector":
            return " | ".join(map(_value, self.options))
        if self.kind == "list":
            return "any of " + ", ".join(map(_value, self.options))
        return {"boolean": "true | false", "text": "text"}[self.kind]

    def default_text(self) -> str:
        if self.kind in ("list", "range"):
            return ",".join(map(_value, self.default))
        return _value(self.default)


KINDS = ("integer", "number", "range", "selector", "list", "boolean", "text")


def _value(value) -> str:
    return str(value).lower() if isinstance(value, bool) else f"{value:g}" if isinstance(value, float) else str(value)


def _bounds(bounds) -> str:
    low, high = bounds or (None, None)
    return f"{'−∞' if low is None else _value(low)}…{'∞' if high is None else _value(high)}"


DASHBOARDS: dict[str, DashboardEntry] = {  # in the order the index page and `kexue-viz list` show them
    "hippo": DashboardEntry("hippo", "kexue_viz.ssm.dashboard", "HippoDashboard",
                            ("10114", "10137", "10162", "10180")),
    "diffusion_ode": DashboardEntry("diffusion_ode", "kexue_viz.diffusion.dashboard", "DiffusionOdeDashboard",
                                    ("9280", "9305", "9370", "9379")),
    "attention_scale": DashboardEntry("attention_scale", "kexue_viz.attention.dashboard", "AttentionScaleDashboard",
                                      ("9812", "8823", "9034", "9889", "9595", "9403")),
    "adam_epsilon_batch": DashboardEntry("adam_epsilon_batch", "kexue_viz.scaling.dashboard", "AdamEpsilonDashboard",
                                         ("10542", "10563", "11280", "9473", "9902")),
    "infomap_communities": DashboardEntry("infomap_communities", "kexue_viz.mapequation.dashboard",
                                          "InfomapDashboard", ("7006",)),
    "low_rank": DashboardEntry("low_rank", "kexue_viz.lowrank.dashboard", "LowRankDashboard",
                               ("10366", "10407", "10427", "10501", "10662")),
    "lora": DashboardEntry("lora", "kexue_viz.lora.dashboard", "LoRADashboard", ("9590", "10001", "10226", "10266")),
}


def get_dashboard(slug: str) -> DashboardEntry:
    try:
        return DASHBOARDS[slug]
    except KeyError:
        raise ValueError(f"unknown dashboard {slug!r}; available: {', '.join(sorted(DASHBOARDS))}") from None


@lru_cache(maxsize=1)
def load_table() -> dict:
    """The generated table: slug -> {"title": {lang: text}, "parameters": [row, ...], "views": [row, ...]}."""
    return json.loads(TABLE.read_text(encoding="utf-8"))


# ---- generating the table (imports every dashboard) --------------------------------------------------
def build_table() -> dict:
    """The table as the dashboard classes declare it now (what :func:`load_table` must equal)."""
    return {slug: describe_class(entry.load()) for slug, entry in DASHBOARDS.items()}


def describe_class(dashboard_class) -> dict:
    """Title, parameter rows and exportable views of a :class:`~kexue_viz.ui.Dashboard` subclass:
    exactly the parameters its instances accept from a link or ``--set`` (``url_parameters``) and
    the views ``export --view`` takes (``exportable_views``), each with its label per language."""
    from .i18n import FRAME_TEXT

    dashboard = dashboard_class()
    table = FRAME_TEXT.merged(dashboard_class.text)
    return {
        "title": {lang: table.get("title", lang) for lang in ("zh", "en")},
        "parameters": [_row(name, dashboard.param[name], table) for name in dashboard.url_parameters()],
        "views": [{"key": key, "label": {lang: table.get(f"export_view.{key}", lang) for lang in ("zh", "en")}}
                  for key in dashboard.exportable_views()],
    }


def _row(name: str, parameter, table) -> dict:
    import param  # light (no torch/Panel), but only generation needs it

    kinds = [(param.Boolean, "boolean"), (param.Integer, "integer"), (param.Number, "number"),
             (param.Range, "range"), (param.ListSelector, "list"), (param.Selector, "selector"),
             (param.String, "text")]
    kind = next(kind for cls, kind in kinds if isinstance(parameter, cls))
    row = {"name": name, "kind": kind, "default": _plain(parameter.default),
           "label": {lang: table.get(name, lang) for lang in ("zh", "en")}}
    if kind in ("integer", "number", "range"):
        row["bounds"] = _plain(parameter.bounds)
    if kind in ("selector", "list"):
        row["options"] = _plain(parameter.objects)
    return row


def _plain(value):
    """``value`` with tuples as lists (what JSON gives back)."""
    return [_plain(item) for item in value] if isinstance(value, (list, tuple)) else value


def write_table(path: Path = TABLE) -> None:
    """Write :func:`build_table` to ``path``, one parameter per line (readable diffs)."""
    def dumps(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    def rows(values) -> str:
        return "[\n" + ",\n".join(f"  {dumps(row)}" for row in values) + "\n ]"

    blocks = [f' {dumps(slug)}: {{"title": {dumps(entry["title"])}, "parameters": {rows(entry["parameters"])}, '
              f'"views": {rows(entry["views"])}}}'
              for slug, entry in build_table().items()]
    path.write_text("{\n" + ",\n".join(blocks) + "\n}\n", encoding="utf-8")


if __name__ == "__main__":
    write_table()
    print(f"wrote {TABLE}")
