"""The exact marginal velocity field of a weighted point cloud: one softmax-weighted mean serves
every construction (brief §0.1, §2.3, §2.7).

For ``x_t | x_0 = α_t x_0 + σ_t z``, ``z ~ K``, and data ``p_0 = Σ π_i δ(x − x_i)``:

    ℓ_i(x, t) = log π_i + log K(z_i),   z_i = (x − α_t x_i)/σ_t       (logits, (M, N))
    w = softmax_i(ℓ),   x̂_0 = Σ_i w_i x_i                             (posterior mean)
    f_t(x) = a_t x + b_t x̂_0,   a = σ̇/σ,   b = α̇ − α σ̇/σ             (marginal velocity)
    log p_t(x) = logsumexp_i ℓ_i − d log σ_t
    ∇·f = d a + b Σ_i w_i (x_i − x̂_0)·(g_i − ḡ),   g_i = ∇_x ℓ_i = (∇ log K)(z_i)/σ,  ḡ = Σ w_i g_i

``f`` is the posterior average ``E_{x_0 | x}[f_t(x|x_0)]`` of the conditional fields of posts 14/15.
Points outside every support of a compact kernel (uniform prior) have no posterior: there the
field is 0, as in post 15's code (its ``+1e-8`` denominator), and ``empty`` flags them.

Residuals ``x − α x_i`` are formed explicitly (no ``‖a‖² − 2a·b + ‖b‖²`` matmul path, which loses
accuracy in float32 far from the origin, brief §2.9). Rows are processed in chunks so that a
block holds at most ``CHUNK_ELEMENTS`` numbers of the (M, N, d) residual tensor.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .constructions import Construction
from .data import PointCloud
from .kernels import clip_radius

CHUNK_ELEMENTS = 4_000_000


@dataclass
class FieldValues:
    """Field quantities at M query points: ``velocity``, ``mean`` (x̂_0) (M, d); ``log_density``,
    ``divergence`` (M,) (divergence ``None`` unless asked); ``empty`` (M,) bool."""

    velocity: torch.Tensor
    mean: torch.Tensor
    log_density: torch.Tensor
    divergence: torch.Tensor | None
    empty: torch.Tensor


def _per_row(value: torch.Tensor) -> torch.Tensor:
    """A scalar or per-query (M,) coefficient shaped to broadcast against (M, N, d)."""
    return value.reshape(-1, 1, 1)


def logits(x: torch.Tensor, t: torch.Tensor, cloud: PointCloud, construction: Construction, coefficients=None):
    """``(ℓ, z, σ)``: logits (M, N), standardised residuals ``z_i`` (M, N, d) and ``σ_t``."""
    alpha, sigma, _, _ = construction.coefficients(t) if coefficients is None else coefficients
    z = (x[:, None, :] - _per_row(alpha) * cloud.points[None]) / _per_row(sigma)
    return cloud.log_weights[None] + construction.kernel.log_density(z), z, sigma


def _evaluate_block(x, t, cloud, construction, with_divergence):
    coefficients = construction.coefficients(t)
    ell, z, sigma = logits(x, t, cloud, construction, coefficients)
    a, b = coefficients[2:]
    lse = torch.logsumexp(ell, dim=1)
    empty = torch.isneginf(lse)
    w = torch.exp(ell - torch.where(empty, torch.zeros_like(lse), lse)[:, None])  # rows of zeros where empty
    mean = w @ cloud.points
    a, b = a.reshape(-1, 1), b.reshape(-1, 1)
    velocity = torch.where(empty[:, None], torch.zeros_like(x), a * x + b * mean)
    d = x.shape[1]
    log_density = lse - d * torch.log(sigma.reshape(-1))
    divergence = None
    if with_divergence:
        g = construction.kernel.grad_log_density(z) / _per_row(sigma)
        g_centred = g - (w[..., None] * g).sum(1, keepdim=True)
        trace = (w[..., None] * (cloud.points[None] - mean[:, None]) * g_centred).sum((1, 2))
        divergence = torch.where(empty, torch.zeros_like(trace), d * a[:, 0] + b[:, 0] * trace)
    return FieldValues(velocity, mean, log_density, divergence, empty)


def evaluate(x: torch.Tensor, t, cloud: PointCloud, construction: Construction, divergence: bool = False,
             chunk_elements: int = CHUNK_ELEMENTS) -> FieldValues:
    """Field quantities at ``x`` (M, d) and time ``t`` (a number, 0-d or (M,) tensor), in chunks of
    rows so that memory stays bounded for any M; computed on the cloud's device."""
    x = x.to(cloud.points.device)
    t = torch.as_tensor(t, dtype=x.dtype, device=x.device)
    rows = max(1, chunk_elements // max(1, cloud.size * cloud.dim))
    if x.shape[0] <= rows:
        return _evaluate_block(x, t, cloud, construction, divergence)
    blocks = []
    for start in range(0, x.shape[0], rows):
        t_block = t if t.ndim == 0 else t[start:start + rows]
        blocks.append(_evaluate_block(x[start:start + rows], t_block, cloud, construction, divergence))
    return FieldValues(*(None if blocks[0].divergence is None and name == "divergence"
                         else torch.cat([getattr(b, name) for b in blocks])
                         for name in ("velocity", "mean", "log_density", "divergence", "empty")))


def velocity(x, t, cloud, construction, **kwargs) -> torch.Tensor:
    """``f_t(x)`` (M, d)."""
    return evaluate(x, t, cloud, construction, **kwargs).velocity


def posterior_mean(x, t, cloud, construction, **kwargs) -> torch.Tensor:
    """``x̂_0(x, t) = E[x_0 | x_t = x]`` (M, d): the ideal denoiser."""
    return evaluate(x, t, cloud, construction, **kwargs).mean


def log_density(x, t, cloud, construction, **kwargs) -> torch.Tensor:
    """``log p_t(x)`` of the exact marginal ``p_t = Σ π_i σ^{−d} K((x − α x_i)/σ)`` (M,)."""
    return evaluate(x, t, cloud, construction, **kwargs).log_density


def divergence(x, t, cloud, construction, **kwargs) -> torch.Tensor:
    """Closed-form ``∇·f_t(x)`` (M,)."""
    return evaluate(x, t, cloud, construction, divergence=True, **kwargs).divergence


def weights(x, t, cloud, construction) -> torch.Tensor:
    """Posterior weights ``w_i(x, t)`` (M, N) (rows of zeros outside every support)."""
    x = x.to(cloud.points.device)
    ell, _, _ = logits(x, torch.as_tensor(t, dtype=x.dtype, device=x.device), cloud, construction)
    lse = torch.logsumexp(ell, dim=1)
    return torch.exp(ell - torch.where(torch.isneginf(lse), torch.zeros_like(lse), lse)[:, None])


def sample_prior(n: int, cloud: PointCloud, construction: Construction, generator: torch.Generator,
                 exact: bool = True, max_radius: float | None = None) -> torch.Tensor:
    """``n`` draws of ``x_T``: from the exact marginal ``p_T = Σ π_i p_T(·|x_i)`` (``α_T x_i + σ_T z``,
    ``i ~ π``), or, with ``exact=False``, the data-free approximation ``σ_T z`` (the centroid /
    far-field prior of post 13; for the linear paths at T = 1 both coincide). ``max_radius`` clips
    ``‖z‖`` (so ``‖x_T − α_T x_i‖ ≤ max_radius·σ_T``; see :func:`.kernels.clip_radius`)."""
    return sample_prior_clipped(n, cloud, construction, generator, exact, max_radius)[0]


def sample_prior_clipped(n: int, cloud: PointCloud, construction: Construction, generator: torch.Generator,
                         exact: bool = True, max_radius: float | None = None):
    """``(x_T, clipped)``: :func:`sample_prior` and the (n,) mask of the draws whose ``‖z‖`` was clipped."""
    T = torch.tensor(construction.T, dtype=torch.float64)
    alpha, sigma = construction.schedule.alpha(T), construction.schedule.sigma(T)
    z = construction.kernel.sample(n, cloud.dim, generator)  # drawn on the CPU: same numbers on any device
    z, clipped = clip_radius(z, max_radius)
    if exact:
        points, probabilities = cloud.points.cpu().double(), cloud.weights.cpu().double()
        z = alpha * points[torch.multinomial(probabilities, n, replacement=True, generator=generator)] + sigma * z
    else:
        z = sigma * z
    return z.to(device=cloud.points.device, dtype=cloud.points.dtype), clipped


def continuity_residual(x: torch.Tensor, t, cloud: PointCloud, construction: Construction):
    """``(residual, scale)`` of post 12's eq:ode-f-eq, ``∂_t log p + ∇·f + f·∇log p = 0``, at ``x`` (M, d),
    with ``∂_t log p`` and ``∇ log p`` by autograd (float64) and the closed-form divergence; ``scale``
    is the sum of the three terms' magnitudes (for a relative check)."""
    x = x.detach().to(cloud.points.device).double().requires_grad_(True)
    t = torch.as_tensor(t, dtype=torch.float64, device=x.device).expand(x.shape[0]).clone().requires_grad_(True)
    cloud = cloud.to(dtype=torch.float64)
    grad_x, dlogp_dt = torch.autograd.grad(log_density(x, t, cloud, construction).sum(), (x, t))
    values = evaluate(x.detach(), t.detach(), cloud, construction, divergence=True)
    transport = (values.velocity * grad_x).sum(1)
    return dlogp_dt + values.divergence + transport, dlogp_dt.abs() + values.divergence.abs() + transport.abs()
