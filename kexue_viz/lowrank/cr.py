"""CR (column–row) approximation of a product ``XY`` (post 3 of 低秩近似之路, 10427).

Symbols (brief §2.3): ``X ∈ R^{n×l}`` has columns ``x_i``, ``Y ∈ R^{l×m}`` has rows ``y_iᵀ``,
``v_i = vec(x_i y_iᵀ)`` and ``w_i = ‖v_i‖ = ‖x_i‖‖y_i‖``. A selection ``S`` (r indices) with a middle factor
``Λ`` approximates ``XY ≈ C Λ R`` with ``C = X[:, S]``, ``R = Y[S, :]``. Errors are squared Frobenius norms
``‖CΛR − XY‖_F²``, as the brief quotes them.

Many candidates at once (brute force, greedy steps, Monte Carlo seeds) are scored through the Gram matrix
``K = (XᵀX)∘(YYᵀ)``, ``K_ij = ⟨v_i, v_j⟩``: ``‖Σ_i α_i v_i‖² = αᵀKα`` costs ``O(l²)`` per candidate instead of
``O(lnm)``. Single selections are scored by the direct residual.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch

from kexue_viz.device import to_core

CR_SCHEMES = ("optimal", "x_norm2", "uniform")
"""Sampling distributions: ``p ∝ ‖x_i‖‖y_i‖`` (optimal), ``p ∝ ‖x_i‖²``, uniform."""

CR_MIDDLES = ("plain", "diagonal", "full")
"""Middle factors for a fixed selection: ``Λ = I``, the best diagonal ``Λ``, the best ``Λ = C^†XYR^†``."""

MAX_SUBSETS = 100_000
"""Largest number of candidate subsets a brute-force or greedy step enumerates (brief §4.3)."""


class CRSample(NamedTuple):
    """One sampled CR approximation: distinct ``indices`` (ascending), their draw ``counts``, the diagonal
    middle ``weights`` λ at those indices, ``distinct = len(indices)`` and the squared error."""
    indices: torch.Tensor
    counts: torch.Tensor
    weights: torch.Tensor
    distinct: int
    error: torch.Tensor


class CRExact(NamedTuple):
    """Brute force over every r-subset: the best ``indices`` and their ``error``, plus every enumerated
    ``subsets`` row (the kept set when ``r ≤ l − r``, else the dropped set, as ``dropped`` says) and its
    ``errors``."""
    indices: torch.Tensor
    error: torch.Tensor
    subsets: torch.Tensor
    errors: torch.Tensor
    dropped: bool


def _operands(X, Y) -> tuple[torch.Tensor, torch.Tensor]:
    X, Y = to_core(X), to_core(Y)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[0]:
        raise ValueError(f"X (n×l) and Y (l×m) must share l: got {tuple(X.shape)} and {tuple(Y.shape)}")
    return X, Y


def _indices(indices, X: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(indices, dtype=torch.long).to(X.device)


def cr_norms(X, Y) -> torch.Tensor:
    """``w_i = ‖x_i‖‖y_i‖ = ‖x_i y_iᵀ‖_F`` for i = 0 … l−1, shape (l,). Cost ``O(l(n+m))``."""
    X, Y = _operands(X, Y)
    return torch.linalg.vector_norm(X, dim=0) * torch.linalg.vector_norm(Y, dim=1)


def cr_gram(X, Y) -> torch.Tensor:
    """``K = (XᵀX)∘(YYᵀ)``, (l, l): ``K_ij = ⟨x_i y_iᵀ, x_j y_jᵀ⟩_F = (x_iᵀx_j)(y_iᵀy_j)``, ``∘`` Hadamard."""
    X, Y = _operands(X, Y)
    return (X.T @ X) * (Y @ Y.T)


def cr_probabilities(X, Y, scheme: str = "optimal") -> torch.Tensor:
    """Sampling distribution p over the l column/row pairs, shape (l,): ``p_i = w_i/Σw`` (``'optimal'``,
    Drineas–Kannan–Mahoney), ``p_i = ‖x_i‖²/‖X‖_F²`` (``'x_norm2'``) or ``1/l`` (``'uniform'``)."""
    X, Y = _operands(X, Y)
    if scheme == "optimal":
        mass = cr_norms(X, Y)
    elif scheme == "x_norm2":
        mass = X.square().sum(0)
    elif scheme == "uniform":
        mass = torch.ones(X.shape[1], dtype=X.dtype, device=X.device)
    else:
        raise ValueError(f"scheme must be one of {CR_SCHEMES}, got {scheme!r}")
    total = mass.sum()
    if total <= 0:
        raise ValueError(f"scheme {scheme!r} puts no mass on any column: X or Y is zero")
    return mass / total


def cr_single_draw_error(X, Y, scheme: str = "optimal") -> torch.Tensor:
    """``E_{i∼p}‖v_i/p_i − XY‖_F² = Σ_i w_i²/p_i − ‖XY‖_F²`` (the post's displayed variance, one draw);
    terms with ``p_i = 0`` have ``w_i = 0`` and count 0. For ``'optimal'`` it is ``(Σw)² − ‖XY‖_F²``."""
    X, Y = _operands(X, Y)
    w, p = cr_norms(X, Y), cr_probabilities(X, Y, scheme)
    spread = torch.where(p > 0, w.square() / p.clamp_min(torch.finfo(p.dtype).tiny), 0.0).sum()
    return spread - (X @ Y).square().sum()


def cr_expected_error(X, Y, r, scheme: str = "optimal") -> torch.Tensor:
    """``E‖CΛR − XY‖_F² = (1/r)[Σ_i w_i²/p_i − ‖XY‖_F²]`` for r i.i.d. draws with ``λ_i = count_i/(r p_i)``.
    ``r`` may be an int or a tensor of ranks: one vector expression gives the curve for every r."""
    rank = to_core(r)
    return cr_single_draw_error(X, Y, scheme).to(rank.device) / rank


def cr_break_even(X, Y, scheme: str = "optimal") -> torch.Tensor:
    """``r* = (Σ_i w_i²/p_i − ‖XY‖_F²)/‖XY‖_F²``: r i.i.d. draws beat the zero matrix in expectation
    (``E err² < ‖XY‖_F²``) exactly when ``r > r*``."""
    X, Y = _operands(X, Y)
    return cr_single_draw_error(X, Y, scheme) / (X @ Y).square().sum()


def cr_draws(probabilities, r: int, seed: int = 0, n_seeds: int = 1, replacement: bool = True) -> torch.Tensor:
    """``n_seeds`` ordered samples of r indices from p, shape (n_seeds, r), from ``torch.Generator(seed)``.

    * With replacement: inverse CDF, ``s = searchsorted(cumsum p, u·Σp)`` with ``u ∼ U[0,1)``; zero-probability
      indices are never drawn.
    * Without: successive sampling (each draw ∝ p among the indices not yet drawn), by the exponential-race
      trick: the order of ``p_i/E_i`` descending, ``E_i ∼ Exp(1)``; needs ``r ≤ #{p_i > 0}``.

    Row b's first r' draws are the r'-draw sample of the same row, so prefixes give every smaller r."""
    p = torch.as_tensor(probabilities)
    generator = torch.Generator(device=p.device).manual_seed(seed)
    if replacement:
        cdf = p.cumsum(0)
        u = torch.rand(n_seeds, r, generator=generator, dtype=p.dtype, device=p.device) * cdf[-1]
        return torch.searchsorted(cdf, u, right=True).clamp_max(p.numel() - 1)
    if r > int((p > 0).sum()):
        raise ValueError(f"cannot draw {r} distinct indices: only {int((p > 0).sum())} have p > 0")
    races = torch.empty(n_seeds, p.numel(), dtype=p.dtype, device=p.device).exponential_(generator=generator)
    return torch.argsort(p / races, dim=1, descending=True, stable=True)[:, :r]


def cr_sample_weights(draws: torch.Tensor, probabilities, r=None, replacement: bool = True) -> torch.Tensor:
    """Diagonal weights λ over all l indices (0 where not drawn) of the unbiased estimator of ``XY`` from the
    first r draws of each row of ``draws`` (…, r_max); ``r`` an int or a 1-D tensor of ranks (a leading axis).

    * With replacement (the post): ``XY ≈ (1/r)Σ_j v_{s_j}/p_{s_j}``, i.e. ``λ_i = count_i/(r p_i)``;
      duplicates are merged by summing.
    * Without replacement (successive sampling): Des Raj's ordered estimator, the mean over j of the unbiased
      ``t_j = Σ_{k<j} v_{s_k} + v_{s_j} q_j/p_{s_j}`` with ``q_j = 1 − Σ_{k<j} p_{s_k}``, i.e.
      ``λ_{s_j} = (r − j + q_j/p_{s_j})/r`` (j = 1 … r)."""
    p = torch.as_tensor(probabilities)
    draws = torch.as_tensor(draws, device=p.device)
    r_max = draws.shape[-1]
    ranks = torch.as_tensor(r_max if r is None else r, device=p.device)
    ranks_b = ranks.reshape(ranks.shape + (1,) * draws.ndim)
    step = torch.arange(1, r_max + 1, device=p.device)
    p_drawn = p[draws]
    if replacement:
        per_draw = 1.0 / p_drawn
    else:
        remaining = 1.0 - (p_drawn.cumsum(-1) - p_drawn)
        per_draw = ranks_b - step + remaining / p_drawn
    contribution = torch.where(step <= ranks_b, per_draw / ranks_b, 0.0)
    weights = torch.zeros(contribution.shape[:-1] + (p.numel(),), dtype=p.dtype, device=p.device)
    return weights.scatter_add(-1, draws.expand_as(contribution), contribution)


def cr_weights_error(gram: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """``‖Σ_i (λ_i − 1) v_i‖² = (λ − 1)ᵀK(λ − 1)`` for each row of ``weights`` (…, l), with ``K = cr_gram``:
    the squared error of ``X diag(λ) Y`` in ``O(l²)`` per row."""
    residual = weights - 1.0
    return ((residual @ gram) * residual).sum(-1)


def cr_error(X, Y, indices, middle=None) -> torch.Tensor:
    """``‖C Λ R − XY‖_F²`` for ``C = X[:, S]``, ``R = Y[S, :]`` (direct residual, ``O(rnm + lnm)``). ``middle``:
    None (``Λ = I``, the plain CR), a vector (diagonal ``Λ``) or an (r, r) matrix."""
    X, Y = _operands(X, Y)
    S = _indices(indices, X)
    C, R = X[:, S], Y[S, :]
    if middle is None:
        approx = C @ R
    else:
        middle = to_core(middle, like=X)
        approx = (C * middle) @ R if middle.ndim == 1 else C @ middle @ R
    return (approx - X @ Y).square().sum()


def cr_sample(X, Y, r: int, scheme: str = "optimal", seed: int = 0, replacement: bool = True) -> CRSample:
    """One sampled CR approximation (row 0 of :func:`cr_draws` with this seed): r draws from
    :func:`cr_probabilities`, weights from :func:`cr_sample_weights`, duplicates merged."""
    X, Y = _operands(X, Y)
    p = cr_probabilities(X, Y, scheme)
    draws = cr_draws(p, r, seed=seed, replacement=replacement)[0]
    indices, counts = torch.unique(draws, sorted=True, return_counts=True)
    weights = cr_sample_weights(draws, p, replacement=replacement)[indices]
    return CRSample(indices, counts, weights, int(indices.numel()), cr_error(X, Y, indices, weights))


def cr_sample_errors(X, Y, ranks, scheme: str = "optimal", seed: int = 0, n_seeds: int = 8,
                     replacement: bool = True, gram: torch.Tensor | None = None) -> torch.Tensor:
    """Squared errors of sampled CR approximations, shape (len(ranks), n_seeds): seed row b uses the first r
    draws of row b of ``cr_draws(p, max(ranks), seed, n_seeds)``, so row 0 at rank r is ``cr_sample(…, r,
    seed)``. Scored through the Gram matrix (pass a memoised ``cr_gram(X, Y)`` as ``gram``):
    ``O(l²(n+m))`` for K, then ``O(len(ranks)·n_seeds·l²)``."""
    X, Y = _operands(X, Y)
    ranks = torch.as_tensor(ranks, dtype=torch.long, device=X.device).reshape(-1)
    p = cr_probabilities(X, Y, scheme)
    draws = cr_draws(p, int(ranks.max()), seed=seed, n_seeds=n_seeds, replacement=replacement)
    weights = cr_sample_weights(draws, p, ranks, replacement=replacement)
    return cr_weights_error(cr_gram(X, Y) if gram is None else gram, weights)


def cr_top(X, Y, r: int) -> torch.Tensor:
    """The post's baseline: the r indices with the largest ``w_i = ‖x_i‖‖y_i‖`` (ties to the lower index),
    ascending. Exact when the ``v_i`` are orthogonal (e.g. ``Y = I``: keep the r largest columns of X)."""
    order = torch.argsort(cr_norms(X, Y), descending=True, stable=True)
    return order[:r].sort().values


def cr_subset_norms(gram: torch.Tensor, subsets: torch.Tensor, pull: torch.Tensor | None = None,
                    base_norm=0.0) -> torch.Tensor:
    """``‖a + Σ_{s∈T} v_s‖²`` for each row T of ``subsets`` (N, k), with ``a = Σ_i α_i v_i`` given through
    ``pull = Kα`` (l,) and ``base_norm = ‖a‖² = αᵀKα``, ``K = cr_gram``:
    ``‖a‖² + 2 Σ_{s∈T}(Kα)_s + Σ_{s,t∈T} K_st``; ``a = 0`` when ``pull`` is None."""
    own = gram[subsets.unsqueeze(-1), subsets.unsqueeze(-2)].sum((-2, -1))
    if pull is None:
        return own
    return base_norm + 2 * pull[subsets].sum(-1) + own


def _combinations(count: int, size: int, device, max_subsets: int, what: str) -> torch.Tensor:
    total = math.comb(count, size)
    if total > max_subsets:
        raise ValueError(f"{what}: C({count},{size}) = {total} subsets exceeds max_subsets = {max_subsets}")
    if size == 0:
        return torch.zeros(1, 0, dtype=torch.long, device=device)
    pool = torch.arange(count, device=device)
    return pool.unsqueeze(0) if size == count else torch.combinations(pool, size)


def cr_exact(X, Y, r: int, max_subsets: int = MAX_SUBSETS) -> CRExact:
    """``argmin_{|S|=r} ‖X[:,S]Y[S,:] − XY‖_F²`` by brute force over all ``C(l, r)`` subsets (raises above
    ``max_subsets``). Enumerates the smaller side: dropped sets D (error ``Σ_{i,j∈D}K_ij``, no cancellation)
    when ``l − r ≤ r``, else kept sets S (error ``‖XY‖² − 2Σ_{i∈S}(K1)_i + Σ_{i,j∈S}K_ij``). Ties go to the
    first subset in lexicographic order of the enumerated side."""
    X, Y = _operands(X, Y)
    l = X.shape[1]
    if not 0 <= r <= l:
        raise ValueError(f"r must lie in 0 … l = {l}, got {r}")
    dropped = l - r <= r
    subsets = _combinations(l, l - r if dropped else r, X.device, max_subsets, "cr_exact")
    gram = cr_gram(X, Y)
    if dropped:
        errors = cr_subset_norms(gram, subsets)
    else:
        pull = -gram.sum(1)
        errors = cr_subset_norms(gram, subsets, pull, -pull.sum())
    best = int(torch.argmin(errors))
    keep = torch.ones(l, dtype=torch.bool, device=X.device)
    keep[subsets[best]] = False
    indices = keep.nonzero().flatten() if dropped else subsets[best]
    return CRExact(indices, errors[best], subsets, errors, dropped)


def cr_greedy(X, Y, r: int, k: int = 1, residual_aware: bool = False, max_subsets: int = MAX_SUBSETS) -> torch.Tensor:
    """The post's greedy k-tuples: while ``|Ω| > r``, drop the k-subset T ⊂ Ω minimising ``‖Σ_{s∈T} v_s‖``
    (its **own** sum, as boxed in the post) or, with ``residual_aware``, ``‖Σ_{dropped} v + Σ_{s∈T} v_s‖``
    (the error of the selection after the step; erratum E11). The last step drops ``min(k, |Ω| − r)``
    vectors when k does not divide ``l − r``. Returns the kept indices, ascending. ``O(C(|Ω|, k))`` per step."""
    X, Y = _operands(X, Y)
    l = X.shape[1]
    gram = cr_gram(X, Y)
    alive = torch.arange(l, device=X.device)
    pull, removed_norm = torch.zeros(l, dtype=X.dtype, device=X.device), 0.0
    while alive.numel() > r:
        size = min(k, alive.numel() - r)
        candidates = alive[_combinations(alive.numel(), size, X.device, max_subsets, "cr_greedy")]
        scores = cr_subset_norms(gram, candidates, pull if residual_aware else None, removed_norm)
        best = int(torch.argmin(scores))
        chosen = candidates[best]
        pull, removed_norm = pull + gram[:, chosen].sum(1), scores[best]
        alive = alive[~torch.isin(alive, chosen)]
    return alive


def cr_middle(X, Y, indices, kind: str = "full") -> torch.Tensor:
    """Middle factor Λ for ``C = X[:, S]``, ``R = Y[S, :]``:

    * ``'plain'``: ones (r,), the CR itself (``Λ = I``);
    * ``'diagonal'``: ``λ* = G^†b`` (r,), ``G = (CᵀC)∘(RRᵀ)``, ``b = ((CᵀX)∘(RYᵀ))1_l = diag(CᵀXYRᵀ)``: the least
      squares ``argmin_λ ‖Σ_i λ_i vec(c_i r_iᵀ) − vec(XY)‖`` without forming the nm×r matrix (post's ⊗ is ∘, E9);
    * ``'full'``: ``Λ* = C^†XYR^† = (C^†X)(YR^†)`` (r, r), never forming XY.

    Pseudo-inverses use torch's default ``rtol = max(shape)·eps``, so repeated indices are harmless."""
    X, Y = _operands(X, Y)
    S = _indices(indices, X)
    C, R = X[:, S], Y[S, :]
    if kind == "plain":
        return torch.ones(S.numel(), dtype=X.dtype, device=X.device)
    if kind == "diagonal":
        gram = (C.T @ C) * (R @ R.T)
        rhs = ((C.T @ X) * (R @ Y.T)).sum(1)
        return torch.linalg.pinv(gram, hermitian=True) @ rhs
    if kind == "full":
        return (torch.linalg.pinv(C) @ X) @ (Y @ torch.linalg.pinv(R))
    raise ValueError(f"kind must be one of {CR_MIDDLES}, got {kind!r}")

