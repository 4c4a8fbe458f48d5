"""VEEGAN's 1200-D mixture (``veegan-1200d``): its means, its noise, and the ``modes`` metric
read with the dataset's own high-quality threshold (10 σ) in either distance, checked on
samples placed exactly at the threshold and just beyond it, and on real samples against
probabilities computed by scipy."""

from __future__ import annotations

import math

import pytest
import torch
from scipy import stats

from ganbench.datasets.highdim import Veegan1200D
from ganbench.datasets.mixtures import Grid, Ring
from ganbench.metrics.modes import ModeCoverage
from ganbench.testing import check_dataset, check_metric

#: c_k, as PacGAN's VEEGAN1200DPackingMixture lists them: mode k's mean is c_k·(1, ..., 1)
LEVELS = [-1, -0.5, 0, 0.5, -2, -2.5, 10, 0.25, -13, -5.5]


def draw(ds: Veegan1200D, n: int, seed: int) -> torch.Tensor:
    return ds.sample(n, generator=torch.Generator().manual_seed(seed))


def coverage(ds: Veegan1200D, fake: torch.Tensor, **metric) -> dict[str, float]:
    return ModeCoverage(**metric).compute(real=fake, fake=fake, dataset=ds)


def test_the_means_are_the_listed_levels_times_the_ones_vector_with_equal_weights():
    ds = Veegan1200D()
    assert ds.shape == (1200,)
    expected = torch.tensor(LEVELS, dtype=torch.float32).unsqueeze(1) * torch.ones(1, 1200)
    assert torch.equal(ds.mode_centers(), expected)
    assert torch.equal(ds.mode_weights(), torch.full((10,), 0.1))
    assert ds.mode_sigma == 1.0 and ds.quality_threshold() == 10.0


def test_noise_is_n_0_1_on_the_first_700_coordinates_and_absent_on_the_last_500():
    x = draw(Veegan1200D(), 400, 0)
    level = x[:, 700:]
    assert torch.equal(level, level[:, :1].expand_as(level))  # the last 500: exactly the mean's level
    assert set(level[:, 0].tolist()) == set(float(torch.tensor(c, dtype=torch.float32)) for c in LEVELS)
    noise = (x[:, :700] - level[:, :1]).double().numpy().ravel()
    assert stats.kstest(noise, "norm").pvalue > 1e-3


@pytest.mark.parametrize("params", [{}, {"norm": "euclidean"}])
def test_veegan_1200d_keeps_the_dataset_contract(registry, params):
    check_dataset(registry.get("datasets", "veegan-1200d"), params)


def placed(k: int, offsets: dict[int, float]) -> torch.Tensor:
    """A float32 sample at mode k's mean, coordinate i moved by offsets[i]."""
    x = torch.full((1200,), float(LEVELS[k]))
    for i, d in offsets.items():
        x[i] += d
    return x


def test_at_the_threshold_a_sample_is_of_high_quality_and_just_beyond_it_is_not_in_either_norm():
    # one coordinate moved by 10 σ: the largest coordinate difference and the Euclidean distance are both 10
    at = torch.stack([placed(k, {k: 10.0}) for k in range(10)])
    beyond = torch.stack([placed(k, {k: 10.001}) for k in range(10)])
    for norm in ("max", "euclidean"):
        ds = Veegan1200D(norm=norm)
        assert coverage(ds, at) == {"modes_captured": 10.0, "modes_total": 10.0, "hq_percent": 100.0, "reverse_kl": 0.0}
        worst = math.log(10.0)  # no high-quality sample: the KL of all mass on one mode of ten
        out = coverage(ds, beyond)
        assert out["modes_captured"] == 0.0 and out["hq_percent"] == 0.0
        assert out["reverse_kl"] == pytest.approx(worst, rel=1e-12)
        nearest, _ = ds.nearest_modes(torch.cat([at, beyond]))
        assert nearest.tolist() == list(range(10)) * 2


def test_the_two_norms_differ_where_many_coordinates_move():
    # coordinates 0..699 moved by ±10 σ alternately: every coordinate within 10 σ (max norm 10), but the
    # Euclidean distance is 10·√700; the signs cancel, so mode k's mean is still the nearest
    samples = torch.stack([placed(k, {i: 10.0 * (-1) ** i for i in range(700)}) for k in range(3)])
    ds_max, ds_euclid = Veegan1200D(norm="max"), Veegan1200D(norm="euclidean")
    assert ds_max.nearest_modes(samples)[0].tolist() == [0, 1, 2]
    assert ds_max.nearest_modes(samples)[1].tolist() == [10.0] * 3
    assert ds_euclid.nearest_modes(samples)[1].tolist() == pytest.approx([10.0 * math.sqrt(700)] * 3, rel=1e-12)
    assert coverage(ds_max, samples)["modes_captured"] == 3.0 and coverage(ds_max, samples)["hq_percent"] == 100.0
    assert coverage(ds_euclid, samples)["modes_captured"] == 0.0 and coverage(ds_euclid, samples)["hq_percent"] == 0.0


def test_the_dataset_s_threshold_replaces_the_metric_s_and_is_a_parameter_of_the_dataset():
    at_5 = torch.stack([placed(k, {k: 5.0}) for k in range(10)])  # 5 σ from every mean
    assert coverage(Veegan1200D(), at_5, threshold=3.0)["hq_percent"] == 100.0  # the dataset's 10 applies
    assert coverage(Veegan1200D(), at_5, threshold=30.0)["hq_percent"] == 100.0
    assert coverage(Veegan1200D(threshold=4.0), at_5)["hq_percent"] == 0.0


def test_real_samples_are_all_of_high_quality_in_the_max_norm_and_none_in_the_euclidean_norm():
    """Expected fractions from scipy: P(|N(0,1)| ≤ 10)^700 for every noisy coordinate within
    10 σ, and P(χ²₇₀₀ ≤ 10²) for a Euclidean distance within 10 σ; the observed percentage must
    lie within 5 binomial standard errors (plus one sample) of them."""
    n = 2500
    x = draw(Veegan1200D(), n, 1)
    expected = {
        "max": (1.0 - 2.0 * stats.norm.sf(10.0)) ** 700,
        "euclidean": stats.chi2.cdf(10.0**2, df=700),
    }
    assert expected["max"] > 1 - 1e-15 and expected["euclidean"] < 1e-100
    for norm, p in expected.items():
        out = coverage(Veegan1200D(norm=norm), x)
        tolerance = 100.0 * (5.0 * math.sqrt(p * (1.0 - p) / n) + 1.0 / n)
        assert abs(out["hq_percent"] - 100.0 * p) <= tolerance, norm
    out = coverage(Veegan1200D(), x)
    assert out["modes_captured"] == 10.0  # 2,500 real samples capture every mode (miss one: ≤ 10·0.9²⁵⁰⁰)
    assert out["reverse_kl"] < 0.01


def test_real_samples_nearest_mode_is_the_one_they_were_drawn_from():
    ds = Veegan1200D()
    x = draw(ds, 1000, 2)
    levels = torch.tensor(LEVELS, dtype=torch.float32)
    drawn = (x[:, 700:701] == levels).float().argmax(dim=1)
    assert torch.equal(ds.nearest_modes(x)[0], drawn)


@pytest.mark.parametrize("dataset", [Ring(), Grid(side=3)])
def test_other_datasets_measure_the_euclidean_distance_exactly_as_before(dataset):
    x = dataset.sample(300, generator=torch.Generator().manual_seed(3)) * 1.3
    nearest, distance = dataset.nearest_modes(x)
    dist = torch.cdist(x.double(), dataset.mode_centers().double())
    assert torch.equal(distance, dist.min(dim=1).values) and torch.equal(nearest, dist.min(dim=1).indices)
    assert dataset.quality_threshold() is None


def collapse_half_astray(x: torch.Tensor) -> torch.Tensor:
    """Every sample a copy of the first, every second one moved 11 σ along one coordinate: one
    mode, half the samples beyond the threshold. (The kit's default worse sample, every
    coordinate moved by one standard deviation of the sample, about 6.5 σ here, stays within
    the 10 σ threshold in the max norm, where its samples remain of high quality.)"""
    out = x[:1].expand_as(x).clone()
    out[::2, 0] += 11.0
    return out


@pytest.mark.parametrize("metric", ["modes", "energy", "wasserstein"])
def test_the_metrics_that_support_it_keep_their_contract_on_it(registry, metric):
    dataset = Veegan1200D()
    assert registry.get("metrics", metric)().supports(dataset) is None
    worse = {"worse": collapse_half_astray} if metric == "modes" else {}
    # wasserstein: 1,000 samples a side (its default); real against real is far from 0 in
    # 1200 dimensions (about 45 σ at 1,000 a side), and nearer the floor the more samples there are
    check_metric(registry.get("metrics", metric), dataset, n=1000 if metric == "wasserstein" else 500, **worse)


@pytest.mark.parametrize("metric", ["fd", "kid", "prdc", "class-modes", "shapes-pr"])
def test_the_image_metrics_say_they_do_not_support_it(registry, metric):
    assert registry.get("metrics", metric)().supports(Veegan1200D()) is not None


@pytest.mark.slow
def test_the_divergences_metric_keeps_its_contract_on_it(registry):
    """Fresh critics of the suite's model (the kit's: ``mlp``) on 1200-D samples (about a minute)."""
    params = {"objectives": ["kl", "minimax"], "max_steps": 100, "bootstrap": 20}
    check_metric(registry.get("metrics", "divergences"), Veegan1200D(), params)
