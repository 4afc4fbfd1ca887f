"""The frame's contract, checked for every registered dashboard (without a browser): bounded
parameters, valid ``LATENCY_MOVES``, unknown settings rejected with a message, and an export
button that writes byte for byte what ``kexue-viz export`` writes for the same parameters."""
from __future__ import annotations

import param
import pytest
from bokeh.document import Document
from bokeh.models import GridBox

from kexue_viz import cli, figures, pipeline
from kexue_viz.registry import DASHBOARDS
from kexue_viz.ui import Dashboard

SLUGS = sorted(DASHBOARDS)


@pytest.fixture(params=SLUGS)
def slug_and_class(request):
    return request.param, DASHBOARDS[request.param].load()


def test_every_settable_parameter_is_bounded(slug_and_class):
    """Every parameter a reader can set (widget, URL, CLI ``--set``) has finite bounds; derived
    counters (precedence −1) are not settable."""
    _, cls = slug_and_class
    assert issubclass(cls, Dashboard)
    board = cls()
    for name in board.url_parameters():
        parameter = board.param[name]
        if isinstance(parameter, (param.Number, param.Range)):
            assert parameter.bounds is not None and None not in parameter.bounds, name


def test_latency_moves_are_valid_values(slug_and_class):
    """The update benchmarks move these: each list has 12–24 values, starts away from the
    default (the first move is a real change), and every value is accepted."""
    _, cls = slug_and_class
    board = cls()
    for name, values in cls.LATENCY_MOVES.items():
        assert 12 <= len(values) <= 24 and getattr(board, name) != values[0], name
        for value in values:
            setattr(board, name, value)


def test_unknown_setting_is_rejected_with_a_message(slug_and_class):
    _, cls = slug_and_class
    board = cls()
    before = board.settings()
    problems = board.apply_settings({"nonsense": "1"})
    assert len(problems) == 1 and "nonsense" in problems[0]
    assert board.settings() == before


def test_export_button_matches_cli(slug_and_class, tmp_path):
    """Move the first benchmarked parameter, then compare the button's SVG of the whole figure with
    the CLI's; then its PNG of the last view alone at the slide width (a view of a tab never opened,
    where the dashboard has tabs) with ``kexue-viz export --view --width``'s."""
    slug, cls = slug_and_class
    name, values = next(iter(cls.LATENCY_MOVES.items()))
    setting = f"{name}={values[0]}"
    board = cls()
    board.__panel__()
    assert board.apply_settings({name: str(values[0])}) == []
    board.export_format = "svg"
    from_button = board._export_file().getvalue()
    out = tmp_path / "fig.svg"
    assert cli.main(["export", slug, "--set", setting, "-o", str(out)]) == 0
    assert out.read_bytes() == from_button
    assert setting.encode() in from_button, "the parameters belong in the file's metadata"

    view = list(board.exportable_views())[-1]
    board.export_view, board.export_format, board.export_width = view, "png", "slide"
    assert board._export_button.filename == f"kexue_viz-{slug}-{view}-slide.png"
    from_button = board._export_file().getvalue()
    out = tmp_path / "view.png"
    assert cli.main(["export", slug, "--set", setting, "--view", view, "--width", "slide", "-o", str(out)]) == 0
    assert out.read_bytes() == from_button and not board._error.visible
    assert f"view={view};".encode() in from_button


@pytest.mark.parametrize("slug", [slug for slug in SLUGS if DASHBOARDS[slug].load().SCRUBBED])
def test_scrubbing_moves_the_live_parameter_only(slug):
    """A scrub (drag, player) moves the parameter but not its settled twin; a programmatic
    change (URL, CLI) settles at once."""
    cls = DASHBOARDS[slug].load()
    (live, settled), = cls.SCRUBBED.items()
    board = cls()
    assert getattr(board, settled) == getattr(board, live)
    start, first = getattr(board, live), cls.LATENCY_MOVES[live][0]
    board.scrub(live, first)
    assert getattr(board, live) == first and getattr(board, settled) == start
    second = cls.LATENCY_MOVES[live][1]
    setattr(board, live, second)
    assert getattr(board, settled) == second


def test_a_second_reader_at_the_defaults_computes_and_renders_nothing(slug_and_class):
    """Results are shared by every session (the pipelines' memos) and so are rendered figures
    (:mod:`kexue_viz.figures`): a second page at the settings of an open one computes no result
    and renders no figure with HoloViews, every tab opened."""
    _, cls = slug_and_class
    first = cls()
    first.__panel__()
    first.open_every_tab()
    misses = [memo.cache_info().misses for memo in pipeline.MEMOS]
    renders = figures.FIGURES.misses
    second = cls()
    second.__panel__()
    second.open_every_tab()
    assert [memo.cache_info().misses for memo in pipeline.MEMOS] == misses
    assert figures.FIGURES.misses == renders
    assert second._live.keys() == first._live.keys()


def test_grid_children_stay_the_same_models_through_a_language_switch(slug_and_class):
    """A grid's children must never change in the page: BokehJS lays a grid out by child index and
    throws ("reading 'parent_style'") when a layout pass comes while a new child's view is being
    built. A language switch gives every plot a new figure, so each grid cell is a column whose
    own children change, never the grid's (the InfoMap notebook failed in JupyterLab without)."""
    _, cls = slug_and_class
    board = cls()
    document = Document()
    root = board.__panel__().get_root(document)
    document.add_root(root)
    board.open_every_tab()

    def grid_children():
        return {grid.id: [child.id for child, *_ in grid.children]
                for grid in document.models if isinstance(grid, GridBox)}

    before = grid_children()
    assert before, "no grid: this check would test nothing"
    board.lang = "en" if board.lang == "zh" else "zh"
    assert grid_children() == before
