"""Per-view export (issue 15), for every registered dashboard without a browser: each view but the
text ones exports alone to PNG, SVG and PDF (tabs never opened included), has a label in both
languages, and a name that is no view is explained rather than raised as a fault.

One dashboard per series serves the whole module (:func:`boards`): the views' results are memoised
by the pipelines, so the export test pays for rendering, not for recomputing."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import pytest

from kexue_viz.i18n import TextError
from kexue_viz.registry import DASHBOARDS, WHOLE_FIGURE

SLUGS = sorted(DASHBOARDS)
HAN = re.compile(r"[\u3400-\u9fff]")
SMALLEST_FILE = 4000  # bytes: an exported panel with axes, ticks and a title is larger than this


@pytest.fixture(scope="module")
def boards():
    """``boards(slug)``: the module's one dashboard of that series, made when first asked for."""
    made = {}

    def board(slug: str):
        if slug not in made:
            made[slug] = DASHBOARDS[slug].load()()
        return made[slug]

    return board


def is_valid(fmt: str, data: bytes) -> bool:
    """Whether ``data`` is a whole file of format ``fmt``: PNG's signature, an SVG document that
    parses as XML, a PDF's header and end-of-file mark."""
    if fmt == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")
    if fmt == "svg":
        return ElementTree.fromstring(data).tag.endswith("svg")
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-32:]


@pytest.mark.parametrize("slug", SLUGS)
def test_every_view_exports_alone_to_png_svg_and_pdf(slug, boards):
    """PNG and SVG in Chinese, PDF in English: each view is drawn in both languages, and the PDF
    embeds the Latin font only (a third less time than with the CJK font, whose embedding the PNG
    and SVG do not exercise: glyph coverage is tests/unit/test_export_fonts.py's). The formats of
    one language are saved from one drawing (:meth:`~kexue_viz.ui.Dashboard.export_files`)."""
    board = boards(slug)
    failures = []
    try:
        for lang, formats in (("zh", ("png", "svg")), ("en", ("pdf",))):
            board.lang = lang
            for key in board.exportable_views():
                files = board.export_files(formats, key)
                failures += [problem for fmt, data in files.items()
                             if (problem := export_problem(board, key, fmt, data))]
    finally:
        board.lang = "zh"
    assert not failures, f"{slug}: " + "; ".join(failures)


def export_problem(board, key: str, fmt: str, data: bytes) -> str | None:
    """What is wrong with ``data``, the export of view ``key`` in format ``fmt``, or ``None``."""
    if not (is_valid(fmt, data) and len(data) > SMALLEST_FILE):
        return f"{key}.{fmt} ({board.lang}): {len(data)} bytes starting {data[:16]!r}"
    if fmt == "svg" and f"view={key};".encode() not in data:
        return f"{key}.svg: the view is not named in the metadata"
    return None


@pytest.mark.parametrize("slug", SLUGS)
def test_every_exportable_view_has_a_label_in_both_languages(slug, boards):
    """The views are the sections' non-text views, in page order, each named in the export menu and
    ``kexue-viz list`` in Chinese (with Han characters) and in English (without)."""
    board = boards(slug)
    views = [view for section in board.sections() for view in section.views_in_page_order()]
    keys = [view.key for view in views if not view.text]
    assert list(board.exportable_views()) == keys and WHOLE_FIGURE not in keys
    labels = DASHBOARDS[slug].views()
    assert list(labels) == keys, "the registry table is stale: run `python -m kexue_viz.registry`"
    for key, label in labels.items():
        assert HAN.search(label["zh"]), f"{slug}.{key}: zh label {label['zh']!r} has no Chinese"
        assert not HAN.search(label["en"]), f"{slug}.{key}: en label {label['en']!r} has Chinese"
    for lang in ("zh", "en"):
        names = [label[lang] for label in labels.values()]
        assert len(set(names)) == len(names), f"{slug}: two views share a {lang} label"


@pytest.mark.parametrize("slug", SLUGS)
def test_a_name_that_is_no_view_is_explained(slug, boards):
    """An unknown name, or a text view's, is a :class:`TextError` (shown in the page, printed by the
    CLI) naming the views there are, in either language."""
    board = boards(slug)
    text_views = [view.key for section in board.sections() for view in section.views if view.text]
    for name in ["no_such_view", *text_views[:1]]:
        with pytest.raises(TextError) as raised:
            board.export_bytes("png", name)
        first_view = next(iter(board.exportable_views()))
        for lang in ("zh", "en"):
            message = raised.value.in_language(lang)
            assert name in message and first_view in message, message
