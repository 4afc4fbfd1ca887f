"""The page that lists every dashboard: one card per registry entry (title, posts) and the
stylesheet the cards share.

Two pages use it: the static index of ``kexue-viz serve`` (:func:`static_index`, both languages on
one card, links ``./<slug>``) and the landing page of ``panel serve apps/`` (:mod:`kexue_viz.landing`,
one language, links ``?app=<slug>&lang=<lang>``). Imports no Panel, so ``kexue-viz list`` stays light.
Nothing is fetched from another host: no web fonts, no scripts.
"""
from __future__ import annotations

import html
from typing import Callable

from .i18n import FRAME_TEXT, TextTable
from .registry import DASHBOARDS, DashboardEntry

INDEX_TEXT = FRAME_TEXT.merged(TextTable({
    "lead": {"zh": "每个页面对应科学空间（kexue.fm）的一组文章：拖动滑块，看推导如何变化；当前的图可以导出。",
             "en": "Each page follows a series of posts on Scientific Spaces (kexue.fm): move a slider and "
                   "watch the derivation move; export the figure you see."},
    "card_posts": {"zh": "kexue.fm 文章：{posts}", "en": "kexue.fm posts: {posts}"},
    "unknown_app": {"zh": "没有名为 “{app}” 的页面，请从下面选择。", "en": "There is no page named “{app}”; choose one below."},
}))

INDEX_CSS = """
.kv-index { max-width: 900px; margin: 0 auto; padding: 0 20px 32px 20px; color: #222;
            font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "WenQuanYi Micro Hei", sans-serif; }
.kv-index h1 { font-size: 1.6em; margin: 0.6em 0 0.2em 0; }
.kv-index p.kv-lead { color: #555; margin: 0 0 1.2em 0; line-height: 1.5; }
.kv-index .kv-other { display: block; font-size: 0.8em; font-weight: normal; color: #666; margin-top: 2px; }
.kv-index p.kv-unknown { color: #8a1c1c; background: #fdecea; border-radius: 6px; padding: 8px 12px; }
.kv-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 14px; }
a.kv-card { display: block; border: 1px solid #d0d7de; border-left: 4px solid #0072B2; border-radius: 8px;
            padding: 14px 18px; text-decoration: none; color: inherit; background: #fff; }
a.kv-card:hover, a.kv-card:focus { border-color: #0072B2; background: #f4f8fc; }
.kv-card-title { font-size: 1.05em; color: #0072B2; line-height: 1.4; }
.kv-card-subtitle { color: #333; margin-top: 2px; }
.kv-card-posts { color: #666; font-size: 0.88em; margin-top: 8px; }
"""

STATIC_TEMPLATE = """<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kexue_viz</title>
<style>{css}</style>
</head>
<body>
<main class="kv-index">
{body}
</main>
</body>
</html>
"""


def card(entry: DashboardEntry, href: str, langs: tuple[str, ...]) -> str:
    """One dashboard's card, a link to ``href``: its title in ``langs[0]`` (and below it in the
    other languages of ``langs``), then its posts' numbers."""
    titles = [html.escape(entry.title(lang)) for lang in langs]
    posts = INDEX_TEXT.get("card_posts", langs[0], posts=" · ".join(entry.posts))
    subtitles = "".join(f'<div class="kv-card-subtitle">{title}</div>' for title in titles[1:])
    return (f'<a class="kv-card" href="{html.escape(href)}"><div class="kv-card-title">{titles[0]}</div>'
            f'{subtitles}<div class="kv-card-posts">{html.escape(posts)}</div></a>')


def index_body(href: Callable[[str], str], langs: tuple[str, ...], unknown: str = "") -> str:
    """Heading, lead and every dashboard's :func:`card` (link ``href(slug)``), in ``langs``; a
    note first when the link asked for a page ``unknown`` that does not exist."""
    def text(key: str, **values) -> str:
        first, *others = (html.escape(INDEX_TEXT.get(key, lang, **values)) for lang in langs)
        return first + "".join(f'<span class="kv-other">{other}</span>' for other in others)

    note = f'<p class="kv-unknown">{text("unknown_app", app=unknown)}</p>' if unknown else ""
    cards = "\n".join(card(entry, href(slug), langs) for slug, entry in DASHBOARDS.items())
    return (f'<h1>{text("index_title")}</h1>\n<p class="kv-lead">{text("lead")}</p>\n{note}'
            f'<div class="kv-cards">\n{cards}\n</div>')


def static_index() -> str:
    """The static page of ``kexue-viz serve --index``: both languages, links ``./<slug>``."""
    body = index_body(lambda slug: f"./{slug}", ("zh", "en"))
    return STATIC_TEMPLATE.format(css=INDEX_CSS, body=body)
