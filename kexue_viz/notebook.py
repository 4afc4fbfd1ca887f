"""What a notebook needs on top of the frame (:func:`kexue_viz.ui.init_extension` calls it in a
Jupyter kernel): every script and stylesheet taken from the local installation.

In a notebook Panel and HoloViews take BokehJS, Panel's JS and Panel's stylesheets from
cdn.bokeh.org and cdn.holoviz.org unless told otherwise, so a reader behind a firewall sees no plot
at all (served pages are not concerned: their own server sends them). Hence:

* ``pn.config.inline`` and ``hv.extension(..., inline=True)``: the JS goes into the notebook with
  the first cell's output (about 3 MB, once per notebook; committed notebooks carry no outputs);
* Bokeh's resource mode ``inline``: Panel names its stylesheets by their CDN URL in this mode
  (by a path on a Panel server otherwise, which it then rewrites to the CDN in a notebook);
* every stylesheet link of a rendered output pointed at the installed file
  (:func:`_localize_stylesheets`). Panel inlines the stylesheets of a Panel object it displays
  itself, but not those of a HoloViews object (HoloViews renders it) nor those of a later update
  of a displayed output (a dashboard re-rendering its header after a language switch). Panel keeps
  one stylesheet object per URL and document and reuses it in updates, so pointing those objects at
  the installed files when an output is first rendered keeps its updates local as well.
"""
from __future__ import annotations

import sys
from functools import lru_cache
from urllib.parse import quote

import holoviews as hv
import panel as pn
from bokeh.models import ImportedStyleSheet
from bokeh.models.layouts import LayoutDOM
from bokeh.settings import settings as bokeh_settings
from panel.io.resources import CDN_DIST, DIST_DIR, get_dist_path
from panel.viewable import Viewable


def in_kernel() -> bool:
    """Whether this process is a Jupyter kernel (IPython with a kernel attached)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def inline_resources() -> None:
    """Load HoloViews' notebook display (Bokeh backend) with BokehJS and Panel's JS inline, and make
    the stylesheets of everything rendered from now on local. Call before ``pn.extension``."""
    pn.config.inline = True
    bokeh_settings.resources = "inline"  # Panel builds its stylesheet links from this mode
    local_stylesheets()
    if not getattr(hv.extension, "_loaded", False):
        hv.extension("bokeh", inline=True, logo=False)


def local_stylesheets() -> None:
    """Make every CDN stylesheet of everything rendered from now on local (idempotent): in a
    notebook the installed file as a ``data:`` URL, on a server the server's own copy. A served
    page names Panel's stylesheets by its server's path, but Panel 1.9 sometimes names them by
    their CDN URL (with ``--num-procs``: 3 of 5 page loads; once in the soak test: Panel decides
    by Bokeh's process-wide resource mode, which some of its code switches for a while): served
    pages get the hook too, where it changes nothing unless a CDN URL appears."""
    if _localize_stylesheets not in Viewable._preprocessing_hooks:  # Panel's hooks (no public API)
        Viewable._preprocessing_hooks.append(_localize_stylesheets)


def _localize_stylesheets(viewable: Viewable, root: LayoutDOM) -> None:
    """Point every CDN stylesheet under ``root`` at its installed file (as a ``data:`` URL), in
    place, so that every model sharing the stylesheet object follows (Panel runs this hook on
    each output it or HoloViews renders)."""
    served = not in_kernel()
    for sheet in root.select({"type": ImportedStyleSheet}):
        local = served_stylesheet_url(sheet.url) if served else local_stylesheet_url(sheet.url)
        if local is not None:
            sheet.url = local


def served_stylesheet_url(url: str) -> str | None:
    """The path under which a Panel server serves Panel's CDN stylesheet ``url`` (the stylesheet's
    own relative links, e.g. the loading spinner's image, then resolve on the server too);
    ``None`` for any other URL."""
    return url.replace(CDN_DIST, get_dist_path(cdn=False), 1) if url.startswith(CDN_DIST) else None


@lru_cache(maxsize=None)
def local_stylesheet_url(url: str) -> str | None:
    """The installed copy of Panel's CDN stylesheet ``url`` as a ``data:`` URL; ``None`` for any
    other URL (or a file this Panel does not ship)."""
    if not url.startswith(CDN_DIST):
        return None
    path = DIST_DIR / url[len(CDN_DIST):].split("?")[0]
    if not path.is_file():
        return None
    return "data:text/css;charset=utf-8," + quote(path.read_text(encoding="utf-8"))
