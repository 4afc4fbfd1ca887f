"""LoRA in terms of the full gradient G: gradients, increments, LoRA+ ratios, LoRA-GA (9590, 10001, 10226).

Layout (brief §2.1): Y = XW, W = W_base + s·AB with W (n×m), A (n×r) the input side, B (r×m) the output
side, G = ∂L/∂W (n×m), s the multiplier ``scale`` (α/r in peft; the posts use s = 1). peft stores
``lora_A.weight`` = Aᵀ (r×n) and ``lora_B.weight`` = Bᵀ (m×r), so the posts' B is peft's lora_B: the
factor peft zero-initialises and LoRA+ speeds up. SVDs are G = U diag(σ) Vh (the posts' V is our Vh).

All functions take torch tensors of one floating dtype on one device (float64 in the core) and return
tensors of that dtype and device; leading batch dimensions are allowed where a docstring says so.
Randomness comes from a ``torch.Generator`` (drawn on its device, then moved to the data's device).
"""
from __future__ import annotations

import math
import warnings

import torch

LORA_GA_DIRECTIONS = ("ArB2r", "A2rBr", "ArBr", "random")
LORA_GA_SCALES = ("unit", "stable", "custom", "adam_optimal")
LORAPLUS_RULES = ("post", "random_count", "param_count")
LOWRANK_NITER = 4
LOWRANK_FLAT_RATIO = 0.75  # σ_q/σ_2r of the sketch above this: no gap beyond 2r, the sketch is unreliable


def seeded_normal(shape, generator: torch.Generator, like: torch.Tensor) -> torch.Tensor:
    """N(0, 1) samples of ``shape`` drawn with ``generator`` on its own device, returned on ``like``'s
    device and dtype (the same seed gives the same numbers whichever device the core uses)."""
    sample = torch.randn(shape, generator=generator, dtype=like.dtype, device=generator.device)
    return sample.to(like.device)


# ---------------------------------------------------------------------------------------------------
# 9590: gradients, the SGD increment, the equivalent gradient


def lora_grads(G: torch.Tensor, A: torch.Tensor, B: torch.Tensor, scale: float = 1.0):
    """Form (4) of 9590: ``G_A = s·G Bᵀ`` (n×r) and ``G_B = s·Aᵀ G`` (r×m) from the full gradient G (n×m).
    Costs O(nmr) once G exists (O(bnm) to form G from a batch). Batched over leading dimensions."""
    aligned = G.dim() == A.dim() == B.dim() == 3  # a batch [K, …]: bmm, without matmul's broadcasting work
    product = torch.bmm if aligned else torch.matmul
    G_A, G_B = product(G, B.mT), product(A.mT, G)
    if scale == 1.0:  # the posts' multiplier: no scaling op (a run's per-step cost is per-op overhead)
        return G_A, G_B
    return scale * G_A, scale * G_B


def lora_grads_from_activations(X: torch.Tensor, grad_Y: torch.Tensor, A: torch.Tensor, B: torch.Tensor,
                                scale: float = 1.0):
    """Form (5) of 9590: ``G_A = s·Xᵀ(L_Y Bᵀ)`` and ``G_B = s·(XA)ᵀ L_Y`` with X (b×n) the layer input and
    L_Y = ``grad_Y`` = ∂L/∂Y (b×m). Never forms an n×m matrix: O(br(n+m)). Batched."""
    return scale * (X.mT @ (grad_Y @ B.mT)), scale * ((X @ A).mT @ grad_Y)


def sgd_increment(G: torch.Tensor, A: torch.Tensor, B: torch.Tensor, lr_A: float, lr_B: float | None = None,
                  scale: float = 1.0):
    """Exact change of W = W_base + s·AB after one SGD step A' = A − η_A G_A, B' = B − η_B G_B (9590 (6), (8)):

    ``s(A'B' − AB) = first + second`` with ``first = −s²(η_A·G BᵀB + η_B·AAᵀG)`` (rank ≤ 2r) and
    ``second = s³ η_A η_B·G BᵀAᵀ G``. ``lr_B`` defaults to ``lr_A`` (plain LoRA); unequal rates are LoRA+.
    Returns ``(first, second)``, both n×m. Batched."""
    lr_B = lr_A if lr_B is None else lr_B
    first = -(scale ** 2) * (lr_A * (G @ B.mT @ B) + lr_B * (A @ (A.mT @ G)))
    second = (scale ** 3 * lr_A * lr_B) * ((G @ B.mT) @ (A.mT @ G))
    return first, second


def lora_equivalent_gradient(G: torch.Tensor, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """9590 (9): the first-order equivalent gradient of plain LoRA, ``G̃_LoRA = AAᵀG + GBᵀB`` (n×m, s = 1).
    Batched."""
    return A @ (A.mT @ G) + (G @ B.mT) @ B


def shifted_base(W0: torch.Tensor, A0: torch.Tensor, B0: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """9590 (7), 10226 (1): ``W_base = W0 − s·A0B0``, so that W(0) = W_base + s·A0B0 = W0 for a non-zero init."""
    return W0 - scale * (A0 @ B0)


def random_projection_update(G: torch.Tensor, lr: float, generator: torch.Generator, draws: int | None = None):
    """9590 (10) with the shapes corrected (E1): u ∈ ℝ^{n×1}, v ∈ ℝ^{1×m}, both N(0, 1), redrawn each step;
    the first-order update is ``−η(G vᵀv + u uᵀG)`` (n×m). E uuᵀ = I_n and E vᵀv = I_m (9590 (11)), so its
    mean is **−2ηG** (E2: the post says "equivalent to full-rank SGD", which holds up to this factor 2);
    the dropped η² term ``η² G vᵀ uᵀ G`` has mean zero. ``draws``: return [draws, n, m] independent updates."""
    n, m = G.shape[-2:]
    lead = () if draws is None else (draws,)
    u = seeded_normal(lead + (n, 1), generator, G)
    v = seeded_normal(lead + (1, m), generator, G)
    return -lr * ((G @ v.mT) @ v + u @ (u.mT @ G))


def additive_delta(A: torch.Tensor, B: torch.Tensor, n: int, m: int) -> torch.Tensor:
    """9590 (12), (14): the additive adapter ``A·[I_r … I_r] + [I_r; …; I_r]·B`` (n×m) for A (n×r), B (r×m),
    r | n and r | m (r = 1 is ``A·1_{1×m} + 1_{n×1}·B``). Its rank is ≤ 2r, against ≤ r for AB."""
    r = A.shape[-1]
    if n % r or m % r:
        raise ValueError(f"the additive adapter needs r | n and r | m (n={n}, m={m}, r={r})")
    return A.repeat(1, m // r) + B.repeat(n // r, 1)


def additive_grads(G: torch.Tensor, blocks: int = 1):
    """9590 (13) and its block version: gradients of :func:`additive_delta` with r = ``blocks``.
    ``G_A`` (n×r) sums the m/r column blocks of G (r = 1: the row sums), ``G_B`` (r×m) sums the n/r row
    blocks (r = 1: the column sums)."""
    n, m = G.shape
    r = blocks
    if n % r or m % r:
        raise ValueError(f"the additive adapter needs r | n and r | m (n={n}, m={m}, r={r})")
    return G.reshape(n, m // r, r).sum(1), G.reshape(n // r, r, m).sum(0)


# ---------------------------------------------------------------------------------------------------
# 10001: LoRA+


def loraplus_ratio(n: int, m: int, r: int, rule: str = "post") -> float:
    """η_B/η_A that equalises the SignSGD loss contributions η_A‖G_A‖₁ = η_B‖G_B‖₁ (10001 (3)), by rule:

    * ``"post"``: 10001 (5), ``(n/m)·√(n/r)``; the post sizes each entry of G_A by |B| and of G_B by |A|;
    * ``"random_count"``: ``n/√(mr)``, the same argument counting that an entry of G_A sums m terms and an
      entry of G_B sums n (random model of brief §3.3; E3: differs from "post" by √(n/m), equal at m = n);
    * ``"param_count"``: ``√(m/r)``, the post's alternative for m ≠ n (contributions proportional to the
      parameter counts nr and mr) with the random-model counts (E3).

    The measured rule is :func:`gradient_l1_ratio` on actual gradients."""
    if rule == "post":
        return (n / m) * math.sqrt(n / r)
    if rule == "random_count":
        return n / math.sqrt(m * r)
    if rule == "param_count":
        return math.sqrt(m / r)
    raise ValueError(f"unknown LoRA+ rule {rule!r}; expected one of {LORAPLUS_RULES}")


def gradient_l1_ratio(G_A: torch.Tensor, G_B: torch.Tensor) -> torch.Tensor:
    """The measured LoRA+ ratio ``‖G_A‖₁/‖G_B‖₁`` (entrywise L1 over the last two dimensions; batched)."""
    return G_A.abs().sum((-2, -1)) / G_B.abs().sum((-2, -1))


def signsgd_loss_change(G_A: torch.Tensor, G_B: torch.Tensor, lr_A: float, lr_B: float):
    """10001 (3): predicted first-order loss changes of one SignSGD step (Adam with β₁ = β₂ = 0),
    ``(ΔL_A, ΔL_B) = (−η_A‖G_A‖₁, −η_B‖G_B‖₁)``. Batched."""
    return -lr_A * G_A.abs().sum((-2, -1)), -lr_B * G_B.abs().sum((-2, -1))


def loraplus_random_model_ratio(n: int, m: int, r: int, generator: torch.Generator, batch: int = 32,
                                draws: int = 20, like: torch.Tensor | None = None) -> float:
    """Mean over ``draws`` of ‖G_A‖₁/‖G_B‖₁ (10001 (4)) under the random model of brief §3.3: X (b×n) and
    L_Y (b×m) ~ N(0, 1), A ~ N(0, 1/n), B ~ N(0, 1/r) (forward stability). ``like`` fixes dtype/device
    (float64 CPU if None)."""
    like = torch.empty(0, dtype=torch.float64) if like is None else like
    X = seeded_normal((draws, batch, n), generator, like)
    grad_Y = seeded_normal((draws, batch, m), generator, like)
    A = seeded_normal((draws, n, r), generator, like) / math.sqrt(n)
    B = seeded_normal((draws, r, m), generator, like) / math.sqrt(r)
    return float(gradient_l1_ratio(*lora_grads_from_activations(X, grad_Y, A, B)).mean())


# ---------------------------------------------------------------------------------------------------
# 10226: LoRA-GA


def svd_flip(U: torch.Tensor, Vh: torch.Tensor):
    """scikit-learn's u-based sign convention: flip each pair (u_i, v_i) so that the entry of u_i with the
    largest |value| (first one on ties) is positive. U (n×k), Vh (k×m); returns flipped copies. Apply it
    before slicing: LoRA-GA's A0B0 = Σ_{i≤r} u_i v_{r+i}ᵀ changes when a pair is flipped."""
    rows = U.abs().argmax(dim=-2, keepdim=True)
    signs = torch.sign(U.gather(-2, rows))
    signs = torch.where(signs == 0, torch.ones_like(signs), signs)
    return U * signs, Vh * signs.mT


def gradient_svd(G: torch.Tensor, k: int, svd: str = "full", seed: int = 0):
    """The top-k singular triplets of G (n×m) with :func:`svd_flip` applied: ``(U (n×k), σ (k), Vh (k×m))``.

    * ``svd="full"``: ``torch.linalg.svd`` (exact; up to d ≈ 1024 on the interactive path);
    * ``svd="lowrank"``: ``torch.svd_lowrank(q=min(4r, d), niter=4)`` with r = k/2, as the LoRA-GA
      references, seeded with ``seed``. Accurate for decaying spectra, wrong for flat ones (brief §2.6): a
      ``UserWarning`` is raised when the sketch shows no gap beyond k (σ_q/σ_k > 0.75)."""
    if svd == "full":
        U, S, Vh = torch.linalg.svd(G, full_matrices=False)
    elif svd == "lowrank":
        q = min(2 * k, *G.shape)
        devices = [G.device] if G.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            U, S, V = torch.svd_lowrank(G, q=q, niter=LOWRANK_NITER)
        Vh = V.mT
        if q > k and S[q - 1] > LOWRANK_FLAT_RATIO * S[k - 1]:
            warnings.warn(f"svd_lowrank on a flat spectrum (σ_q/σ_k = {float(S[q - 1] / S[k - 1]):.2f}): "
                          "the top-k subspace is unreliable, use svd='full'", UserWarning, stacklevel=2)
    else:
        raise ValueError(f"unknown svd {svd!r}; expected 'full' or 'lowrank'")
    U, Vh = svd_flip(U, Vh)
    return U[:, :k], S[:k], Vh[:k]


def lora_ga_indices(r: int, direction: str = "ArB2r", generator: torch.Generator | None = None):
    """Which of the top 2r singular pairs go to A0 and to B0 (indices into U's columns / Vh's rows),
    named as in the authors' code: ``ArB2r`` A ← 0…r−1, B ← r…2r−1 (the post's choice, 10226 (8));
    ``A2rBr`` the swap; ``ArBr`` A ← odd, B ← even; ``random`` a random split (needs ``generator``)."""
    if direction == "ArB2r":
        return torch.arange(r), torch.arange(r, 2 * r)
    if direction == "A2rBr":
        return torch.arange(r, 2 * r), torch.arange(r)
    if direction == "ArBr":
        return torch.arange(1, 2 * r, 2), torch.arange(0, 2 * r, 2)
    if direction == "random":
        if generator is None:
            raise ValueError("direction='random' needs a generator")
        order = torch.randperm(2 * r, generator=generator, device=generator.device).cpu()
        return order[:r], order[r:]
    raise ValueError(f"unknown direction {direction!r}; expected one of {LORA_GA_DIRECTIONS}")


def lora_ga_objective(G: torch.Tensor, A0: torch.Tensor, B0: torch.Tensor) -> torch.Tensor:
    """10226 (5): ``‖A0A0ᵀG + GB0ᵀB0 − G‖²_F``, the squared first-step mismatch with full SGD (s = 1).
    Its minimum over (A0, B0) is Σ_{i>2r}σ_i² (Eckart–Young–Mirsky), attained by :func:`lora_ga_init`."""
    return (lora_equivalent_gradient(G, A0, B0) - G).square().sum((-2, -1))


def lora_ga_sign_matrix(G: torch.Tensor, A0: torch.Tensor, B0: torch.Tensor) -> torch.Tensor:
    """``M := A0 sign(A0ᵀG) + sign(GB0ᵀ)B0`` (n×m): Adam's first LoRA step from (A0, B0) (β₁ = β₂ = 0)."""
    return A0 @ torch.sign(A0.mT @ G) + torch.sign(G @ B0.mT) @ B0


def lora_ga_sign_objective(G: torch.Tensor, A0: torch.Tensor, B0: torch.Tensor) -> torch.Tensor:
    """10226 (9): ``‖A0 sign(A0ᵀG) + sign(GB0ᵀ)B0 − sign(G)‖²_F``, Adam's first-step mismatch; no closed form."""
    return (lora_ga_sign_matrix(G, A0, B0) - torch.sign(G)).square().sum((-2, -1))


def adam_optimal_scale(G: torch.Tensor, A0: torch.Tensor, B0: torch.Tensor) -> torch.Tensor:
    """``c* = ⟨M, sign G⟩/‖M‖²`` with M from :func:`lora_ga_sign_matrix` (brief §2.4). Along the ray
    c·(A0, B0), c > 0, the signs do not change, so 10226 (9) is ``‖cM − sign G‖²``, quadratic in c."""
    M = lora_ga_sign_matrix(G, A0, B0)
    return (M * torch.sign(G)).sum((-2, -1)) / M.square().sum((-2, -1))


def lora_ga_scale(G: torch.Tensor, A0: torch.Tensor, B0: torch.Tensor, scale: str = "unit",
                  gamma: float = 16.0, c: float | None = None) -> torch.Tensor | float:
    """The common factor c applied to both LoRA-GA factors (first SGD step −η s² c² G_2r):

    * ``"unit"``: c = 1 (optimal for SGD at s = 1: the objective is (c² − 1)²‖G_2r‖² + Σ_{i>2r}σ²);
    * ``"stable"``: c = m^{1/4}/√γ (m = d_out), the authors' option for Adam (both factors scaled);
    * ``"custom"``: the given ``c`` (the authors' ``gd``, "divide by s", is c = 1/s);
    * ``"adam_optimal"``: :func:`adam_optimal_scale` c*."""
    if scale == "unit":
        return 1.0
    if scale == "stable":
        return G.shape[-1] ** 0.25 / math.sqrt(gamma)
    if scale == "custom":
        if c is None:
            raise ValueError("scale='custom' needs c")
        return c
    if scale == "adam_optimal":
        return adam_optimal_scale(G, A0, B0)
    raise ValueError(f"unknown LoRA-GA scale {scale!r}; expected one of {LORA_GA_SCALES}")


def lora_ga_init(G: torch.Tensor, r: int, direction: str = "ArB2r", scale: str = "unit", gamma: float = 16.0,
                 c: float | None = None, svd: str = "full", generator: torch.Generator | None = None):
    """LoRA-GA initialisation (10226 (8)) from the gradient G (n×m): with G = U diag(σ) Vh after
    :func:`svd_flip`, ``A0 = c·U[:, idx_A]`` (n×r) and ``B0 = c·Vh[idx_B]`` (r×m), indices from
    :func:`lora_ga_indices` (default ArB2r: A0 = U[:, :r], B0 = Vh[r:2r]) and c from :func:`lora_ga_scale`.
    At c = 1 the first SGD step (s = 1) is exactly −η·G_2r. Use :func:`shifted_base` for W_base.

    peft 0.21's ``init_lora_weights="lora_ga"`` differs (E10): it multiplies lora_B (our B0) by σ[r:2r]
    and its ``stable`` option scales lora_B only, while the authors scale both plain singular vectors;
    only the subspaces row(B0) = span Vh[idx_B] and col(A0) = span U[:, idx_A] agree with peft."""
    if 2 * r > min(G.shape):
        raise ValueError(f"LoRA-GA needs 2r ≤ min(n, m) (r={r}, G {tuple(G.shape)})")
    U, _, Vh = gradient_svd(G, 2 * r, svd)
    idx_A, idx_B = lora_ga_indices(r, direction, generator)
    A0, B0 = U[:, idx_A.to(U.device)], Vh[idx_B.to(Vh.device)]
    factor = lora_ga_scale(G, A0, B0, scale, gamma, c)
    return factor * A0, factor * B0


def lora_ga_sign_search(G: torch.Tensor, r: int, generator: torch.Generator, starts: int = 4,
                        kappa: float = 4.0, max_iter: int = 50):
    """Option (b) of 10226 for Adam: minimise the sign objective (9) numerically. Multi-start L-BFGS on the
    smooth surrogate ``‖A tanh(κAᵀĜ) + tanh(κĜBᵀ)B − sign G‖²`` (Ĝ = G/mean|G|); the first start is the
    LoRA-GA init at c* (option (a) rescaled), the others N(0, 1/n) × N(0, 1/m) factors from ``generator``.
    Every result is rescaled by its c* (exact along the ray) and scored by the true objective (9).
    Returns ``(A0, B0, objective)`` of the best start (objective never above the c*-scaled SVD init)."""
    n, m = G.shape
    target, G_hat = torch.sign(G), G / G.abs().mean()
    A_svd, B_svd = lora_ga_init(G, r, scale="adam_optimal")
    inits = [(A_svd, B_svd)] + [(seeded_normal((n, r), generator, G) / math.sqrt(n),
                                  seeded_normal((r, m), generator, G) / math.sqrt(m)) for _ in range(starts - 1)]
    best = None
    for A_init, B_init in inits:
        A, B = A_init.clone().requires_grad_(True), B_init.clone().requires_grad_(True)
        search = torch.optim.LBFGS([A, B], max_iter=max_iter, line_search_fn="strong_wolfe")

        def surrogate():
            search.zero_grad()
            value = (A @ torch.tanh(kappa * (A.mT @ G_hat)) + torch.tanh(kappa * (G_hat @ B.mT)) @ B
                     - target).square().sum()
            value.backward()
            return value

        with torch.enable_grad():
            search.step(surrogate)
        A, B = A.detach(), B.detach()
        c_star = adam_optimal_scale(G, A, B)
        candidate = (c_star * A, c_star * B, float(lora_ga_sign_objective(G, c_star * A, c_star * B)))
        if best is None or candidate[2] < best[2]:
            best = candidate
    return best
