"""The dashboards the package ships: slug -> where the class lives and what it covers."""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class DashboardEntry:
    slug: str
    module: str
    cls: str
    posts: tuple[str, ...]

    def load(self):
        """Import and return the dashboard class."""
        return getattr(importlib.import_module(self.module), self.cls)


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
}


def get_dashboard(slug: str) -> DashboardEntry:
    try:
        return DASHBOARDS[slug]
    except KeyError:
        raise ValueError(f"unknown dashboard {slug!r}; available: {', '.join(sorted(DASHBOARDS))}") from None
