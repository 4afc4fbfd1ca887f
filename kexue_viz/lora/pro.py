"""LoRA-Pro (post 10266): replace (G_A, G_B) by (H_A, H_B) so that H_A B + A H_B is closest to G.

Layout as in :mod:`kexue_viz.lora.adapters` (W = W_base + s·AB, A n×r, B r×m, G n×m). Symbols:
P_A := A(AᵀA)⁻¹Aᵀ, P_B := Bᵀ(BBᵀ)⁻¹B. Solution (10266 (18)) for any r×r matrix C:
``H_A = G_A(BBᵀ)⁻¹ + AC`` and ``H_B = (AᵀA)⁻¹G_B(I − P_B) − CB``; the equivalent gradient
``H_A B + A H_B = G − (I − P_A)G(I − P_B)`` does not depend on C (the projection of G on the tangent space
of the rank-r manifold at AB). Only G_A, G_B, A and B enter: G itself is never needed.

Notation (E7): the post's C is the transpose of the LoRA-Pro paper's X (the paper writes ΔW = sBA), and
the post also uses X for a generic target in (9)–(12); here ``X`` is only ever a layer input.

r×r solves (brief §2.6): the Gram matrices AᵀA + δI and BBᵀ + δI (``damping`` δ, default 0; the authors
use pinv with δ = 1e-8, peft's Riemannian optimizer 1e-2) are inverted from one ``eigh`` each: the inverse
when their condition number is at most COND_LIMIT = 1e12, else the pseudo-inverse that drops the eigenvalues
at or below λ_max/1e12. A step computes the two decompositions once (:class:`Grams`, one batched call) and
takes from them the inverses, the Sylvester solve and the Adam projection.
"""
from __future__ import annotations

import functools

import torch

PRO_C_CHOICES = ("zero", "sym", "sylvester")
PRO_VARIANTS = ("full", "simple")
COND_LIMIT = 1e12


def damped(M: torch.Tensor, damping: float = 0.0) -> torch.Tensor:
    """``M + δI`` for a square (r×r) M."""
    return M + damping * torch.eye(M.shape[-1], dtype=M.dtype, device=M.device) if damping else M


def inverse_from_eigh(lam: torch.Tensor, Q: torch.Tensor) -> torch.Tensor:
    """``M⁻¹ = Q diag(1/λ) Qᵀ`` from the eigen-decomposition of a symmetric positive semi-definite M, with the
    eigenvalues at or below λ_max/COND_LIMIT dropped: the inverse when cond(M) ≤ COND_LIMIT, the pseudo-inverse
    with relative cutoff 1/COND_LIMIT otherwise (finite instead of NaN at rank-deficient factors)."""
    inverse_lam = lam.reciprocal().masked_fill_(lam * COND_LIMIT <= lam[..., -1:], 0.0)
    return (Q * inverse_lam.unsqueeze(-2)) @ Q.mT


def gram_inverse(M: torch.Tensor, damping: float = 0.0) -> torch.Tensor:
    """``(M + δI)⁻¹`` for a symmetric positive semi-definite r×r M (:func:`inverse_from_eigh`)."""
    return inverse_from_eigh(*torch.linalg.eigh(damped(M, damping)))


class Grams:
    """The r×r work of one (A, B) from its Gram matrices ``gram_A`` = AᵀA + δI and ``gram_B`` = BBᵀ + δI:
    their eigen-decompositions ``eig_A``, ``eig_B`` (λ ascending, Q; one batched ``eigh``) and inverses
    ``inv_A``, ``inv_B`` (:func:`inverse_from_eigh`). Build it from the factors with :meth:`of`."""

    def __init__(self, gram_A: torch.Tensor, gram_B: torch.Tensor):
        lam, Q = torch.linalg.eigh(torch.stack((gram_A, gram_B)))
        self.eig_A, self.eig_B = zip(lam.unbind(0), Q.unbind(0))
        self.inv_A, self.inv_B = inverse_from_eigh(lam, Q).unbind(0)

    @classmethod
    def of(cls, A: torch.Tensor, B: torch.Tensor, damping: float = 0.0) -> "Grams":
        """The :class:`Grams` of the factors A (n×r), B (r×m) with damping δ."""
        return cls(damped(A.mT @ A, damping), damped(B @ B.mT, damping))


def projectors(A: torch.Tensor, B: torch.Tensor, damping: float = 0.0):
    """``(P_A, P_B)`` = (A(AᵀA)⁻¹Aᵀ (n×n), Bᵀ(BBᵀ)⁻¹B (m×m)): orthogonal projectors on col(A) and row(B)."""
    return A @ gram_inverse(A.mT @ A, damping) @ A.mT, B.mT @ gram_inverse(B @ B.mT, damping) @ B


def pro_equivalent_gradient(G: torch.Tensor, A: torch.Tensor, B: torch.Tensor, damping: float = 0.0):
    """``G̃_Pro = P_AG + GP_B − P_AGP_B = G − (I − P_A)G(I − P_B)`` (n×m), computed without n×n or m×m
    matrices. Residual of 10266 (8): ‖(I − P_A)G(I − P_B)‖; cos(G̃, G) = ‖G̃‖/‖G‖."""
    outside_A = G - A @ (gram_inverse(A.mT @ A, damping) @ (A.mT @ G))
    return G - (outside_A - (outside_A @ B.mT) @ gram_inverse(B @ B.mT, damping) @ B)


def sylvester_eigh(P: torch.Tensor, Q: torch.Tensor, R: torch.Tensor) -> torch.Tensor:
    """Solve ``P·C + C·Q = R`` for symmetric positive definite P (r×r), Q (k×k), R (r×k) with two ``eigh``:
    P = Q₁ diag(λ) Q₁ᵀ, Q = Q₂ diag(μ) Q₂ᵀ, ``C = Q₁[(Q₁ᵀ R Q₂) ⊘ (λ_i + μ_j)]Q₂ᵀ`` (unique: λ_i + μ_j > 0)."""
    return sylvester_from_eigh(torch.linalg.eigh(P), torch.linalg.eigh(Q), R)


def sylvester_from_eigh(eig_P, eig_Q, R: torch.Tensor) -> torch.Tensor:
    """:func:`sylvester_eigh` from the decompositions ``eig_P = (λ, Q₁)`` and ``eig_Q = (μ, Q₂)``."""
    (lam, Q1), (mu, Q2) = eig_P, eig_Q
    sums = (lam[..., :, None] + mu[..., None, :]).clamp_min(torch.finfo(lam.dtype).tiny)  # 0/0 -> 0 at P = Q = 0
    return Q1 @ ((Q1.mT @ R @ Q2) / sums) @ Q2.mT


def pro_free_matrix(C: str | tuple[str, ...], G_A: torch.Tensor, G_B: torch.Tensor, A: torch.Tensor,
                    B: torch.Tensor, damping: float = 0.0, grams: Grams | None = None) -> torch.Tensor | None:
    """The r×r matrix C of 10266 (18) (None for ``"zero"``), with AᵀA and BBᵀ damped by δ = ``damping``:

    * ``"sym"``: ``C_s = −½(AᵀA)⁻¹G_BBᵀ(BBᵀ)⁻¹`` (10266 (19); solves (20) and (21));
    * ``"sylvester"``: LoRA-Pro's choice, min ‖H_A − G_A‖² + ‖H_B − G_B‖² (10266 (23)), i.e. the Sylvester
      equation ``AᵀA·C + C·BBᵀ = −AᵀG_A(BBᵀ)⁻¹`` (10266 (24)), solved as :func:`sylvester_eigh` does from the
      decompositions of ``grams`` (:func:`sylvester_from_eigh`).

    G_A and G_B are the factor gradients of one G (G_A = s·GBᵀ, G_B = s·AᵀG), so AᵀG_A = G_BBᵀ: both choices
    read ``K = G_BBᵀ(BBᵀ)⁻¹`` (:func:`_free_matrix`), which :func:`pro_directions` needs anyway.
    ``C`` may also give one choice per member of a batch (a leading axis on the factors): each choice is computed
    once for the whole batch and every member takes its own (zero for ``"zero"``).
    ``grams``: the :class:`Grams` of (A, B) when already at hand."""
    grams = Grams.of(A, B, damping) if grams is None else grams
    return _free_matrix(C, (G_B @ B.mT) @ grams.inv_B, grams)


def _free_matrix(C: str | tuple[str, ...], K: torch.Tensor, grams: Grams) -> torch.Tensor | None:
    """:func:`pro_free_matrix` from ``K = G_BBᵀ(BBᵀ)⁻¹``: ``C_s = −½(AᵀA)⁻¹K``; the Sylvester solve of
    ``AᵀA·C + C·BBᵀ = −K``; one choice per member when ``C`` is a tuple."""
    if not isinstance(C, str):
        return _free_matrix_per_member(tuple(C), K, grams)
    if C not in PRO_C_CHOICES:
        raise ValueError(f"unknown C {C!r}; expected one of {PRO_C_CHOICES}")
    if C == "zero":
        return None
    if C == "sym":
        return -0.5 * grams.inv_A @ K
    return sylvester_from_eigh(grams.eig_A, grams.eig_B, -K)


def _free_matrix_per_member(choices: tuple[str, ...], K: torch.Tensor, grams: Grams) -> torch.Tensor | None:
    """:func:`_free_matrix` with one choice per member of the leading axis (see :func:`pro_free_matrix`)."""
    if len(set(choices)) == 1:
        return _free_matrix(choices[0], K, grams)
    free = None
    for choice in dict.fromkeys(choices):
        matrix = _free_matrix(choice, K, grams)
        if matrix is not None:
            free = torch.where(_members_choosing(choices, choice, K.device), matrix, 0.0 if free is None else free)
    return free


@functools.lru_cache(maxsize=64)
def _members_choosing(choices: tuple[str, ...], choice: str, device: torch.device) -> torch.Tensor:
    """[K, 1, 1] mask of the members whose choice is ``choice`` (never written to: cached)."""
    return torch.tensor([option == choice for option in choices], device=device)[:, None, None]


def pro_directions(G_A: torch.Tensor, G_B: torch.Tensor, A: torch.Tensor, B: torch.Tensor, C: str = "zero",
                   damping: float = 0.0, scale: float = 1.0, grams: Grams | None = None):
    """LoRA-Pro's directions ``(H_A (n×r), H_B (r×m))`` from the factor gradients G_A = s·GBᵀ, G_B = s·AᵀG of one
    G (10266 (18)): ``H_A = G_A(BBᵀ)⁻¹ + AC``, ``H_B = (AᵀA)⁻¹(G_B − KB) − CB`` with K = G_BBᵀ(BBᵀ)⁻¹ (that is
    (AᵀA)⁻¹G_B(I − P_B)), divided by s² so that ``s(H_A B + A H_B) = G̃_Pro`` for every multiplier s. C from
    :func:`pro_free_matrix` (one choice, or one per member of a batch); ``grams`` the :class:`Grams` of (A, B)
    when already at hand.

    Zero-factor start (the authors' step-0 rule): at B = 0, (BBᵀ)⁻¹ does not exist and the solution is
    H_A = G_A (= 0), H_B = (AᵀA)⁻¹G_B; symmetrically at A = 0, H_A = G_A(BBᵀ)⁻¹, H_B = G_B (= 0). The formula
    above gives exactly these, with no branch: at B = 0, G_A = 0 and K = 0, so H_A = 0, C = 0 and
    H_B = (AᵀA)⁻¹G_B whatever (BBᵀ + δI)⁻¹ is (the pseudo-inverse 0 of :func:`inverse_from_eigh` at δ = 0, I/δ
    otherwise); at A = 0, G_B = 0 and K = 0 likewise (a batch may hold members at such a start beside others).
    Right after a zero-B start B = O(η), (BBᵀ)⁻¹ = O(η⁻²) and C changes the real update (E5)."""
    s2 = scale * scale
    grams = Grams.of(A, B, damping) if grams is None else grams
    K = (G_B @ B.mT) @ grams.inv_B
    H_A = G_A @ grams.inv_B
    H_B = grams.inv_A @ (G_B - K @ B)
    free = _free_matrix(C, K, grams)
    if free is not None:
        H_A, H_B = H_A + A @ free, H_B - free @ B
    return (H_A, H_B) if s2 == 1.0 else (H_A / s2, H_B / s2)


def adam_direction(moments: dict, grad: torch.Tensor, betas=(0.9, 0.999), eps: float = 1e-8) -> torch.Tensor:
    """Adam's bias-corrected direction M̂/(√V̂ + ε) for ``grad`` (torch's ε placement, E6), advancing the
    moments ``{"step", "M", "V"}`` in ``moments`` (created at the first call)."""
    if not moments:
        moments.update(step=0, M=torch.zeros_like(grad), V=torch.zeros_like(grad))
    beta1, beta2 = betas
    moments["step"] += 1
    moments["M"].mul_(beta1).add_(grad, alpha=1 - beta1)
    moments["V"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    m_hat = moments["M"] / (1 - beta1 ** moments["step"])
    v_hat = moments["V"] / (1 - beta2 ** moments["step"])
    return m_hat / (v_hat.sqrt() + eps)


def pro_step_directions(state: dict, G_A: torch.Tensor, G_B: torch.Tensor, A: torch.Tensor, B: torch.Tensor,
                        optimizer: str = "sgd", variant: str = "full", C: str = "sylvester", scale: float = 1.0,
                        damping: float = 0.0, betas=(0.9, 0.999), eps: float = 1e-8):
    """One LoRA-Pro step's (H̃_A, H̃_B) for the pair (A, B) (the update is A ← A − ηH̃_A, B ← B − ηH̃_B), Adam
    moments kept in ``state`` (a dict owned by the caller, empty at the first step); see
    :class:`LoRAProOptimizer` for the three rules. The r×r work is done once per step (:class:`Grams`)."""
    grams = Grams.of(A, B, damping)
    if optimizer == "sgd":
        return pro_directions(G_A, G_B, A, B, C, damping, scale, grams)
    if variant == "simple":
        H_A, H_B = pro_directions(G_A, G_B, A, B, C, damping, scale, grams)
        return (adam_direction(state.setdefault("A", {}), H_A, betas, eps),
                adam_direction(state.setdefault("B", {}), H_B, betas, eps))
    H_A, H_B = pro_directions(G_A, G_B, A, B, "zero", damping, scale, grams)
    U = adam_direction(state.setdefault("full", {}), scale * (H_A @ B + A @ H_B), betas, eps)
    return pro_directions(scale * U @ B.mT, scale * A.mT @ U, A, B, C, damping, scale, grams)


def pro_state_floats(n: int, m: int, r: int, variant: str = "full") -> int:
    """Adam state size (floats) of one adapted n×m matrix: 2nm with full moments (as full fine-tuning),
    2r(n + m) for the per-factor ("simple") variant."""
    return 2 * n * m if variant == "full" else 2 * r * (n + m)


class LoRAProOptimizer(torch.optim.Optimizer):
    """LoRA-Pro as a plain ``torch.optim.Optimizer`` over (A, B) pairs of W = W_base + s·AB.

    ``pairs``: an iterable of (A, B) tensor pairs (A n×r, B r×m, ``requires_grad``), or of dicts
    ``{"params": [A, B], ...}`` overriding the defaults per pair. Their ``.grad`` are G_A = s·GBᵀ and
    G_B = s·AᵀG, as autograd gives them. Per pair and step:

    * ``optimizer="sgd"``: (H_A, H_B) = :func:`pro_directions`; A ← A − ηH_A, B ← B − ηH_B (10266 (5));
    * ``optimizer="adam"``, ``variant="full"`` (10266 (25)): G̃ = s(H_A B + A H_B) (independent of C); Adam
      moments M, V (n×m each) of G̃; U = M̂/(√V̂ + ε); project U like a gradient, U_A = s·UBᵀ,
      U_B = s·AᵀU, through :func:`pro_directions` with the chosen C; A ← A − ηH̃_A, B ← B − ηH̃_B;
    * ``optimizer="adam"``, ``variant="simple"`` (the post's untested proposal): per-factor Adam on
      (H_A, H_B), state r(n + m) per factor pair, exactly ``torch.optim.Adam`` fed with H as the gradient.

    ε placement (E6): the post writes M̂/√(V̂ + ε); torch and the authors' code use M̂/(√V̂ + ε), as here.
    """

    def __init__(self, pairs, lr: float, optimizer: str = "sgd", variant: str = "full", C: str = "sylvester",
                 scale: float = 1.0, damping: float = 0.0, betas=(0.9, 0.999), eps: float = 1e-8):
        if optimizer not in ("sgd", "adam"):
            raise ValueError(f"unknown optimizer {optimizer!r}; expected 'sgd' or 'adam'")
        if variant not in PRO_VARIANTS or C not in PRO_C_CHOICES:
            raise ValueError(f"variant in {PRO_VARIANTS}, C in {PRO_C_CHOICES} (got {variant!r}, {C!r})")
        groups = [pair if isinstance(pair, dict) else {"params": list(pair)} for pair in pairs]
        for group in groups:
            if len(group["params"]) != 2:
                raise ValueError("each LoRA-Pro group holds exactly one (A, B) pair")
        defaults = dict(lr=lr, optimizer=optimizer, variant=variant, C=C, scale=scale, damping=damping,
                        betas=betas, eps=eps)
        super().__init__(groups, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """One LoRA-Pro step on every (A, B) pair (:func:`pro_step_directions`, Adam moments in the state of
        A); returns the closure's loss if one is given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            A, B = group["params"]
            if A.grad is None or B.grad is None:
                continue
            options = {key: group[key] for key in ("optimizer", "variant", "C", "scale", "damping", "betas", "eps")}
            H_A, H_B = pro_step_directions(self.state[A], A.grad, B.grad, A, B, **options)
            A.sub_(group["lr"] * H_A)
            B.sub_(group["lr"] * H_B)
        return loss
