"""The f-GAN family against the mathematics of Nowozin et al. 2016 (`tests/helpers/reference.py`).

- the stable forms the objectives use equal the table's direct formulas where those are finite;
- at the closed-form optimal critic each estimate is the true f-divergence (quadrature);
- the generator-loss option and its text;
- the Lambert W the Jeffrey row needs, against SciPy.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import special

from ganbench.components import build
from ganbench.errors import ConfigError
from ganbench.objectives.fgan import MEMBERS
from ganbench.objectives.special import wright_omega
from tests.helpers import reference

FGAN_NAMES = sorted(cls.name for cls in MEMBERS)

# ------------------------------------------------------------------ the reference table itself


def test_the_reference_table_covers_the_family():
    assert set(reference.F_TABLE) == set(FGAN_NAMES)


@pytest.mark.parametrize("name", sorted(reference.F_TABLE))
def test_reference_rows_are_self_consistent(name):
    """f′ is the derivative of f (central differences), g_f⁻¹ inverts g_f, and f(1) = 0
    except for the GAN row, whose f(1) = -log 4 is the offset of its reported value."""
    row = reference.F_TABLE[name]
    u = np.array([0.2, 0.7, 1.5, 3.0, 8.0])
    h = 1e-6
    np.testing.assert_allclose(row.f_prime(u), (row.f(u + h) - row.f(u - h)) / (2 * h), rtol=1e-6, atol=1e-8)
    v = np.array([-3.0, -0.5, 0.4, 2.5])
    np.testing.assert_allclose(row.g_inv(row.g(v)), v, rtol=1e-9)
    assert float(row.f(np.array(1.0))) == pytest.approx(-math.log(4.0) if name == "fgan-gan" else 0.0, abs=1e-15)


# ------------------------------------------------------------------ losses against the table's formulas

# f* from the table, directly (valid where its argument is in the domain)
F_STAR = {
    "kl": lambda t: np.exp(t - 1),
    "reverse-kl": lambda t: -1 - np.log(-t),
    "pearson": lambda t: t**2 / 4 + t,
    "neyman": lambda t: 2 - 2 * np.sqrt(1 - t),
    "hellinger": lambda t: t / (1 - t),
    "jeffrey": lambda t: special.lambertw(np.exp(1 - t)).real + 1 / special.lambertw(np.exp(1 - t)).real + t - 2,
    "fgan-js": lambda t: -np.log(2 - np.exp(t)),
    "fgan-gan": lambda t: -np.log(1 - np.exp(t)),
    "tv": lambda t: t,
}

REAL = np.array([2.0, -0.5, 0.3, 1.7, -3.0, 0.0, 6.0])
FAKE = np.array([-1.2, 0.4, -2.5, 0.9, 3.1, -0.1, -6.0])


@pytest.mark.parametrize("name", FGAN_NAMES)
def test_losses_match_the_table(registry, name):
    row = reference.F_TABLE[name]
    t_real, t_fake = row.g(REAL), row.g(FAKE)
    estimate = np.mean(t_real) - np.mean(F_STAR[name](t_fake))
    real, fake = torch.tensor(REAL), torch.tensor(FAKE)
    cls = registry.get("objectives", name)
    for generator, expected_g in (
        ("saturating", -np.mean(F_STAR[name](t_fake))),
        ("nonsaturating", -np.mean(t_fake)),
    ):
        objective = build(cls, {"generator": generator}, name)
        assert float(objective.estimate(real, fake)) == pytest.approx(estimate, rel=1e-12)
        assert float(objective.critic_loss(real, fake)) == pytest.approx(-estimate, rel=1e-12)
        assert float(objective.generator_loss(None, fake)) == pytest.approx(expected_g, rel=1e-12)


@pytest.mark.parametrize("name", FGAN_NAMES)
def test_the_saturating_generator_loss_descends_the_critics_objective(registry, name):
    """Only the fake term of the critic's objective depends on the generator, so the saturating
    generator loss has the same gradient in the fake outputs as the critic's objective."""
    objective = build(registry.get("objectives", name), {"generator": "saturating"}, name)
    real = torch.tensor(REAL)
    fake = torch.tensor(FAKE, requires_grad=True)
    (g_gen,) = torch.autograd.grad(objective.generator_loss(None, fake), fake)
    (g_est,) = torch.autograd.grad(objective.estimate(real, fake), fake)
    torch.testing.assert_close(g_gen, g_est)


# ------------------------------------------------------------------ optimal critic: the true divergence

#: A heavy tail makes some estimates noisy at V*: one sample's contribution has standard
#: deviation sd (computed by quadrature in `reference.optimal_term_std`), about 1.6 for KL and
#: reverse KL, 3.1 for Jeffrey, but 21 for Pearson and Neyman χ², whose f*(g_f(V*)) = (p/q)² - 1
#: has variance e⁶ - e² under Q.  So each divergence gets as many samples as make 2% four
#: standard errors (at least 10⁶), and the tolerance is four standard errors.
MIN_SAMPLES = 1_000_000
CHUNK = 1_000_000


def _optimal_estimate(estimate, critic, n: int, seed: int) -> float:
    """Mean of the estimate over chunks of CHUNK samples of each distribution.  The f-GAN
    estimates are differences of sample means, so the mean over equal chunks is the
    estimate on all n samples; chunks only bound the memory."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(math.ceil(n / CHUNK)):
        x_p, x_q = rng.normal(0.0, 1.0, CHUNK), rng.normal(1.0, 1.0, CHUNK)
        values.append(float(estimate(torch.tensor(critic(x_p)), torch.tensor(critic(x_q)))))
    return float(np.mean(values))


@pytest.mark.parametrize("name", FGAN_NAMES)
def test_estimate_at_the_optimal_critic_is_the_f_divergence(registry, name):
    truth = reference.f_divergence(name)
    scale = abs(truth - float(reference.F_TABLE[name].f(np.array(1.0))))  # 2·JSD for the GAN row
    sd = reference.optimal_term_std(name)
    n = max(MIN_SAMPLES, math.ceil((4 * sd / (0.02 * scale)) ** 2))  # so that 4 SE ≤ 2% of the scale
    se = sd / math.sqrt(math.ceil(n / CHUNK) * CHUNK)
    objective = build(registry.get("objectives", name), {}, name)
    value = _optimal_estimate(objective.estimate, lambda x: reference.optimal_critic(name, x), n, seed=1)
    assert abs(value - truth) <= 4 * se, f"{name}: {value:.5f} vs {truth:.5f} (se {se:.5f}, n {n})"


def test_minimax_at_the_optimal_critic_gives_the_gan_value(registry):
    """D* = p/(p+q), i.e. logits log(p/q): -L_D = 2·JSD - log 4; `minimax` reports JSD = log 2 - L_D/2."""
    truth = reference.f_divergence("fgan-gan")  # ∫ q f(p/q) with the GAN row's f: 2·JSD - log 4
    assert truth == pytest.approx(2 * reference.jsd() - math.log(4.0), rel=1e-9)
    objective = build(registry.get("objectives", "minimax"), {}, "minimax")
    jsd = _optimal_estimate(objective.estimate, lambda x: np.log(reference.ratio(x)), MIN_SAMPLES, seed=2)
    sd = reference.optimal_term_std("fgan-gan")  # the same per-sample terms: E_p log D* + E_q log(1 - D*)
    assert abs((2 * jsd - math.log(4.0)) - truth) <= 4 * sd / math.sqrt(MIN_SAMPLES)
    assert 4 * sd / math.sqrt(MIN_SAMPLES) <= 0.02 * 2 * reference.jsd()


# ------------------------------------------------------------------ the generator option


def test_generator_option_is_selectable_in_a_suite(registry, tmp_path):
    from ganbench.suite import load_suite

    suite = tmp_path / "s.toml"
    suite.write_text(
        '[[datasets]]\nname = "ring"\n\n[[objectives]]\nname = "kl"\ngenerator = "saturating"\n\n'
        '[[objectives]]\nname = "kl"\nlabel = "kl-ns"\n'
    )
    trials = load_suite(suite, registry).trials
    options = {t.objective.label: t.objective.options for t in trials}
    assert options == {"kl": {"generator": "saturating"}, "kl-ns": {"generator": "nonsaturating"}}
    suite.write_text('[[datasets]]\nname = "ring"\n\n[[objectives]]\nname = "kl"\ngenerator = "minimax"\n')
    with pytest.raises(ConfigError, match=r"objectives\[0\]\.generator: expected one of 'nonsaturating', 'satur"):
        load_suite(suite, registry)


@pytest.mark.parametrize("name", FGAN_NAMES)
def test_generator_text_follows_the_option(registry, name):
    cls = registry.get("objectives", name)
    sat, ns = cls(generator="saturating"), cls(generator="nonsaturating")
    assert sat.describe_generator().startswith("saturating: -E_q[")
    assert ns.describe_generator().startswith("non-saturating: -E_q[")
    assert cls().generator == "nonsaturating"  # Nowozin et al.'s choice in their experiments


def test_list_shows_both_generator_losses_and_escapes_pipes(run_cli):
    code, out, _ = run_cli("list", "objectives", "--format", "md")
    assert code == 0
    kl = next(line for line in out.splitlines() if line.startswith("| kl "))
    assert "non-saturating: -E_q[V] [default]" in kl and 'saturating: -E_q[exp(V - 1)] [generator = "saturating"]' in kl
    tv = next(line for line in out.splitlines() if line.startswith("| tv "))
    assert tv.count(" | ") == 6  # seven cells: the '|' in ½∫|p - q| is escaped
    for name in FGAN_NAMES:
        assert f"| {name} " in out


# ------------------------------------------------------------------ Lambert W (Wright omega)


def test_wright_omega_matches_scipy_in_float64():
    x = torch.linspace(-700.0, 700.0, 100_001, dtype=torch.float64)
    expected = special.wrightomega(x.numpy())
    np.testing.assert_allclose(wright_omega(x).numpy(), expected, rtol=1e-13)
    # and the Lambert W it stands for, where e^x is representable
    x = torch.linspace(-30.0, 30.0, 1001, dtype=torch.float64)
    np.testing.assert_allclose(wright_omega(x).numpy(), special.lambertw(np.exp(x.numpy())).real, rtol=1e-13)


def test_wright_omega_in_float32_and_its_derivatives():
    x = torch.linspace(-80.0, 80.0, 10_001)
    np.testing.assert_allclose(wright_omega(x).numpy(), special.wrightomega(x.double().numpy()), rtol=3e-6)
    x = torch.linspace(-60.0, 60.0, 1201, dtype=torch.float64, requires_grad=True)
    w = wright_omega(x)
    (d1,) = torch.autograd.grad(w.sum(), x, create_graph=True)
    (d2,) = torch.autograd.grad(d1.sum(), x)
    w = w.detach()
    torch.testing.assert_close(d1, w / (1 + w), rtol=1e-12, atol=0)  # ω′ = ω/(1 + ω)
    torch.testing.assert_close(d2, w / (1 + w) ** 3, rtol=1e-10, atol=0)  # ω″ = ω/(1 + ω)³
