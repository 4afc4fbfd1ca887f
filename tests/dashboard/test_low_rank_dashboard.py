"""The low-rank lab driven through its parameters, without a browser: what it shows is what the core
computes, the posts' numbers appear where a reader looks for them, uploads are checked, the band button
computes the seeds' spread."""
from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from kexue_viz.lowrank import cur, idec, pipeline
from kexue_viz.lowrank.dashboard import LowRankDashboard
from kexue_viz.lowrank.matrices import MatrixSpec


@pytest.fixture(scope="module")
def shared_board():
    board = LowRankDashboard(lang="en")
    board.__panel__()
    return board


@pytest.fixture
def dashboard(shared_board):
    """One built dashboard for the module, reset to the defaults."""
    defaults = {name: shared_board.param[name].default for name in shared_board.url_parameters()}
    defaults["lang"] = "en"
    shared_board.param.update(**defaults)
    shared_board._problems.clear()
    shared_board._show_problems()
    yield shared_board
    shared_board.param.update(**defaults)


def curve_values(view, label: str) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) of the curve labelled ``label`` in an overlay."""
    element = next(el for el in view.values() if el.label == label)
    return element.dimension_values(0), element.dimension_values(1)


def test_svd_curve_is_the_eym_tail_and_the_china_numbers_of_post_5(dashboard):
    """At long side 256 the matrix is brief Q17's 213×320 China image: the SVD's relative error at
    r = 5, 10, 20, 50 is 0.15300 / 0.12486 / 0.09666 / 0.06019 (the Eckart–Young–Mirsky tail)."""
    dashboard.param.update(size=256, methods=["svd", "cur_deim"])
    ranks, errors = curve_values(dashboard.error_view(), "SVD (optimal)")
    sigma = np.linalg.svd(pipeline.matrix(dashboard.matrix_source()), compute_uv=False)
    tail = np.sqrt(np.cumsum((sigma ** 2)[::-1])[::-1]) / np.linalg.norm(sigma)
    np.testing.assert_allclose(errors, tail[ranks.astype(int)], rtol=1e-10)
    for r, want in [(5, 0.15300), (10, 0.12486), (20, 0.09666), (50, 0.06019)]:
        assert errors[ranks == r][0] == pytest.approx(want, abs=5e-6)


def test_deim_cur_and_the_cross_erratum_in_the_approximation_title(dashboard):
    """Q17 / E18: DEIM-CUR at r = 20 on the China image has relative error 0.14803 with U = C†MR† and 3.978
    with the 'natural' cross U = M[S₂,S₁]†; the title shows each, the cross one with its condition number."""
    dashboard.param.update(size=256, r=20, focus="cur_deim")
    assert "error 0.148 " in _title(dashboard.approximation_view())
    dashboard.u_choice = "cross"
    title = _title(dashboard.approximation_view())
    assert "3.98" in title and "cond" in title
    M = pipeline.tensor(dashboard.matrix_source())
    direct = cur.deim_cur(M, 20, u="cross")
    error = float(torch.linalg.norm(M - cur.cur_approximation(M, direct)) / torch.linalg.norm(M))
    assert error == pytest.approx(3.978, abs=5e-4)


def _title(view) -> str:
    import holoviews as hv
    return hv.Store.lookup_options("bokeh", view, "plot").kwargs.get("title", "")


def test_id_curve_equals_the_direct_residual_of_scipy_pivots(dashboard):
    """The ID·CPQR curve (suffix sums of one CPQR) equals ‖M − C C†M‖ for the first r pivots, rank by rank."""
    dashboard.param.update(methods=["id_cpqr"])
    ranks, errors = curve_values(dashboard.error_view(), "ID · CPQR")
    M = pipeline.tensor(dashboard.matrix_source())
    pivots = idec.cpqr(M).piv
    for r in (1, 7, 16, 40):
        C = M[:, pivots[:r]]
        direct = torch.linalg.norm(M - C @ torch.linalg.pinv(C) @ M) / torch.linalg.norm(M)
        assert errors[ranks == r][0] == pytest.approx(float(direct), rel=1e-9)


def test_every_method_at_every_rank_is_above_the_optimum(dashboard):
    dashboard.methods = list(pipeline.METHODS)
    view = dashboard.error_view()
    eym_r, eym = curve_values(view, "EYM optimum")
    for element in view.values():
        if type(element).__name__ == "Curve" and element.label not in ("EYM optimum", "") and "bound" not in \
                element.label and "EYM" not in element.label:
            ranks, errors = element.dimension_values(0), element.dimension_values(1)
            floor = np.interp(ranks, eym_r, eym)
            assert np.all(errors[np.isfinite(errors)] >= floor[np.isfinite(errors)] * (1 - 1e-9)), element.label


def test_band_button_computes_the_seeds_spread_for_every_randomised_method(dashboard):
    """Before the press a randomised method shows the sidebar's seed; the task computes the band over the
    seeds (no server: at once), and the curve becomes the median with a min–max band."""
    dashboard.param.update(methods=["svd", "rsvd", "id_colsample"], n_seeds=4, seed=3)
    labels = [el.label for el in dashboard.error_view().values()]
    assert "randomised SVD" in labels and not any("median" in label for label in labels)
    dashboard._band_task.button.clicks += 1
    view = dashboard.error_view()
    labels = [el.label for el in view.values()]
    assert "randomised SVD (median of 4 seeds)" in labels and "ID · column sampling (median of 4 seeds)" in labels
    assert sum(type(el).__name__ == "Area" for el in view.values()) == 2


def test_a_rank_beyond_the_matrix_is_shown_at_its_largest(dashboard):
    """Digits data are 192×64: r = 100 is shown as r = 64 (min(n, m, 128)), without an error."""
    dashboard.param.update(source="digits", r=100, focus="id_cpqr")
    assert dashboard.rank() == 64
    assert "r = 64" in _title(dashboard.spread_view())
    assert not dashboard._error.visible


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_uploaded_image_becomes_the_matrix_and_a_bad_one_is_explained(dashboard):
    pixels = (np.add.outer(np.arange(60), np.arange(90)) % 256).astype(np.uint8)
    dashboard.load_upload("ramp.png", _png(pixels))
    assert dashboard.source == "upload" and not dashboard._error.visible
    n, m = dashboard.shape()
    assert (n, m) == (60, 90)
    assert f"{n}×{m}" in _title(dashboard.original_view())
    dashboard.load_upload("broken.png", b"not an image at all")
    assert dashboard._error.visible and "Upload rejected" in dashboard._error.object
    assert dashboard.shape() == (60, 90)  # the matrix shown before stays


def test_choosing_upload_without_a_file_says_what_to_do():
    board = LowRankDashboard(lang="en", source="upload")
    board.__panel__()
    assert board._error.visible and "Upload a file first" in board._error.object


def test_post_tabs_show_the_posts_numbers(dashboard):
    """Post 1 (Q3): the ε path equals its closed form at ε = 1e−2; gradient descent from zero reaches A†M.
    Post 2 (F-SVD): the default 2×2 matrix has σ = (1.7192034, 1.0120966). Post 3 (Q8's rule): the CR
    expectation at r draws is the one-draw value divided by r."""
    path = pipeline.eps_path(0)
    at = np.argmin(np.abs(np.log10(path["eps"]) + 2))
    assert path["float64"][at] == pytest.approx(path["closed_form"][at], rel=1e-6)
    assert pipeline.descent(0)["zero_to_pinv"][-1] < 1e-12
    assert "σ₁ = 1.7192" in _title(dashboard.geometry_view()) and "σ₂ = 1.0121" in _title(dashboard.geometry_view())
    data = pipeline.cr_curves(dashboard.product_settings(), dashboard.seeds(), 16)
    expected = data["expected"]["optimal"]
    np.testing.assert_allclose(expected * np.arange(1, 17), expected[0], rtol=1e-12)


def test_matrix_names_are_shared_between_readers():
    """Two readers at the same settings name the same matrix: the pipeline computes it once."""
    first, second = LowRankDashboard(), LowRankDashboard()
    assert first.matrix_source() == second.matrix_source() == MatrixSpec("china", 192)
