"""The low-rank lab's results as pure functions of frozen settings, memoised for the whole process.

A matrix is named by its :class:`~.matrices.MatrixSpec` or, for a reader's upload, by an :class:`Upload`
(the SHA-256 of the bytes and how they were read). Everything else follows from that name and a few
method settings: the SVD and both column-pivoted QRs (:func:`factors`), every deterministic method's
error for every rank in one pass (:func:`deterministic_curve`), the randomised methods on a grid of ranks
over seeds (:func:`random_errors`), one method's rank-r approximation with what it selected
(:func:`approximation`), and the posts' side figures (ε path, gradient descent, CR curves). Every reader,
the notebook and the CLI share these results; their arrays come back read-only.

Errors are relative: ``‖M − M̂‖/‖M‖`` in the Frobenius or the spectral norm.
"""
from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

from ..device import to_core
from ..pipeline import memoised
from . import cr, cur, curves, idec, pinv, rsvd, svd
from .matrices import MatrixSpec, build_matrix, build_product, matrix_from_upload

RANK_CAP = 128
METHODS = ("svd", "rsvd", "id_cpqr", "id_sketch", "id_colsample", "id_greedy", "cur_deim", "cur_leverage",
           "cur_cpqr")
RANDOMISED = ("rsvd", "id_sketch", "id_colsample", "cur_leverage")
ID_METHODS = ("id_cpqr", "id_sketch", "id_colsample", "id_greedy")
CUR_METHODS = ("cur_deim", "cur_leverage", "cur_cpqr")
NORMS = ("fro", "spectral")
MAX_UPLOADS = 16
GRID_POINTS = 12


@dataclass(frozen=True)
class Upload:
    """A reader's uploaded matrix: the SHA-256 of its bytes, its file name and how it was read."""
    digest: str
    filename: str
    long_side: int
    center: bool


_UPLOADS: OrderedDict[Upload, np.ndarray] = OrderedDict()
_UPLOADS_LOCK = threading.Lock()


def register_upload(filename: str, data: bytes, long_side: int, center: bool = False) -> Upload:
    """Read an upload (:func:`~.matrices.matrix_from_upload`: validated, size-capped; a ``ValueError``
    says what is wrong) and keep it in the process under the returned name (the last
    :data:`MAX_UPLOADS` uploads are kept)."""
    array = matrix_from_upload(filename, data, long_side, center).cpu().numpy()
    key = Upload(hashlib.sha256(data).hexdigest(), filename, int(long_side), bool(center))
    with _UPLOADS_LOCK:
        _UPLOADS[key] = array
        _UPLOADS.move_to_end(key)
        while len(_UPLOADS) > MAX_UPLOADS:
            _UPLOADS.popitem(last=False)
    return key


Source = MatrixSpec | Upload


@memoised(max_bytes=96 * 2**20)
def matrix(source: Source) -> np.ndarray:
    """The float64 matrix M (n×m) named by ``source``."""
    if isinstance(source, Upload):
        with _UPLOADS_LOCK:
            array = _UPLOADS.get(source)
        if array is None:
            raise ValueError(f"The upload {source.filename!r} is no longer held by the server; upload it again.")
        return array.copy()
    return build_matrix(source).cpu().numpy()


def tensor(source: Source) -> torch.Tensor:
    """:func:`matrix` as a float64 tensor on the core device."""
    return to_core(matrix(source))


class Factors(NamedTuple):
    """What every method of a matrix starts from: the thin SVD ``M = U diag(s) Vt``; the full CPQR of M
    (``R``, column pivots ``piv``) and the pivots of Mᵀ's CPQR (``row_piv``); ``norms`` = (‖M‖_F, ‖M‖_2)."""
    U: np.ndarray
    s: np.ndarray
    Vt: np.ndarray
    R: np.ndarray
    piv: np.ndarray
    row_piv: np.ndarray
    norms: tuple[float, float]


@memoised(max_bytes=128 * 2**20)
def factors(source: Source) -> Factors:
    """The SVD and both CPQRs of the matrix named by ``source``."""
    M = tensor(source)
    U, s, Vt = torch.linalg.svd(M, full_matrices=False)
    by_columns = idec.cpqr(M)
    by_rows = idec.cpqr(M.mT, min(M.shape))
    numpy = [x.cpu().numpy() for x in (U, s, Vt, by_columns.r, by_columns.piv, by_rows.piv)]
    return Factors(*numpy, (float(torch.linalg.norm(M)), float(s[0]) if s.numel() else 0.0))


def rank_limit(shape: tuple[int, int]) -> int:
    """The largest rank the lab offers for an n×m matrix: ``min(n, m, RANK_CAP)``."""
    return min(*shape, RANK_CAP)


def rank_grid(r_max: int) -> tuple[int, ...]:
    """About :data:`GRID_POINTS` ranks from 1 to ``r_max``, geometrically spaced (the randomised methods'
    and the spectral norm's curves are computed there)."""
    return tuple(sorted({int(round(x)) for x in np.geomspace(1, r_max, GRID_POINTS)}))


@dataclass(frozen=True)
class MethodSettings:
    """The settings of the methods: CUR's middle factor ``u`` ('opt' ``C^†MR^†``, 'cross' ``M[S2,S1]^†``,
    'cross_trunc' with threshold ``tau``); rSVD's oversampling ``p`` and power iterations ``q``; the
    ``oversample`` of the sketched and column-sampled IDs (``d = k = r + oversample``); the leverage rank
    ``leverage_k`` (0: the target rank r, E17)."""
    u: str = "opt"
    tau: float = 1e-2
    p: int = 10
    q: int = 0
    oversample: int = 10
    leverage_k: int = 0


class Approximation(NamedTuple):
    """One method's rank-r approximation ``M̂`` (n×m), the columns and rows it chose (``None`` for the
    SVDs), ``max|Z|`` of an ID and the condition number of the intersection ``M[S2, S1]`` of a CUR (else
    NaN)."""
    matrix: torch.Tensor
    cols: np.ndarray | None
    rows: np.ndarray | None
    max_z: float
    cond: float


def _cpqr_of(F: Factors, M: torch.Tensor) -> idec.CPQR:
    """M's cached full CPQR as :class:`~.idec.CPQR` (R and the pivots; Q, which the ID and its error curve do
    not use, as an n×0 placeholder)."""
    return idec.CPQR(M.new_empty((M.shape[0], 0)), to_core(F.R, M),
                     torch.as_tensor(np.array(F.piv), dtype=torch.int64, device=M.device))


def _leverage(F: Factors, k: int, M: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Rank-k leverage scores of M's columns and rows (``‖V[j, :k]‖²``, ``‖U[i, :k]‖²``) from the SVD."""
    return to_core(F.Vt[:k].T, M).square().sum(1), to_core(F.U[:, :k], M).square().sum(1)


def _cur(M: torch.Tensor, rows, cols, settings: MethodSettings) -> Approximation:
    factors_ = cur.cur(M, rows, cols, u=settings.u, tau=settings.tau)
    intersection = torch.linalg.svdvals(M[factors_.rows][:, factors_.cols])
    cond = float(intersection[0] / intersection[-1]) if float(intersection[-1]) > 0 else math.inf
    return Approximation(cur.cur_approximation(M, factors_), factors_.cols.cpu().numpy(),
                         factors_.rows.cpu().numpy(), math.nan, cond)


def _id(M: torch.Tensor, decomposition: idec.InterpolativeDecomposition) -> Approximation:
    return Approximation(M[:, decomposition.cols] @ decomposition.z, decomposition.cols.cpu().numpy(), None,
                         float(decomposition.z.abs().max()), math.nan)


def approximate(M: torch.Tensor, F: Factors, method: str, r: int, settings: MethodSettings,
                seed: int) -> Approximation:
    """The rank-r approximation of M by ``method`` (:data:`METHODS`), randomised ones drawing from ``seed``."""
    if method == "svd":
        return Approximation(to_core((F.U[:, :r] * F.s[:r]) @ F.Vt[:r], M), None, None, math.nan, math.nan)
    if method == "rsvd":
        return Approximation(rsvd.rsvd(M, r, settings.p, settings.q, seed=seed).matrix(), None, None, math.nan,
                             math.nan)
    if method == "id_cpqr":
        return _id(M, idec.id_cpqr(M, r, _cpqr_of(F, M)))
    if method == "id_sketch":
        return _id(M, idec.id_sketch(M, r, r + settings.oversample, seed))
    if method == "id_colsample":
        return _id(M, idec.id_colsample(M, r, r + settings.oversample, seed))
    if method == "id_greedy":
        return _id(M, idec.id_greedy_total(M, r, max_cols=M.shape[1]))
    if method == "cur_deim":
        rows = cur.deim(to_core(F.U[:, :r], M)).indices
        return _cur(M, rows, cur.deim(to_core(F.Vt[:r].T, M)).indices, settings)
    if method == "cur_cpqr":
        return _cur(M, F.row_piv[:r], F.piv[:r], settings)
    if method == "cur_leverage":
        col_scores, row_scores = _leverage(F, settings.leverage_k or r, M)
        rng = np.random.default_rng(seed)
        cols = cur.select_columns(M, r, "leverage_sample", rng, scores=col_scores)
        rows = cur.select_columns(M.mT, r, "leverage_sample", rng, scores=row_scores)
        return _cur(M, rows, cols, settings)
    raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")


def relative_errors(M: torch.Tensor, approximations: torch.Tensor, norm: str,
                    norms: tuple[float, float]) -> torch.Tensor:
    """``‖M − M̂‖/‖M‖`` in the Frobenius (``'fro'``) or spectral norm, for one M̂ or a batch (…×n×m)."""
    residual = M - approximations
    if norm == "fro":
        return torch.linalg.matrix_norm(residual) / norms[0]
    return torch.linalg.matrix_norm(residual, ord=2) / norms[1]


def relative_error(M: torch.Tensor, approximation: torch.Tensor, norm: str, norms: tuple[float, float]) -> float:
    """:func:`relative_errors` of one approximation, as a float."""
    return float(relative_errors(M, approximation, norm, norms))


def seed_errors(M: torch.Tensor, F: Factors, method: str, r: int, settings: MethodSettings,
                seeds: tuple[int, ...], norm: str) -> np.ndarray:
    """A randomised method's relative error at rank r for each seed; rSVD's seeds run as one batch
    (its Gaussian test matrices stacked: one batched QR and SVD instead of a loop)."""
    if method == "rsvd":
        cols = min(M.shape)  # rsvd sketches M or Mᵀ, whichever is tall: Ω has min(n, m) rows
        omega = torch.stack([rsvd.sklearn_omega(cols, r + settings.p, seed) for seed in seeds])
        batch = rsvd.rsvd(M, r, settings.p, settings.q, omega=omega).matrix()
        return relative_errors(M, batch, norm, F.norms).cpu().numpy()
    return np.array([relative_error(M, approximate(M, F, method, r, settings, seed).matrix, norm, F.norms)
                     for seed in seeds])


def method_settings_for(method: str, settings: MethodSettings) -> MethodSettings:
    """``settings`` with the fields ``method`` does not read set to their defaults (so equal results share
    one memo entry)."""
    default = MethodSettings()
    keep = {"rsvd": ("p", "q"), "id_sketch": ("oversample",), "id_colsample": ("oversample",),
            "cur_deim": ("u", "tau"), "cur_cpqr": ("u", "tau"), "cur_leverage": ("u", "tau", "leverage_k")}
    fields = keep.get(method, ())
    values = {name: getattr(settings, name) for name in fields}
    if values.get("u", "cross_trunc") != "cross_trunc":
        values["tau"] = default.tau
    return MethodSettings(**{**default.__dict__, **values})


@memoised(max_bytes=16 * 2**20)
def deterministic_curve(source: Source, method: str, settings: MethodSettings, norm: str) -> tuple[np.ndarray, np.ndarray]:
    """``(ranks, relative errors)`` of a deterministic method. Frobenius: every rank 0 … r_max in one pass
    (the SVD's tail sums; an ID's CPQR suffix sums; nested ID/CUR selections through
    :mod:`.curves`), except a cross CUR, which is computed rank by rank on :func:`rank_grid`. Spectral: on
    the grid, rank by rank."""
    M, F = tensor(source), factors(source)
    r_max = rank_limit(M.shape)
    one_pass = norm == "fro" and not (method in CUR_METHODS and settings.u != "opt")
    if not one_pass:
        ranks = np.array(rank_grid(r_max))
        if norm == "spectral" and method == "svd":
            return ranks, np.append(F.s, 0.0)[ranks] / F.norms[1]
        if norm == "spectral" and method == "id_cpqr":
            R = to_core(F.R, M)
            return ranks, np.array([float(torch.linalg.matrix_norm(R[r:, r:], ord=2)) for r in ranks]) / F.norms[1]
        errors = [relative_error(M, approximate(M, F, method, int(r), settings, 0).matrix, norm, F.norms)
                  for r in ranks]
        return ranks, np.array(errors)
    ranks = np.arange(r_max + 1)
    if method == "svd":
        absolute = svd.tail_norms(to_core(F.s, M))[:r_max + 1]
    elif method == "id_cpqr":
        absolute = idec.id_error_curve(_cpqr_of(F, M))[:r_max + 1]
    elif method == "id_greedy":
        absolute = curves.id_projection_curve(M, idec.id_greedy_total(M, r_max, max_cols=M.shape[1]).cols)
    elif method == "cur_deim":
        rows = cur.deim(to_core(F.U[:, :r_max], M)).indices
        absolute = curves.cur_error_curve(M, rows, cur.deim(to_core(F.Vt[:r_max].T, M)).indices)
    elif method == "cur_cpqr":
        absolute = curves.cur_error_curve(M, F.row_piv[:r_max], F.piv[:r_max])
    else:
        raise ValueError(f"{method!r} is not a deterministic method")
    return ranks, absolute.cpu().numpy() / F.norms[0]


@memoised(max_bytes=16 * 2**20)
def random_errors(source: Source, method: str, settings: MethodSettings, seeds: tuple[int, ...],
                  norm: str, ranks: tuple[int, ...] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(ranks, errors[len(ranks), len(seeds)])``: a randomised method's relative error at each rank
    (default :func:`rank_grid`) for each seed."""
    M, F = tensor(source), factors(source)
    ranks = rank_grid(rank_limit(M.shape)) if ranks is None else ranks
    return np.array(ranks), np.array([seed_errors(M, F, method, r, settings, seeds, norm) for r in ranks])


def curve(source: Source, method: str, settings: MethodSettings, seeds: tuple[int, ...],
          norm: str) -> tuple[np.ndarray, np.ndarray]:
    """A method's error curve: :func:`deterministic_curve`, or :func:`random_errors` over ``seeds``."""
    settings = method_settings_for(method, settings)
    if method in RANDOMISED:
        return random_errors(source, method, settings, seeds, norm)
    return deterministic_curve(source, method, settings, norm)


@memoised(max_bytes=2**20)
def error_at(source: Source, method: str, r: int, settings: MethodSettings, seeds: tuple[int, ...],
             norm: str) -> np.ndarray:
    """A method's relative error at rank r: one value per seed for a randomised method, one value else (read
    from its :func:`deterministic_curve` where that has rank r)."""
    settings = method_settings_for(method, settings)
    if method not in RANDOMISED:
        ranks, errors = deterministic_curve(source, method, settings, norm)
        if r in ranks:
            return errors[ranks == r]
    M, F = tensor(source), factors(source)
    return seed_errors(M, F, method, r, settings, seeds if method in RANDOMISED else (0,), norm)


@memoised(max_bytes=64 * 2**20)
def approximation(source: Source, method: str, r: int, settings: MethodSettings, seed: int) -> Approximation:
    """One method's rank-r approximation of the matrix named by ``source`` (see :func:`approximate`)."""
    M, F = tensor(source), factors(source)
    result = approximate(M, F, method, r, method_settings_for(method, settings), seed)
    return result._replace(matrix=result.matrix.cpu().numpy())


@memoised(max_bytes=2**20)
def bound_lines(source: Source, norm: str, p: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The reference lines of the error plot, relative, for every rank 0 … r_max: the EYM optimum;
    in the Frobenius norm also volume sampling's ``√(r+1)·tail_F(r)`` (some r columns reach it) and
    HMT's bound on ``E‖M − QQᵀM‖_F`` for oversampling p ≥ 2; in the spectral norm ``σ_{r+1}`` and the
    CGMR existence bound ``(1 + r(m − r))^{1/2} σ_{r+1}`` of an ID with ``|Z| ≤ 1``."""
    F = factors(source)
    sigma = to_core(F.s)
    r_max = rank_limit((F.U.shape[0], F.Vt.shape[1]))
    ranks = np.arange(r_max + 1)
    if norm == "fro":
        lines = {"eym": svd.tail_norms(sigma)[:r_max + 1] / F.norms[0],
                 "volume": curves.volume_sampling_bound(sigma)[:r_max + 1] / F.norms[0]}
        if p >= 2:
            lines["hmt"] = torch.tensor([rsvd.hmt_frobenius_bound(sigma, int(r), p) for r in ranks],
                                         dtype=sigma.dtype) / F.norms[0]
    else:
        padded = torch.cat([sigma, sigma.new_zeros(1)])
        lines = {"eym": padded[:r_max + 1] / F.norms[1],
                 "cgmr": torch.cat([curves.interpolative_bound(sigma, F.Vt.shape[1]), sigma.new_zeros(1)])[:r_max + 1]
                 / F.norms[1]}
    return {name: (ranks, values.cpu().numpy()) for name, values in lines.items()}


# ---- post 1: the ε path and gradient descent ------------------------------------------------------------

EPS_PATH = tuple(float(x) for x in np.logspace(-14, 0, 57))
DESCENT_STEPS = 3000


def post1_problem(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Brief Q3's rank-deficient ``A = G₁G₂`` (8×2 · 2×4, rank 2) and ``M`` (8×3), from ``default_rng(seed)``."""
    g = np.random.default_rng(seed)
    A = g.standard_normal((8, 2)) @ g.standard_normal((2, 4))
    return to_core(A), to_core(g.standard_normal((8, 3)))


@memoised(max_bytes=2**20)
def eps_path(seed: int) -> dict[str, np.ndarray]:
    """``‖T(ε) − A^†‖_F`` over :data:`EPS_PATH` in float64 and float32, and the closed form."""
    A, _ = post1_problem(seed)
    f64 = pinv.pinv_path(A, EPS_PATH)
    f32 = pinv.pinv_path(A, EPS_PATH, dtype=torch.float32)
    return {"eps": np.array(EPS_PATH), "float64": f64.error.cpu().numpy(), "float32": f32.error.cpu().numpy(),
            "closed_form": f64.closed_form.cpu().numpy()}


@memoised(max_bytes=2**20)
def descent(seed: int) -> dict[str, np.ndarray]:
    """Gradient descent on ``‖AB − M‖_F²`` from ``B₀ = 0`` and from a random B₀: distances to ``A^†M``
    and, from the random start, to its predicted limit ``A^†M + (I − A^†A)B₀``."""
    A, M = post1_problem(seed)
    from_zero = pinv.pinv_gradient_descent(A, M, steps=DESCENT_STEPS)
    start = to_core(np.random.default_rng(seed + 1).standard_normal((A.shape[1], M.shape[1])))
    from_random = pinv.pinv_gradient_descent(A, M, start, steps=DESCENT_STEPS)
    return {"zero_to_pinv": from_zero.to_pinv.cpu().numpy(), "random_to_pinv": from_random.to_pinv.cpu().numpy(),
            "random_to_limit": from_random.to_limit.cpu().numpy()}


# ---- post 2: EYM weights ------------------------------------------------------------------------------

@memoised(max_bytes=2**20)
def eym_weights(source: Source, r: int, seed: int, count: int) -> dict[str, np.ndarray]:
    """Post 2's proof picture on the first ``count`` singular values of the matrix: the weights
    ``w_j`` of a random ``A ∈ R^{count×r}`` (seeded) and of the optimum, with both objectives."""
    sigma = to_core(factors(source).s[:count])
    A = to_core(np.random.default_rng(seed).standard_normal((sigma.numel(), r)))
    weights = svd.eym_weights(A, sigma)
    return {"sigma": sigma.cpu().numpy(), "random": weights.weights.cpu().numpy(),
            "optimal": weights.optimal_weights.cpu().numpy(), "random_objective": float(weights.objective),
            "optimal_objective": float(weights.optimal_objective)}


# ---- post 3: CR approximation of a product -------------------------------------------------------------

@memoised(max_bytes=2**20)
def geometry(entries: tuple[float, float, float, float]) -> dict[str, np.ndarray]:
    """Post 2's figure for ``M = [[a, b], [c, d]]``: the stages of the unit circle and of ``v_1, v_2`` under
    ``Vᵀ``, ``Σ``, ``U`` (:func:`.svd.svd_geometry_2x2`) and the singular values."""
    result = svd.svd_geometry_2x2(to_core(np.array(entries, dtype=float).reshape(2, 2)))
    return {"stages": result.stages.cpu().numpy(), "basis": result.basis.cpu().numpy(), "sigma": result.S.cpu().numpy()}


@dataclass(frozen=True)
class ProductSettings:
    """A CR problem: the product ``XY`` named by ``spec`` (:func:`~.matrices.build_product`), the
    sampling ``scheme`` (:data:`.cr.CR_SCHEMES`) and whether draws are made with ``replacement``."""
    spec: MatrixSpec
    scheme: str = "optimal"
    replacement: bool = True


@memoised(max_bytes=32 * 2**20)
def product(spec: MatrixSpec) -> dict[str, np.ndarray]:
    """The CR pair's Gram matrix ``K = (XᵀX)∘(YYᵀ)``, the weights ``w_i = ‖x_i‖‖y_i‖`` and ``‖XY‖_F²``."""
    X, Y = build_product(spec)
    gram = cr.cr_gram(X, Y)
    return {"gram": gram.cpu().numpy(), "w": cr.cr_norms(X, Y).cpu().numpy(), "norm2": float(gram.sum())}


@memoised(max_bytes=8 * 2**20)
def cr_curves(settings: ProductSettings, seeds: tuple[int, ...], r_max: int) -> dict[str, np.ndarray]:
    """CR's relative squared errors ``‖CR − XY‖_F²/‖XY‖_F²`` for r = 1 … r_max: the closed-form
    expectations of the three schemes (with replacement), a Monte Carlo of the chosen scheme over
    ``seeds`` (with or without replacement), the top-r selection, and the break-even rank."""
    X, Y = build_product(settings.spec)
    data = product(settings.spec)
    ranks = torch.arange(1, r_max + 1, dtype=torch.float64)
    expected = {scheme: (cr.cr_expected_error(X, Y, ranks, scheme) / data["norm2"]).cpu().numpy()
                for scheme in cr.CR_SCHEMES}
    gram = to_core(data["gram"])
    sampled = cr.cr_sample_errors(X, Y, list(range(1, r_max + 1)), settings.scheme, seeds[0], len(seeds),
                                  settings.replacement, gram=gram)
    order = np.argsort(-data["w"], kind="stable")
    top = [float(cr.cr_weights_error(gram, _indicator(order[:r], gram))) for r in range(1, r_max + 1)]
    return {"ranks": ranks.cpu().numpy(), "expected": expected, "sampled": sampled.cpu().numpy() / data["norm2"],
            "top": np.array(top) / data["norm2"], "break_even": float(cr.cr_break_even(X, Y, settings.scheme))}


def _indicator(indices, like: torch.Tensor) -> torch.Tensor:
    weights = torch.zeros(like.shape[0], dtype=like.dtype, device=like.device)
    weights[torch.as_tensor(indices, device=like.device)] = 1.0
    return weights


@memoised(max_bytes=2**20)
def cr_draw(settings: ProductSettings, r: int, seed: int) -> dict[str, np.ndarray]:
    """One draw of r indices at ``seed``: the sampling probabilities, the distinct indices and their
    counts, and the draw's relative squared error."""
    X, Y = build_product(settings.spec)
    p = cr.cr_probabilities(X, Y, settings.scheme)
    sample = cr.cr_sample(X, Y, r, settings.scheme, seed, replacement=settings.replacement)
    return {"p": p.cpu().numpy(), "indices": sample.indices.cpu().numpy(), "counts": sample.counts.cpu().numpy(),
            "error": float(sample.error) / product(settings.spec)["norm2"]}
