"""Presets and uploads of the low-rank lab (kexue_viz.lowrank.matrices) against independent routes: the
shipped files read with numpy/sklearn directly, numpy/scipy spectra and pivoted QR, the brief's sizes (§4.1,
§4.3) and its china numbers (Q17) and Kahan numbers (Q13), and one test per bad upload."""
from __future__ import annotations

import io
import pickle

import numpy as np
import pytest
import scipy.linalg
import torch
from hypothesis import given, settings, strategies as st
from PIL import Image
from sklearn.datasets import load_sample_image

from kexue_viz.lowrank import matrices
from kexue_viz.lowrank.matrices import (PRESETS, SHIPPED_PRESETS, SIZES, UNSEEDED_PRESETS, MatrixSpec, block_average,
                                        block_factor, build_matrix, build_product, kahan, matrix_from_upload,
                                        with_spectrum)
from numeric_asserts import assert_close, npy


def china_reference() -> np.ndarray:
    """Brief Q17: ``load_sample_image('china.jpg').mean(2)/255``, full resolution."""
    return load_sample_image("china.jpg").mean(2) / 255


def loop_block_average(a: np.ndarray, f: int) -> np.ndarray:
    """Block means by explicit loops (the independent route for block_average)."""
    h, w = a.shape[0] // f, a.shape[1] // f
    return np.array([[a[i * f:(i + 1) * f, j * f:(j + 1) * f].mean() for j in range(w)] for i in range(h)])


# --- shipped images --------------------------------------------------------------------------------------

def test_china_sizes_match_the_brief():
    """§4.1 default 192 → 142×213, §4.3 columns 85×128 / 142×213 / 213×320, 512 → full 427×640."""
    want = {64: (42, 64), 128: (85, 128), 192: (142, 213), 256: (213, 320), 512: (427, 640)}
    got = {size: tuple(build_matrix(MatrixSpec("china", size)).shape) for size in SIZES}
    assert got == want
    assert MatrixSpec().source == "china" and MatrixSpec().size == 192


def test_china_is_q17_image_and_its_svd_errors():
    """Q17: the 426×640 crop of the mean-over-RGB/255 image, 2×2 block-averaged (size 256), has SVD relative
    Frobenius errors 0.15300 / 0.12486 / 0.09666 / 0.06019 at r = 5 / 10 / 20 / 50."""
    ref = china_reference()[:426].reshape(213, 2, 320, 2).mean(axis=(1, 3))
    g = npy(build_matrix(MatrixSpec("china", 256)))
    assert_close(g, ref, 1e-15, "china 256")
    s = np.linalg.svd(g, compute_uv=False)
    errors = [np.sqrt((s[r:] ** 2).sum()) / np.linalg.norm(g) for r in (5, 10, 20, 50)]
    assert np.round(errors, 5).tolist() == [0.15300, 0.12486, 0.09666, 0.06019]


def test_shipped_images_read_offline_in_unit_range():
    """Every shipped preset at full size: the documented shape, values in [0, 1] (min–max scaled ones span
    it exactly), and the same pixels as an independent read of the same file."""
    from matplotlib import cbook
    shapes = {"china": (427, 640), "flower": (427, 640), "grace_hopper": (600, 512), "mri": (256, 256),
              "dem": (344, 403), "digits": (1797, 64)}
    for name in SHIPPED_PRESETS:
        m = npy(build_matrix(MatrixSpec(name, 4096)))
        assert m.shape == shapes[name], name
        assert 0 <= m.min() and m.max() <= 1, name
    hopper = np.asarray(Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)), dtype=float)
    assert_close(build_matrix(MatrixSpec("grace_hopper", 600)), hopper.mean(2) / 255, 1e-15, "grace_hopper")
    elevation = cbook.get_sample_data("jacksboro_fault_dem.npz")["elevation"].astype(float)
    dem = npy(build_matrix(MatrixSpec("dem", 403)))
    assert_close(dem, (elevation - elevation.min()) / np.ptp(elevation), 1e-15, "dem")
    mri = npy(build_matrix(MatrixSpec("mri", 256)))
    assert mri.min() == 0 and mri.max() == 1 and len(np.unique(mri)) > 100
    from sklearn.datasets import load_digits
    assert_close(build_matrix(MatrixSpec("digits", 100)), load_digits().data[:100] / 16, 0, "digits")


def test_block_average_matches_loops_and_drops_the_remainder():
    a = np.random.default_rng(0).random((23, 35))
    assert_close(block_average(a, 11), loop_block_average(a, 3), 1e-15, "f=3")
    assert block_average(a, 11).shape == (7, 11)
    assert_close(block_average(a, 64), a, 0, "f=1 keeps the array")
    assert block_average(np.ones((5, 4000)), 64).shape == (2, 2000)  # the short side keeps two blocks


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 5000), st.integers(2, 5000), st.integers(16, 4096))
def test_block_factor_is_the_coarsest_reaching_the_long_side(h, w, long_side):
    f = block_factor((h, w), long_side)
    assert f >= 1 and (f == 1 or min(h, w) // f >= 2)
    assert max(h, w) // f >= min(long_side, max(h, w))
    if min(h, w) // (f + 1) >= 2:
        assert max(h, w) // (f + 1) < long_side


# --- synthetic presets ---------------------------------------------------------------------------------

def spectrum(spec: MatrixSpec) -> np.ndarray:
    return np.linalg.svd(npy(build_matrix(spec)), compute_uv=False)


def test_geometric_and_polynomial_spectra():
    s = spectrum(MatrixSpec("geometric", 96, seed=4, params={"rho": 0.8}))
    assert_close(s, 0.8 ** np.arange(64), 1e-13, "ρ^i")
    s = spectrum(MatrixSpec("polynomial", 96, seed=4, params={"alpha": 1.5}))
    assert_close(s, np.arange(1, 65) ** -1.5, 1e-13, "i^-α")
    assert build_matrix(MatrixSpec("geometric", 300)).shape == (200, 300)  # Q15's shape


def test_with_spectrum_follows_the_brief_recipe():
    """Q12's draw order: ``Q1 = qr(g.standard_normal((30,20)))`` then ``Q2 = qr(g.standard_normal((20,20)))``."""
    g = np.random.default_rng(0)
    q1, q2 = np.linalg.qr(g.standard_normal((30, 20)))[0], np.linalg.qr(g.standard_normal((20, 20)))[0]
    sigma = np.logspace(0, -3, 20)
    assert_close(with_spectrum(sigma, 30, 20, 0), q1 @ np.diag(sigma) @ q2.T, 1e-15, "with_spectrum")


def test_rank_noise_has_a_gap_at_k():
    s = spectrum(MatrixSpec("rank_noise", 192, seed=1, params={"rank": 12, "noise": 0.05}))
    assert np.all(np.abs(s[:12] - 1) < 0.1)
    assert 0.6 * 0.05 < s[12] < 1.1 * 0.05 and s[-1] > 0


def test_gaussian_is_the_plain_draw():
    m = npy(build_matrix(MatrixSpec("gaussian", 150, seed=7)))
    assert_close(m, np.random.default_rng(7).standard_normal((100, 150)), 0, "gaussian")


def test_coherent_is_geometric_with_loud_columns():
    base = npy(build_matrix(MatrixSpec("geometric", 192, seed=2)))
    m = npy(build_matrix(MatrixSpec("coherent", 192, seed=2, params={"loud": 5, "gain": 30})))
    ratio = np.linalg.norm(m, axis=0) / np.linalg.norm(base, axis=0)
    assert np.sort(np.unique(np.round(ratio, 12))).tolist() == [1.0, 30.0]
    assert np.sum(np.isclose(ratio, 30)) == 5


def test_kahan_preset_reproduces_q13():
    """The kahan preset at size 30 is kahan(30, 1.2); SciPy's pivoted QR keeps the natural order and
    ``|R_nn| = 0.1299`` against ``σ_n = 3.085e−5`` (Q13)."""
    k = npy(build_matrix(MatrixSpec("kahan", 30)))
    assert_close(k, kahan(30, 1.2), 0, "kahan preset")
    _, r, piv = scipy.linalg.qr(k, pivoting=True, mode="economic")
    assert piv.tolist() == list(range(30))
    assert round(abs(r[-1, -1]), 4) == 0.1299
    assert abs(np.linalg.svd(k, compute_uv=False)[-1] / 3.085e-5 - 1) < 2e-4
    assert build_matrix(MatrixSpec("kahan", 64, params={"theta": 1.0})).shape == (64, 64)


def test_hilbert_is_scipys_hilbert():
    assert_close(build_matrix(MatrixSpec("hilbert", 60)), scipy.linalg.hilbert(60)[:40], 1e-16, "hilbert")


def test_every_preset_shape_range_and_determinism():
    """Size 64: finite float64 of the documented shape, the product equal to X@Y, equal specs equal
    matrices, a new seed a new matrix for the seeded presets; shipped presets stay in [0, 1]."""
    for source in PRESETS:
        spec = MatrixSpec(source, 64, seed=3)
        m = build_matrix(spec)
        x, y = build_product(spec)
        assert m.dtype == x.dtype == y.dtype == torch.float64 and bool(m.isfinite().all()), source
        assert x.shape[1] == y.shape[0] and m.shape == (x.shape[0], y.shape[1]), source
        assert_close(m, npy(x) @ npy(y), 1e-12, source)
        assert_close(build_matrix(MatrixSpec(source, 64, seed=3)), m, 0, source)
        if source in SHIPPED_PRESETS:
            assert 0 <= float(m.min()) and float(m.max()) <= 1, source
        if source in UNSEEDED_PRESETS:
            assert spec.seed == 0, source
        else:
            assert not np.allclose(npy(build_matrix(MatrixSpec(source, 64, seed=4))), npy(m)), source
    shapes = {source: tuple(build_matrix(MatrixSpec(source, 64)).shape) for source in PRESETS}
    assert shapes["geometric"] == shapes["heavy_tailed"] == (43, 64) and shapes["kahan"] == (64, 64)
    assert shapes["image_gram"] == (42, 42) and shapes["digits"] == (64, 64)


# --- products ------------------------------------------------------------------------------------------

def test_image_gram_and_identity_products():
    g = build_matrix(MatrixSpec("china", 128))
    x, y = build_product(MatrixSpec("image_gram", 128, params={"image": "china"}))
    assert_close(x, g, 0, "X = G")
    assert_close(y, g.T, 0, "Y = Gᵀ")
    m, eye = build_product(MatrixSpec("china", 128))
    assert_close(m, g, 0, "M")
    assert_close(eye, np.eye(128), 0, "I")


def test_heavy_tailed_product_recipe():
    x, y = build_product(MatrixSpec("heavy_tailed", 96, seed=5, params={"alpha": 2}))
    g = np.random.default_rng(5)
    want_x = g.standard_normal((64, 96)) * (1 + g.pareto(2.0, 96))
    assert_close(x, want_x, 0, "X")
    assert_close(y, g.standard_normal((96, 96)), 0, "Y")
    norms = np.linalg.norm(npy(x), axis=0)
    assert norms.max() > 4 * np.median(norms)


def test_linear_layer_has_outlier_features():
    x, w = build_product(MatrixSpec("linear_layer", 192, seed=1, params={"outliers": 3, "gain": 20}))
    norms = np.linalg.norm(npy(x), axis=0) / np.sqrt(x.shape[0])
    assert np.sum(norms > 10) == 3 and np.all(norms[norms < 10] < 1.5)
    assert abs(npy(w).std() * np.sqrt(192) - 1) < 0.05


def test_centring():
    for spec in (MatrixSpec("flower", 64, center=True), MatrixSpec("geometric", 64, seed=1, center=True)):
        m = npy(build_matrix(spec))
        assert_close(m.mean(axis=0), np.zeros(m.shape[1]), 1e-15, spec.source)
    g = npy(build_matrix(MatrixSpec("china", 64)))
    x, _ = build_product(MatrixSpec("image_gram", 64, center=True))
    assert_close(x, g - g.mean(axis=0), 1e-15, "centred gram")
    assert MatrixSpec("heavy_tailed", center=True).center is False


# --- the spec ------------------------------------------------------------------------------------------

def test_spec_is_canonical_and_hashable():
    a = MatrixSpec("coherent", 128, seed=2, params={"gain": 30, "loud": 5.0})
    b = MatrixSpec("coherent", 128, seed=2, params=(("rho", 0.9),))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a.params == (("gain", 30.0), ("loud", 5), ("rho", 0.9)) and a.parameters["loud"] == 5
    assert MatrixSpec("china", seed=9) == MatrixSpec("china") and MatrixSpec("kahan", seed=3).seed == 0
    assert MatrixSpec("geometric", seed=3) != MatrixSpec("geometric", seed=4)
    with pytest.raises(AttributeError):
        a.seed = 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(source="lena"), "Unknown matrix preset 'lena'"),
    (dict(source="china", size=8), "size must lie in [16, 4096]"),
    (dict(source="geometric", params={"alpha": 1}), "has no parameter 'alpha'"),
    (dict(source="rank_noise", params={"rank": 2.5}), "rank must be a positive integer"),
    (dict(source="rank_noise", size=64, params={"rank": 50}), "rank must be at most 43"),
    (dict(source="geometric", params={"rho": float("nan")}), "rho must be a positive number"),
    (dict(source="image_gram", params={"image": "lena"}), "image must be one of china"),
])
def test_spec_rejects_bad_values(kwargs, message):
    with pytest.raises(ValueError) as error:
        MatrixSpec(**kwargs)
    assert message in str(error.value)


# --- uploads -------------------------------------------------------------------------------------------

def image_bytes(array: np.ndarray, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, fmt, **options)
    return buffer.getvalue()


def npy_bytes(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def csv_bytes(array: np.ndarray) -> bytes:
    buffer = io.StringIO()
    np.savetxt(buffer, array, delimiter=",", fmt="%.17g")
    return buffer.getvalue().encode()


PIXELS = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)


def test_png_uploads_round_trip():
    assert_close(matrix_from_upload("a.png", image_bytes(PIXELS, "PNG"), 30), PIXELS.mean(2) / 255, 1e-15, "RGB")
    gray = PIXELS[..., 0]
    assert_close(matrix_from_upload("a.PNG", image_bytes(gray, "PNG"), 30), gray / 255, 1e-15, "L")
    rgba = np.dstack([PIXELS, np.full((20, 30), 7, np.uint8)])
    assert_close(matrix_from_upload("a.png", image_bytes(rgba, "PNG"), 30), PIXELS.mean(2) / 255, 1e-15, "RGBA")
    deep = gray.astype(np.uint16) * 257
    assert_close(matrix_from_upload("a.png", image_bytes(deep, "PNG"), 30), gray / 255, 1e-15, "16-bit")
    small = matrix_from_upload("a.png", image_bytes(PIXELS, "PNG"), 10)
    assert_close(small, loop_block_average(PIXELS.mean(2) / 255, 3), 1e-15, "downsampled")
    centred = npy(matrix_from_upload("a.png", image_bytes(PIXELS, "PNG"), 30, center=True))
    assert_close(centred.mean(axis=0), np.zeros(30), 1e-15, "centred")


def test_jpeg_upload_round_trips_within_compression_error():
    smooth = np.add.outer(np.arange(32), 2 * np.arange(48)).astype(np.uint8)
    for name in ("a.jpg", "b.JPEG"):
        got = matrix_from_upload(name, image_bytes(smooth, "JPEG", quality=95), 48)
        assert_close(got, smooth / 255, 0.02, name, rel=False)


def test_csv_and_npy_uploads_round_trip():
    a = np.random.default_rng(1).standard_normal((7, 5)) * 1e3
    assert_close(matrix_from_upload("m.csv", csv_bytes(a), 64), a, 0, "csv")
    assert_close(matrix_from_upload("m.csv", b"\xef\xbb\xbf# comment\n1, 2\n\n3,4\n", 64), [[1, 2], [3, 4]], 0,
                 "csv with BOM, comment, blank line")
    for array in (a, a.astype(np.float32), np.arange(12).reshape(3, 4), a > 0, np.asfortranarray(a)):
        assert_close(matrix_from_upload("m.npy", npy_bytes(array), 64), array.astype(float), 0, str(array.dtype))
    big = np.random.default_rng(2).random((40, 90))
    assert_close(matrix_from_upload("m.npy", npy_bytes(big), 30), loop_block_average(big, 3), 1e-15, "npy f=3")


def npy_header_only(shape) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def gif_bytes() -> bytes:
    return image_bytes(PIXELS[..., 0], "GIF")


BAD_UPLOADS = [
    ("garbage.png", b"\x89PNX not an image at all", "could not be read as a PNG or JPEG image"),
    ("garbage.jpg", bytes(range(256)), "could not be read as a PNG or JPEG image"),
    ("gif.png", "gif", "could not be read as a PNG or JPEG image"),
    ("truncated.png", "truncated png", "truncated or damaged"),
    ("matrix.txt", b"1,2\n3,4\n", "upload a .png, .jpg, .jpeg, .csv or .npy file"),
    ("matrix", b"1,2\n3,4\n", "upload a .png, .jpg, .jpeg, .csv or .npy file"),
    ("empty.csv", b"", "is empty"),
    ("blank.csv", b"\n\n", "holds no rows"),
    ("cube.npy", np.zeros((2, 3, 4)), "is 3-D; upload a 2-D matrix"),
    ("vector.npy", np.zeros(5), "is 1-D; upload a 2-D matrix"),
    ("row.csv", b"1,2,3\n", "at least 2 rows and 2 columns"),
    ("nan.csv", b"1,2\nnan,4\n", "NaN or infinite"),
    ("inf.npy", np.array([[1.0, np.inf], [0, 1]]), "NaN or infinite"),
    ("huge.npy", npy_header_only((5000, 3)), "the limit is 4096×4096"),
    ("tall.png", np.zeros((4097, 2), np.uint8), "the limit is 4096×4096"),
    ("tall.csv", b"1,2\n" * 4097, "the limit is 4096×4096"),
    ("objects.npy", np.array([[{"a": 1}, None]], dtype=object), "Python objects (pickled data)"),
    ("pickle.npy", pickle.dumps(np.zeros((2, 2))), "not a readable .npy array"),
    ("complex.npy", np.ones((2, 2), complex), "complex128 values"),
    ("truncated.npy", "truncated npy", "truncated or damaged"),
    ("words.csv", b"a,b\n1,2\n", "numbers only"),
    ("ragged.csv", b"1,2\n3\n", "numbers only"),
    ("latin1.csv", "é,1\n2,3\n".encode("latin-1"), "not UTF-8 text"),
]


def bad_bytes(name: str, content) -> bytes:
    """The bytes of one bad upload (arrays are saved in the file's format)."""
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        made = {"gif": gif_bytes, "truncated png": lambda: image_bytes(PIXELS, "PNG")[:200],
                "truncated npy": lambda: npy_bytes(np.zeros((30, 30)))[:1000]}
        return made[content]()
    if name.endswith(".png"):
        return image_bytes(content, "PNG")
    return npy_bytes(content, allow_pickle=content.dtype == object)


@pytest.mark.parametrize("name, content, message", BAD_UPLOADS, ids=[case[0] for case in BAD_UPLOADS])
def test_bad_upload_gives_its_message(name, content, message):
    with pytest.raises(ValueError) as error:
        matrix_from_upload(name, bad_bytes(name, content), 64)
    text = str(error.value)
    assert message in text
    assert text.endswith(".") and text.count(". ") == 0, text  # one sentence


def test_upload_byte_cap(monkeypatch):
    monkeypatch.setattr(matrices, "MAX_UPLOAD_BYTES", 2 ** 20)
    with pytest.raises(ValueError, match=r"^The file 'big.npy' has 1.1 MiB; the limit is 1 MiB.$"):
        matrix_from_upload("big.npy", npy_bytes(np.zeros((375, 375))), 64)
