"""``panel serve apps/``: Bokeh serves the directory as one app, ``/apps``, built by ``apps/main.py``.

:func:`serve_directory` builds, for each page request, the dashboard the link's
:data:`~kexue_viz.ui.ROUTE_KEY` names (``/apps?app=hippo``: the same :func:`~kexue_viz.ui.serve` and
class as ``apps/hippo.py``), or else the landing page, :class:`Landing`: every dashboard's card in
the chosen language, each linking to ``?app=<slug>&lang=<lang>`` (relative, so the links hold under
a reverse proxy's prefix). The language switch is kept in the link, as on every dashboard.
"""
from __future__ import annotations

import panel as pn
import param

from .i18n import LANGUAGES
from .index_page import INDEX_CSS, index_body
from .registry import DASHBOARDS
from .ui import ROUTE_KEY, init_extension, serve

PAGE_WIDTH = 940


class Landing(pn.viewable.Viewer):
    """The landing page: a language switch and every dashboard's card (:func:`index_body`)."""

    lang = param.Selector(default="zh", objects=list(LANGUAGES), doc="language of the page and of the links")
    unknown = param.String(default="", doc="a page name the link asked for that does not exist ('' when none)")

    def dashboard_link(self, slug: str) -> str:
        """The link to dashboard ``slug`` in the current language (relative to this page)."""
        return f"?{ROUTE_KEY}={slug}&lang={self.lang}"

    @param.depends("lang")
    def cards(self) -> pn.pane.HTML:
        """Heading, lead and the cards, in the current language."""
        body = index_body(self.dashboard_link, (self.lang,), self.unknown)
        return pn.pane.HTML(f'<main class="kv-index">{body}</main>', stylesheets=[INDEX_CSS],
                            sizing_mode="stretch_width", css_classes=["kv-landing"])

    def __panel__(self):
        switch = pn.widgets.RadioButtonGroup.from_param(self.param.lang, options={"中文": "zh", "English": "en"},
                                                        description=None, width=160)
        if pn.state.location is not None:
            self.param.watch(lambda event: pn.state.location.update_query(lang=event.new), "lang")
        return pn.Column(pn.Row(pn.HSpacer(), switch, sizing_mode="stretch_width", margin=(8, 20, 0, 20)), self.cards,
                         max_width=PAGE_WIDTH, sizing_mode="stretch_width", styles={"margin": "0 auto"})


def link_value(key: str) -> str:
    """The value of ``key`` in the page's link ('' when absent)."""
    values = pn.state.session_args.get(key)
    return values[0].decode("utf-8", "replace") if values else ""


def serve_directory() -> None:
    """Entry point of ``apps/main.py``: mark servable the dashboard the link names, else the
    landing page (with a note when the link names a page that does not exist)."""
    slug = link_value(ROUTE_KEY)
    if slug in DASHBOARDS:
        serve(DASHBOARDS[slug].load())
        return
    init_extension()
    lang = link_value("lang")
    landing = Landing(lang=lang if lang in LANGUAGES else "zh", unknown=slug)
    pn.panel(landing).servable(title="kexue_viz")
