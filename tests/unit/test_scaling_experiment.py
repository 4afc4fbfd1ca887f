"""The measured one-step optimal learning rates against the theory (kexue_viz.scaling.experiment)."""
from __future__ import annotations

import pytest
import torch
from scipy.stats import multivariate_normal

from kexue_viz.scaling import experiment as ex
from kexue_viz.scaling.moments import bivariate_normal_cdf
from kexue_viz.scaling.softsign import sign_eta_correlated


@pytest.fixture(scope="module")
def nqm_result():
    return ex.run(ex.nqm_problem(), size="small", seed=0)


@pytest.fixture(scope="module")
def diabetes():
    problem = ex.diabetes_problem()
    return problem, ex.run(problem, size="small", seed=0)


def test_nqm_measurements_agree_with_theory_for_every_map(nqm_result):
    """Gaussian, independent per-example noise: the theory's assumptions hold exactly."""
    for label, (relative, z) in ex.agreement(nqm_result).items():
        assert float(z.abs().max()) < 4.0, label
        assert float(relative.abs().max()) < 0.02, label


def test_diabetes_sgd_agrees_and_sign_methods_converge_at_large_batch(diabetes):
    _, result = diabetes
    agreement = ex.agreement(result)
    assert float(agreement["SGD"][1].abs().max()) < 4.0  # SGD's theory needs only Σ: exact
    for label, (relative, _) in agreement.items():
        assert abs(float(relative[-1])) < 0.01, label  # B = 256
    # at B = 1 the independent-Gaussian theory overestimates η* of sign methods by far
    assert float(agreement["sign"][0][0]) < -0.2


def test_correlated_sign_theory_explains_most_of_the_gap(diabetes):
    problem, result = diabetes
    measured = result["measured"]["eta"]["sign"]
    independent = result["theory"]["sign"].cpu()
    correlated = sign_eta_correlated(problem.model(), result["measured"]["B"]).cpu()
    gap_independent = (independent - measured).abs() / measured
    gap_correlated = (correlated - measured).abs() / measured
    assert torch.all(gap_correlated[:4] < 0.5 * gap_independent[:4])
    assert float(gap_correlated[3:].max()) < 0.03  # B ≥ 8


def test_measured_sign_optimum_surges_on_real_data(diabetes):
    _, result = diabetes
    eta = result["measured"]["eta"]["sign"]
    assert float(eta.max()) > 1.05 * float(eta[-1]) and 0 < int(eta.argmax()) < len(eta) - 1


def test_noise_scale_estimates(diabetes, nqm_result):
    for result in (nqm_result, diabetes[1]):
        noise = result["noise"]
        assert noise["B_simple_fit"] == pytest.approx(noise["B_simple"], rel=0.1)
        assert noise["B_simple_two_batch"] == pytest.approx(noise["B_simple"], rel=0.1)


def test_bivariate_normal_cdf_matches_scipy():
    for h, k, rho in [(0.3, -0.5, 0.9), (1.2, 2.0, -0.97), (-2.0, 0.1, 0.999), (0.5, 0.5, 0.3), (3.0, -3.0, -0.5)]:
        want = multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf([h, k])
        got = bivariate_normal_cdf(*(torch.tensor(v, dtype=torch.float64) for v in (h, k, rho)))
        assert float(got) == pytest.approx(want, abs=1e-7)


def test_unknown_map_is_rejected():
    with pytest.raises(ValueError, match="unknown update map"):
        ex.apply_map("lion", torch.zeros(3), 0.0)


def test_multi_step_protocol_one_step_matches_theory_and_many_steps_do_not():
    from kexue_viz.scaling import models
    from kexue_viz.scaling.softsign import per_coordinate_curve

    model = models.aligned_spike()
    B = [2.0, 8.0, 64.0]
    etas = torch.logspace(-2.5, 0, 60, dtype=torch.float64)
    one_step = etas[ex.multi_step_losses(model, "sign", 0.0, B, etas, 1, 64).argmin(1).cpu()]
    theory = per_coordinate_curve(model, torch.zeros(3, dtype=torch.float64), torch.tensor(B, dtype=torch.float64))[0].cpu()
    assert torch.all((one_step / theory - 1).abs() < 0.25)
    twenty = etas[ex.multi_step_losses(model, "sign", 0.0, B, etas, 20, 16).argmin(1).cpu()]
    assert float(twenty[0]) > float(twenty[-1])  # after 20 steps the optimum falls with B (no surge)
