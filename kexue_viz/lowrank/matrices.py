"""Test and preset matrices of the low-rank series: controlled spectra, the adversarial Kahan family, images
shipped with installed packages, CR product pairs, and validated uploads (brief §4.1 "Presets", §2.7 "Images").

Every preset is named by a hashable :class:`MatrixSpec`; :func:`build_matrix` turns it into a float64 tensor
and :func:`build_product` into the CR pair ``(X, Y)``. Builders compute in numpy (the brief's recipes draw from
``numpy.random.default_rng(seed)``) and the two entry points convert once with :func:`to_core`.

Sizes: ``size`` is the requested long side. Images keep their aspect and are block-averaged by the integer
factor ``f = ⌊L/size⌋`` (L the long side; trailing rows and columns that do not fill a block are dropped), so
the result's long side is the smallest one reachable by integer blocks that is at least ``size``: china
(427×640) gives 42×64, 85×128, 142×213, 213×320, 427×640 for size 64/128/192/256/512 (f = 10, 5, 3, 2, 1).
Synthetic matrices are ``round(2·size/3) × size``, the aspect of the images and of the brief's 200×300.
"""
from __future__ import annotations

import gzip
import io
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from kexue_viz.device import to_core
from kexue_viz.i18n import TextError
from kexue_viz.lowrank.text import UPLOAD_TEXT

SIZES = (64, 128, 192, 256, 512)
DEFAULT_SIZE = 192
MIN_SIZE, MAX_SIZE = 16, 4096

SHIPPED_PRESETS = ("china", "flower", "grace_hopper", "mri", "dem", "digits")
SYNTHETIC_PRESETS = ("geometric", "polynomial", "rank_noise", "gaussian", "coherent", "kahan", "hilbert")
PRODUCT_PRESETS = ("heavy_tailed", "image_gram", "linear_layer")
PRESETS = SHIPPED_PRESETS + SYNTHETIC_PRESETS + PRODUCT_PRESETS

PRESET_PARAMETERS: dict[str, dict[str, object]] = {
    **{name: {} for name in SHIPPED_PRESETS},
    "geometric": {"rho": 0.9},
    "polynomial": {"alpha": 1.0},
    "rank_noise": {"rank": 10, "noise": 0.1},
    "gaussian": {},
    "coherent": {"rho": 0.9, "loud": 5, "gain": 30.0},
    "kahan": {"theta": 1.2},
    "hilbert": {},
    "heavy_tailed": {"alpha": 2.0},
    "image_gram": {"image": "china"},
    "linear_layer": {"outliers": 4, "gain": 20.0},
}
"""Each preset's parameters and their defaults (the default's type is the parameter's type)."""

UNSEEDED_PRESETS = SHIPPED_PRESETS + ("kahan", "hilbert", "image_gram")
"""Presets that draw nothing: their spec's seed is stored as 0, so equal matrices have equal specs."""

MAX_UPLOAD_SIDE = 4096
MAX_UPLOAD_BYTES = 64 * 2 ** 20
UPLOAD_EXTENSIONS = ("png", "jpg", "jpeg", "csv", "npy")


# --- spectra and adversarial matrices ---------------------------------------------------------------------

def haar_orthogonal(rows: int, cols: int, rng: np.random.Generator) -> np.ndarray:
    """A ``rows × cols`` matrix with orthonormal columns (``cols ≤ rows``): the Q factor of a Gaussian
    matrix drawn from ``rng``, as the brief's recipes ``qr(g.standard_normal((rows, cols)))`` do."""
    q, _ = np.linalg.qr(rng.standard_normal((rows, cols)))
    return q


def haar_with_spectrum(singular_values, rows: int, cols: int, rng: np.random.Generator) -> np.ndarray:
    """``Q₁ diag(σ) Q₂ᵀ`` as a numpy array, ``Q₁ ∈ R^{rows×p}`` then ``Q₂ ∈ R^{cols×p}`` drawn from ``rng`` by
    :func:`haar_orthogonal` (p = len(σ) ≤ min(rows, cols))."""
    sigma = np.asarray(singular_values, dtype=np.float64)
    q1 = haar_orthogonal(rows, sigma.size, rng)
    q2 = haar_orthogonal(cols, sigma.size, rng)
    return (q1 * sigma) @ q2.T


def with_spectrum(singular_values, rows: int, cols: int, seed: int) -> torch.Tensor:
    """``M = Q₁ diag(σ) Q₂ᵀ`` with Haar-random orthonormal ``Q₁ ∈ R^{rows×p}``, ``Q₂ ∈ R^{cols×p}``
    (p = len(σ) ≤ min(rows, cols)), both drawn from ``default_rng(seed)`` in that order."""
    return to_core(haar_with_spectrum(singular_values, rows, cols, np.random.default_rng(seed)))


def kahan_array(n: int, theta: float = 1.2, tie_break: bool = True) -> np.ndarray:
    """The numpy array of :func:`kahan`."""
    s, c = np.sin(theta), np.cos(theta)
    upper = np.triu(np.ones((n, n)), 1)
    k = np.diag(s ** np.arange(n)) @ (np.eye(n) - c * upper)
    if tie_break:
        k = k + 25 * np.finfo(np.float64).eps * np.diag(np.arange(n, 0, -1.0))
    return k


def kahan(n: int, theta: float = 1.2, tie_break: bool = True) -> torch.Tensor:
    """Kahan's matrix ``K = diag(sⁱ)(I − c·triu(1, 1))`` (i = 0 … n−1, ``s = sin θ``, ``c = cos θ``), on which
    column-pivoted QR keeps the natural order and misses the smallest singular value by a factor
    exponential in n. ``tie_break`` adds MATLAB's ``25·eps·diag(n, …, 1)`` so the first maximum is the
    natural pivot under any tie rule."""
    return to_core(kahan_array(n, theta, tie_break))


def hilbert_array(rows: int, cols: int) -> np.ndarray:
    """The rectangular Hilbert matrix ``H_ij = 1/(i + j + 1)`` (0-based), a Cauchy matrix whose singular
    values decay faster than any geometric sequence."""
    return 1.0 / (np.arange(rows)[:, None] + np.arange(cols)[None, :] + 1.0)


def geometric_array(rows: int, cols: int, rng: np.random.Generator, rho: float) -> np.ndarray:
    """``Q₁ diag(ρⁱ) Q₂ᵀ``, i = 0 … p−1, p = min(rows, cols) (Haar factors from ``rng``)."""
    return haar_with_spectrum(rho ** np.arange(min(rows, cols)), rows, cols, rng)


def polynomial_array(rows: int, cols: int, rng: np.random.Generator, alpha: float) -> np.ndarray:
    """``Q₁ diag(i^{−α}) Q₂ᵀ``, i = 1 … p, p = min(rows, cols) (Haar factors from ``rng``)."""
    return haar_with_spectrum(np.arange(1, min(rows, cols) + 1) ** -alpha, rows, cols, rng)


def rank_noise_array(rows: int, cols: int, rng: np.random.Generator, rank: int, noise: float) -> np.ndarray:
    """``Q₁Q₂ᵀ + ν/(√rows + √cols)·G``: a rank-k signal with k unit singular values (Haar factors from
    ``rng``) plus Gaussian noise G drawn next from ``rng``, scaled so its largest singular value is ≈ ν."""
    signal = haar_with_spectrum(np.ones(rank), rows, cols, rng)
    return signal + noise / (np.sqrt(rows) + np.sqrt(cols)) * rng.standard_normal((rows, cols))


def gaussian_array(rows: int, cols: int, rng: np.random.Generator) -> np.ndarray:
    """i.i.d. standard normal entries ``g.standard_normal((rows, cols))``: a flat (Marchenko–Pastur)
    spectrum with nothing for a low-rank method to exploit."""
    return rng.standard_normal((rows, cols))


def coherent_array(rows: int, cols: int, rng: np.random.Generator, rho: float, loud: int,
                   gain: float) -> np.ndarray:
    """:func:`geometric_array` with ``loud`` columns, drawn next from ``rng`` without replacement, multiplied
    by ``gain`` (brief Q15: 5 columns ×30). Uniform column sampling misses them; norm-aware methods do not."""
    m = geometric_array(rows, cols, rng, rho)
    m[:, np.sort(rng.choice(cols, loud, replace=False))] *= gain
    return m


def kahan_preset(rows: int, cols: int, rng: np.random.Generator, theta: float) -> np.ndarray:
    """The square Kahan matrix of order ``cols`` (the long side), with the tie-break; ``rows`` and ``rng`` are
    unused (the preset draws nothing)."""
    return kahan_array(cols, theta)


SYNTHETIC_BUILDERS = {
    "geometric": geometric_array,
    "polynomial": polynomial_array,
    "rank_noise": rank_noise_array,
    "gaussian": gaussian_array,
    "coherent": coherent_array,
    "kahan": kahan_preset,
    "hilbert": lambda rows, cols, rng: hilbert_array(rows, cols),
}
"""Synthetic preset → ``builder(rows, cols, rng, **parameters) -> np.ndarray``."""


# --- images shipped with installed packages ---------------------------------------------------------------

def unit_range(values: np.ndarray) -> np.ndarray:
    """``(a − min a)/(max a − min a)`` in float64 (zeros for a constant array)."""
    a = np.asarray(values, dtype=np.float64)
    span = a.max() - a.min()
    return (a - a.min()) / span if span > 0 else np.zeros_like(a)


def rgb_to_gray(pixels: np.ndarray) -> np.ndarray:
    """8-bit pixels (h×w or h×w×c, c = 3 or 4) as grayscale in [0, 1]: the mean over R, G, B divided by 255
    (alpha is ignored)."""
    a = np.asarray(pixels, dtype=np.float64)
    return (a[..., :3].mean(axis=2) if a.ndim == 3 else a) / 255.0


@lru_cache(maxsize=None)
def shipped_gray(name: str) -> np.ndarray:
    """The full-resolution grayscale image ``name`` in [0, 1] (read-only, cached), read from files that
    scikit-learn and matplotlib install (nothing is downloaded):

    * ``china``, ``flower``: ``sklearn.datasets.load_sample_image`` (427×640×3, mean over RGB / 255);
    * ``grace_hopper``: matplotlib sample data ``grace_hopper.jpg`` (600×512×3, mean over RGB / 255);
    * ``mri``: matplotlib ``s1045.ima.gz``, 256×256 big-endian uint16 (values 0–215), scaled by
      :func:`unit_range`;
    * ``dem``: matplotlib ``jacksboro_fault_dem.npz`` elevation (344×403 metres), scaled by :func:`unit_range`.
    """
    from matplotlib import cbook
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image
        gray = rgb_to_gray(load_sample_image(f"{name}.jpg"))
    elif name == "grace_hopper":
        from PIL import Image
        with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as image:
            gray = rgb_to_gray(np.asarray(image.convert("RGB")))
    elif name == "mri":
        with gzip.open(cbook.get_sample_data("s1045.ima.gz", asfileobj=False)) as file:
            gray = unit_range(np.frombuffer(file.read(), ">u2").reshape(256, 256))
    elif name == "dem":
        with np.load(cbook.get_sample_data("jacksboro_fault_dem.npz", asfileobj=False)) as dem:
            gray = unit_range(dem["elevation"])
    else:
        raise ValueError(f"No shipped image is called {name!r}.")
    gray.setflags(write=False)
    return gray


@lru_cache(maxsize=1)
def digits_data() -> np.ndarray:
    """``sklearn.datasets.load_digits().data / 16`` (1797×64, one 8×8 digit per row, in [0, 1]; read-only,
    cached)."""
    from sklearn.datasets import load_digits
    data = load_digits().data / 16.0
    data.setflags(write=False)
    return data


def digits_array(rows: int) -> np.ndarray:
    """The first ``rows`` (at most 1797) rows of :func:`digits_data`: a data matrix, so its rows are taken,
    never averaged."""
    return digits_data()[:rows].copy()


def block_factor(shape: tuple[int, int], long_side: int) -> int:
    """The block size ``f = ⌊max(shape)/long_side⌋``, at least 1 and at most ``⌊min(shape)/2⌋`` so that the
    short side keeps at least two blocks."""
    return max(1, min(max(shape) // long_side, min(shape) // 2))


def block_average(image: np.ndarray, long_side: int) -> np.ndarray:
    """Downsample a 2-D array by averaging ``f×f`` blocks, ``f = block_factor(shape, long_side)``; the last
    ``h mod f`` rows and ``w mod f`` columns are dropped (china 427×640 → 426×639 → 142×213 for 192)."""
    f = block_factor(image.shape, long_side)
    h, w = image.shape[0] // f, image.shape[1] // f
    return np.asarray(image, dtype=np.float64)[:h * f, :w * f].reshape(h, f, w, f).mean(axis=(1, 3))


def shipped_array(name: str, size: int) -> np.ndarray:
    """Shipped preset ``name`` at long side ``size``: :func:`block_average` of :func:`shipped_gray`, or the
    first ``size`` rows of the digits data."""
    return digits_array(size) if name == "digits" else block_average(shipped_gray(name), size)


def center_columns(matrix: np.ndarray) -> np.ndarray:
    """``M − 1μᵀ`` with μ the column means (the PCA convention; the brief's centring toggle)."""
    return matrix - matrix.mean(axis=0, keepdims=True)


def synthetic_shape(size: int) -> tuple[int, int]:
    """``(round(2·size/3), size)``: the shape of a synthetic preset of long side ``size``."""
    return round(2 * size / 3), size


# --- products for CR --------------------------------------------------------------------------------------

def heavy_tailed_product(rows: int, inner: int, cols: int, rng: np.random.Generator,
                         alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """``X = g.standard_normal((rows, inner)) * (1 + g.pareto(α, inner))`` (columns scaled by Pareto(α)
    factors ≥ 1, the heavy-tailed version of Q8's ``g.uniform(0.2, 3, l)``), ``Y = g.standard_normal((inner,
    cols))``, drawn in that order: the optimal ``p ∝ ‖x_i‖‖y_i‖`` concentrates on a few inner indices."""
    x = rng.standard_normal((rows, inner)) * (1.0 + rng.pareto(alpha, inner))
    return x, rng.standard_normal((inner, cols))


def linear_layer_product(rows: int, inner: int, cols: int, rng: np.random.Generator, outliers: int,
                         gain: float) -> tuple[np.ndarray, np.ndarray]:
    """A linear layer ``XW``: activations ``X = g.standard_normal((rows, inner))`` (tokens × features) whose
    ``outliers`` feature columns, drawn next without replacement, are multiplied by ``gain`` (the outlier
    features of large models), and weights ``W = g.standard_normal((inner, cols))/√inner``."""
    x = rng.standard_normal((rows, inner))
    x[:, np.sort(rng.choice(inner, outliers, replace=False))] *= gain
    return x, rng.standard_normal((inner, cols)) / np.sqrt(inner)


# --- the registry -----------------------------------------------------------------------------------------

def _coerce_parameter(source: str, name: str, value, default):
    """``value`` as the type of ``default``; a ``ValueError`` naming the parameter otherwise."""
    if isinstance(default, str):
        if value not in SHIPPED_PRESETS:
            raise ValueError(f"Preset {source!r}: {name} must be one of {', '.join(SHIPPED_PRESETS)}.")
        return value
    number = float(value)
    if isinstance(default, int):
        if not number.is_integer() or number < 1:
            raise ValueError(f"Preset {source!r}: {name} must be a positive integer, not {value!r}.")
        return int(number)
    if not np.isfinite(number) or number <= 0:
        raise ValueError(f"Preset {source!r}: {name} must be a positive number, not {value!r}.")
    return number


@dataclass(frozen=True)
class MatrixSpec:
    """A hashable name for one preset matrix, the key the dashboard memoises by.

    ``source`` is a key of :data:`PRESET_PARAMETERS`; ``size`` the long side (:data:`SIZES` in the dashboard,
    any value in [16, 4096] here); ``seed`` feeds ``numpy.random.default_rng``; ``center`` subtracts the column
    means (:func:`center_columns`; for ``image_gram`` it centres the image G); ``params`` the preset's
    parameters as a mapping or ``(name, value)`` pairs. The constructor validates everything and stores a
    canonical form (every parameter with its default filled in, sorted by name; seed 0 for
    :data:`UNSEEDED_PRESETS`; ``center`` False for the synthetic products), so equal matrices compare equal."""

    source: str = "china"
    size: int = DEFAULT_SIZE
    seed: int = 0
    center: bool = False
    params: tuple[tuple[str, object], ...] = ()

    def __post_init__(self):
        if self.source not in PRESET_PARAMETERS:
            raise ValueError(f"Unknown matrix preset {self.source!r}.")
        if not MIN_SIZE <= int(self.size) <= MAX_SIZE:
            raise ValueError(f"The size must lie in [{MIN_SIZE}, {MAX_SIZE}], not {self.size}.")
        defaults = PRESET_PARAMETERS[self.source]
        given = dict(self.params)
        unknown = sorted(set(given) - set(defaults))
        if unknown:
            raise ValueError(f"Preset {self.source!r} has no parameter {unknown[0]!r}.")
        params = {name: _coerce_parameter(self.source, name, given.get(name, default), default)
                  for name, default in defaults.items()}
        short_side = min(synthetic_shape(int(self.size)))
        too_big = [name for name, value in params.items() if type(value) is int and value > short_side]
        if too_big:
            raise ValueError(f"Preset {self.source!r}: {too_big[0]} must be at most {short_side} "
                             f"at size {self.size}.")
        object.__setattr__(self, "size", int(self.size))
        object.__setattr__(self, "seed", 0 if self.source in UNSEEDED_PRESETS else int(self.seed))
        centrable = self.source not in ("heavy_tailed", "linear_layer")
        object.__setattr__(self, "center", bool(self.center) and centrable)
        object.__setattr__(self, "params", tuple(sorted(params.items())))

    @property
    def parameters(self) -> dict[str, object]:
        """The preset's parameters as a dict."""
        return dict(self.params)


def _matrix_array(spec: MatrixSpec) -> np.ndarray:
    """The numpy matrix of a shipped or synthetic spec, centred when asked."""
    if spec.source in SHIPPED_PRESETS:
        matrix = shipped_array(spec.source, spec.size)
    else:
        rows, cols = synthetic_shape(spec.size)
        builder = SYNTHETIC_BUILDERS[spec.source]
        matrix = builder(rows, cols, np.random.default_rng(spec.seed), **spec.parameters)
    return center_columns(matrix) if spec.center else matrix


def _product_arrays(spec: MatrixSpec) -> tuple[np.ndarray, np.ndarray]:
    """The numpy pair ``(X, Y)`` of a product spec."""
    if spec.source == "image_gram":
        g = _matrix_array(MatrixSpec(spec.parameters["image"], spec.size, center=spec.center))
        return g, g.T
    rows, inner = synthetic_shape(spec.size)
    builder = heavy_tailed_product if spec.source == "heavy_tailed" else linear_layer_product
    return builder(rows, inner, inner, np.random.default_rng(spec.seed), **spec.parameters)


def build_matrix(spec: MatrixSpec) -> torch.Tensor:
    """The float64 matrix M named by ``spec`` on the core device; for a product preset ``M = XY``.

    Shapes: shipped images keep their aspect at long side ``≥ size`` (:func:`block_average`); digits are
    ``min(size, 1797) × 64``; synthetic presets are :func:`synthetic_shape` (Kahan: ``size × size``);
    products are ``round(2·size/3) × size`` with inner dimension ``size``, and ``image_gram`` is ``GGᵀ``."""
    if spec.source in PRODUCT_PRESETS:
        x, y = _product_arrays(spec)
        return to_core(x @ y)
    return to_core(_matrix_array(spec))


def build_product(spec: MatrixSpec) -> tuple[torch.Tensor, torch.Tensor]:
    """The CR pair ``(X, Y)`` named by ``spec`` (float64 tensors, ``X ∈ R^{n×l}``, ``Y ∈ R^{l×m}``): the
    product presets' factors, ``(G, Gᵀ)`` for ``image_gram``, and ``(M, I_m)`` for any other preset (post 3's
    orthogonal case ``Y = I``, where CR keeps the r largest columns)."""
    if spec.source in PRODUCT_PRESETS:
        x, y = _product_arrays(spec)
    else:
        x = _matrix_array(spec)
        y = np.eye(x.shape[1])
    return to_core(x), to_core(y)


# --- uploads ----------------------------------------------------------------------------------------------

class UploadError(TextError):
    """A rejected upload: the entry ``key`` of :data:`~kexue_viz.lowrank.text.UPLOAD_TEXT` filled with
    ``values`` (a ``ValueError``; English for ``str()``, either language for a page)."""

    def __init__(self, key: str, **values):
        super().__init__(UPLOAD_TEXT, key, **values)


def check_upload_shape(shape: tuple[int, ...], what: str) -> None:
    """An :class:`UploadError` unless ``shape`` is 2-D with both sides in [2, :data:`MAX_UPLOAD_SIDE`]."""
    if len(shape) != 2:
        raise UploadError("not_2d", what=what, dims=len(shape))
    if min(shape) < 2:
        raise UploadError("too_small", what=what, n=shape[0], m=shape[1])
    if max(shape) > MAX_UPLOAD_SIDE:
        raise UploadError("too_many_cells", what=what, n=shape[0], m=shape[1], limit=MAX_UPLOAD_SIDE)


def read_image_upload(data: bytes) -> np.ndarray:
    """A PNG or JPEG file as grayscale in [0, 1]: mean over RGB / 255 (palette, gray and alpha images via
    RGB), 16-bit gray / 65535, 32-bit integer or float gray by :func:`unit_range`. The pixel count is
    checked from the header before any decoding."""
    from PIL import Image
    try:
        image = Image.open(io.BytesIO(data), formats=("PNG", "JPEG"))
    except (OSError, SyntaxError, ValueError) as error:
        raise UploadError("not_image") from error
    with image:
        check_upload_shape((image.height, image.width), "image")
        try:
            if image.mode.startswith("I;16"):
                return np.asarray(image, dtype=np.float64) / 65535.0
            if image.mode in ("I", "F"):
                return unit_range(np.asarray(image))
            return rgb_to_gray(np.asarray(image.convert("RGB")))
        except (OSError, SyntaxError, ValueError) as error:
            raise UploadError("image_damaged") from error


def read_csv_upload(data: bytes) -> np.ndarray:
    """A UTF-8 CSV of numbers, comma-separated, the same count on every row, no header (blank lines and
    ``#`` comments are skipped). The row and column counts are checked before parsing."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadError("csv_not_utf8") from error
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise UploadError("csv_empty")
    check_upload_shape((len(lines), lines[0].count(",") + 1), "CSV table")
    try:
        return np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.float64, ndmin=2)
    except ValueError as error:
        raise UploadError("csv_not_numbers") from error


def read_npy_upload(data: bytes) -> np.ndarray:
    """A ``.npy`` array of booleans, integers or floats. Shape and dtype are read from the header before the
    data; object (pickled) arrays are refused and nothing is ever unpickled (``allow_pickle=False``)."""
    from numpy.lib import format as npy_format
    header = io.BytesIO(data)
    try:
        version = npy_format.read_magic(header)
        read_header = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}
        shape, _, dtype = read_header[version](header)
    except (ValueError, KeyError, EOFError, SyntaxError) as error:
        raise UploadError("npy_unreadable") from error
    if dtype.hasobject:
        raise UploadError("npy_objects")
    if dtype.kind not in "biuf":
        raise UploadError("npy_dtype", dtype=str(dtype))
    check_upload_shape(shape, ".npy array")
    try:
        return np.load(io.BytesIO(data), allow_pickle=False).astype(np.float64)
    except (ValueError, EOFError, OSError) as error:
        raise UploadError("npy_damaged") from error


UPLOAD_READERS = {"png": read_image_upload, "jpg": read_image_upload, "jpeg": read_image_upload,
                  "csv": read_csv_upload, "npy": read_npy_upload}


def matrix_from_upload(filename: str, data: bytes, long_side: int = DEFAULT_SIZE,
                       center: bool = False) -> torch.Tensor:
    """An uploaded PNG/JPEG (grayscale in [0, 1]), CSV or NPY file as a float64 matrix on the core device,
    downsampled like the shipped images (:func:`block_average` to ``long_side``) and column-centred when
    asked. Every failure is a ``ValueError`` with one sentence naming the problem: unsupported extension,
    empty file, more than :data:`MAX_UPLOAD_BYTES` bytes, unreadable content, not 2-D, smaller than 2×2,
    larger than 4096×4096, non-numeric or non-finite values."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in UPLOAD_READERS:
        raise UploadError("bad_extension", name=filename)
    if not data:
        raise UploadError("empty", name=filename)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError("too_large", name=filename, size=len(data) / 2 ** 20, limit=MAX_UPLOAD_BYTES / 2 ** 20)
    matrix = UPLOAD_READERS[extension](data)
    check_upload_shape(matrix.shape, "file")
    if not np.isfinite(matrix).all():
        raise UploadError("not_finite", name=filename)
    matrix = block_average(matrix, long_side)
    return to_core(center_columns(matrix) if center else matrix)
