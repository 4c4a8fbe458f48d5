"""Image metrics: in the feature space of the dataset's own classifier, and exact ones.

Every feature-space metric also reports ``classifier_acc``, the test accuracy of
the classifier whose features it used (see :mod:`ganbench.metrics.features`).

Argument order.  The harness calls ``compute(fake, real, dataset)``; the
functions below take keyword-only ``real=`` and ``fake=`` so they cannot be
swapped (torch-fidelity once had precision and recall the wrong way round):
precision asks whether *fake* samples fall in the real manifold, recall whether
*real* samples fall in the fake one; density and coverage count fakes in the
balls around *real* samples.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, ClassVar

import torch
from torch import Tensor

from ganbench.components import param
from ganbench.datasets.base import Dataset
from ganbench.datasets.images import ImageDataset, Shapes, min_separation
from ganbench.hookspecs import Register, hookimpl
from ganbench.metrics.base import MAX, MIN, Coverage, Metric
from ganbench.metrics.distances import Distance
from ganbench.metrics.features import FeatureClassifier, classifier_for, image_dataset
from ganbench.metrics.fid import InceptionFID
from ganbench.metrics.modes import histogram_kl

# ---------------------------------------------------------------- the estimators, on feature matrices


def frechet_distance(x: Tensor, y: Tensor) -> float:
    """‖μx − μy‖² + Tr(Σx + Σy − 2(ΣxΣy)^½) between Gaussians fitted to the rows of x and y.

    Tr (ΣxΣy)^½ is computed as Σ √λ of the symmetric PSD matrix Σx^½ Σy Σx^½
    (same eigenvalues), which is stable where a general matrix square root is not.
    """
    x, y = x.double().flatten(1), y.double().flatten(1)
    mx, my = x.mean(0), y.mean(0)
    sx, sy = torch.cov(x.T).reshape(x.shape[1], -1), torch.cov(y.T).reshape(y.shape[1], -1)
    w, v = torch.linalg.eigh(sx)
    root = (v * w.clamp(min=0).sqrt()) @ v.T
    inner = root @ sy @ root
    tr_sqrt = torch.linalg.eigvalsh((inner + inner.T) / 2).clamp(min=0).sqrt().sum()
    fd = (mx - my).square().sum() + sx.trace() + sy.trace() - 2 * tr_sqrt
    return max(float(fd), 0.0)


def _poly_kernel(a: Tensor, b: Tensor) -> Tensor:
    return (a @ b.T / a.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: Tensor, y: Tensor) -> float:
    """Unbiased MMD² with the cubic polynomial kernel k(a, b) = (a·b/d + 1)³ (KID's estimator)."""
    x, y = x.double().flatten(1), y.double().flatten(1)
    m, n = len(x), len(y)
    kxx, kyy, kxy = _poly_kernel(x, x), _poly_kernel(y, y), _poly_kernel(x, y)
    return float((kxx.sum() - kxx.trace()) / (m * (m - 1)) + (kyy.sum() - kyy.trace()) / (n * (n - 1)) - 2 * kxy.mean())


def kernel_inception_distance(
    x: Tensor, y: Tensor, subsets: int, subset_size: int, generator: torch.Generator
) -> tuple[float, float]:
    """Mean and std of the unbiased MMD² over ``subsets`` random subsets of each side (KID)."""
    m = min(subset_size, len(x), len(y))
    values = []
    for _ in range(subsets):
        ix = torch.randperm(len(x), generator=generator)[:m]
        iy = torch.randperm(len(y), generator=generator)[:m]
        values.append(mmd2_unbiased(x[ix], y[iy]))
    t = torch.tensor(values, dtype=torch.float64)
    return float(t.mean()), float(t.std()) if len(t) > 1 else 0.0


def knn_radii(x: Tensor, k: int) -> Tensor:
    """Distance from each row of x to its k-th nearest *other* row."""
    d = torch.cdist(x, x)
    return d.kthvalue(k + 1, dim=1).values  # the smallest is the point itself


def precision_recall(*, real: Tensor, fake: Tensor, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019), closed k-NN balls.

    precision: fraction of fakes inside some real ball B(r, NN_k(r));
    recall: fraction of reals inside some fake ball B(f, NN_k(f)).
    """
    real, fake = real.double().flatten(1), fake.double().flatten(1)
    d = torch.cdist(real, fake)  # (R, F)
    precision = (d <= knn_radii(real, k)[:, None]).any(dim=0).double().mean()
    recall = (d <= knn_radii(fake, k)[None, :]).any(dim=1).double().mean()
    return float(precision), float(recall)


def density_coverage(*, real: Tensor, fake: Tensor, k: int = 5) -> tuple[float, float]:
    """Density and coverage (Naeem et al. 2020), closed k-NN balls around real samples.

    density = Σ_fakes (number of real balls containing it) / (k · #fakes), unbounded above, ≈ 1
    when fake = real in distribution; coverage = fraction of real balls holding at least one fake.
    """
    real, fake = real.double().flatten(1), fake.double().flatten(1)
    d = torch.cdist(real, fake)
    inside = d <= knn_radii(real, k)[:, None]
    density = inside.double().sum() / (k * fake.shape[0])
    coverage = inside.any(dim=1).double().mean()
    return float(density), float(coverage)


def mode_figures(labels: Tensor, n_classes: int) -> tuple[float, float]:
    """Modes covered and KL(q_modes ‖ uniform) from (N, units) class labels; a mode is the tuple
    of labels (on stacked digits 100·d₀ + 10·d₁ + d₂ of n_classes^units = 1,000)."""
    units = labels.shape[1]
    n_modes = n_classes**units
    weights = n_classes ** torch.arange(units - 1, -1, -1, dtype=torch.int64)
    counts = torch.bincount((labels.long() * weights).sum(dim=1), minlength=n_modes).double()
    kl = histogram_kl(counts, torch.ones(n_modes, dtype=torch.float64))
    return float((counts > 0).sum()), max(kl, 0.0)


def nearest_member(samples: Tensor, support: Tensor) -> tuple[Tensor, Tensor]:
    """(distance, index) of each sample's nearest member of a finite support (Euclidean, flattened)."""
    d = torch.cdist(samples.double().flatten(1), support.double().flatten(1))
    return d.min(dim=1)


def exact_precision_recall(samples: Tensor, support: Tensor, radius: float) -> tuple[float, float]:
    """precision = fraction of samples within ``radius`` of their nearest support member;
    recall = fraction of members that are the nearest member of at least one such sample."""
    dist, idx = nearest_member(samples, support)
    hit = dist <= radius
    covered = torch.zeros(len(support), dtype=torch.bool)
    covered[idx[hit]] = True
    return float(hit.double().mean()), float(covered.double().mean())


# ---------------------------------------------------------------- the metrics


def _first(x: Tensor, n: int) -> Tensor:
    return x[: min(n, len(x))]


_ACCURACY = "held-out accuracy of the dataset's feature classifier"


@dataclasses.dataclass(frozen=True)
class _ClassifierMetric(Metric):
    """A metric read through the dataset's feature classifier: it needs an image dataset with
    labels, and reports after its own outputs ``classifier_acc``, the classifier's held-out accuracy.
    A subclass declares its own outputs and computes them in :meth:`measure`."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.outputs = {**cls.outputs, "classifier_acc": ""}
        cls.output_docs = {**cls.output_docs, "classifier_acc": ("fraction", _ACCURACY)}

    def supports(self, dataset: Dataset) -> str | None:
        if isinstance(dataset, ImageDataset):
            return None
        return f"metric '{self.name}' needs an image dataset with labels; '{dataset.name}' is not one"

    def compute(self, *, real: Tensor, fake: Tensor, dataset: Dataset) -> dict[str, float]:
        ds = image_dataset(dataset, self.name)
        clf = classifier_for(ds)
        return {**self.measure(clf, ds, real=real, fake=fake), "classifier_acc": clf.accuracy}

    def measure(self, clf: FeatureClassifier, ds: ImageDataset, *, real: Tensor, fake: Tensor) -> dict[str, float]:
        """The metric's own outputs, from the classifier ``clf`` of the dataset ``ds``."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class Frechet(_ClassifierMetric, Distance):
    name: ClassVar[str] = "fd"
    description: ClassVar[str] = "Fréchet distance in the features of a classifier trained on the dataset"
    unit: ClassVar[str] = "feature units²"
    meaning: ClassVar[str] = "Fréchet distance between Gaussians fitted to the classifier features"

    samples: int = param(10_000, min=10, max=1_000_000, help="samples of each side used")

    def measure(self, clf: FeatureClassifier, ds: ImageDataset, *, real: Tensor, fake: Tensor) -> dict[str, float]:
        return {
            "fd": frechet_distance(clf.features(_first(fake, self.samples)), clf.features(_first(real, self.samples)))
        }


@dataclasses.dataclass(frozen=True)
class KID(_ClassifierMetric, Distance):
    name: ClassVar[str] = "kid"
    description: ClassVar[str] = "kernel (cubic polynomial) MMD² in classifier features, mean over subsets"
    unit: ClassVar[str] = "feature units⁶"
    meaning: ClassVar[str] = "unbiased MMD² with the cubic polynomial kernel, mean over random subsets"

    subsets: int = param(20, min=1, max=10_000, help="random subsets averaged")
    subset_size: int = param(1000, min=2, max=100_000, help="samples of each side per subset")
    seed: int = param(0, min=0, max=2**31 - 1, help="seed of the subset draws (an RNG of its own)")

    def measure(self, clf: FeatureClassifier, ds: ImageDataset, *, real: Tensor, fake: Tensor) -> dict[str, float]:
        g = torch.Generator().manual_seed(self.seed)
        kid, _ = kernel_inception_distance(clf.features(fake), clf.features(real), self.subsets, self.subset_size, g)
        return {"kid": kid}


@dataclasses.dataclass(frozen=True)
class PRDC(_ClassifierMetric):
    name: ClassVar[str] = "prdc"
    description: ClassVar[str] = "precision/recall (k=3) and density/coverage (k=5) in classifier features"
    outputs: ClassVar[dict[str, str]] = {"precision": MAX, "recall": MAX, "density": MAX, "coverage": MAX}
    output_docs: ClassVar[dict[str, tuple[str, str]]] = {
        "precision": ("fraction", "generated samples inside the real k-NN manifold (Kynkäänniemi et al. 2019)"),
        "recall": ("fraction", "real samples inside the generated k-NN manifold (Kynkäänniemi et al. 2019)"),
        "density": ("ratio", "mean count of real k-NN balls holding each generated sample, / k (Naeem et al. 2020)"),
        "coverage": ("fraction", "real samples whose k-NN ball holds a generated sample (Naeem et al. 2020)"),
    }

    samples: int = param(2000, min=10, max=20_000, help="samples of each side (distances are quadratic in this)")
    k_pr: int = param(3, min=1, max=100, help="k of the precision/recall balls (Kynkäänniemi et al.)")
    k_dc: int = param(5, min=1, max=100, help="k of the density/coverage balls (Naeem et al.)")

    def measure(self, clf: FeatureClassifier, ds: ImageDataset, *, real: Tensor, fake: Tensor) -> dict[str, float]:
        f = clf.features(_first(fake, self.samples))
        # the real manifold from distinct images: the harness draws real samples with replacement,
        # and copies of one image would shrink its k-NN ball to nothing on a small dataset
        r = torch.unique(clf.features(_first(real, self.samples)), dim=0)
        precision, recall = precision_recall(real=r, fake=f, k=self.k_pr)
        density, coverage = density_coverage(real=r, fake=f, k=self.k_dc)
        return {"precision": precision, "recall": recall, "density": density, "coverage": coverage}


@functools.lru_cache(maxsize=16)
def _real_mode_figures(dataset: ImageDataset, n: int, seed: int, classifier: str) -> tuple[float, float]:
    """The same figures for ``n`` held-out real images (the same at every evaluation, so cached)."""
    labels = classifier_for(dataset).classify(dataset.heldout(n, seed))
    return mode_figures(labels, dataset.n_classes)


@dataclasses.dataclass(frozen=True)
class ClassModes(_ClassifierMetric):
    """Modes covered and KL(q_modes ‖ uniform), each sample's mode read by the dataset's classifier.

    A mode is a tuple of class labels, one per unit: on ``stacked-digits`` each of the three
    channels is read by the digit classifier, giving 10³ = 1,000 modes; on ``digits`` a mode is
    a class.  ``real_*`` are the same figures for as many held-out real images (fresh stacks of
    held-out digits), the reference that an imperfect classifier and a finite sample allow.
    """

    name: ClassVar[str] = "class-modes"
    description: ClassVar[str] = "modes (class tuples, 1,000 on stacked-digits) covered and KL(q‖uniform)"
    outputs: ClassVar[dict[str, str]] = {
        "modes_covered": MAX,
        "modes_total": "",
        "modes_kl": MIN,
        "real_modes_covered": "",
        "real_modes_kl": "",
    }
    output_docs: ClassVar[dict[str, tuple[str, str]]] = {
        "modes_covered": ("modes", "class tuples read by the classifier in at least one generated sample"),
        "modes_total": ("modes", "class tuples possible"),
        "modes_kl": ("nats", "KL(q_modes ‖ uniform) of the generated samples' class tuples"),
        "real_modes_covered": ("modes", "the same count for as many held-out real images"),
        "real_modes_kl": ("nats", "the same KL for as many held-out real images"),
    }
    coverage: ClassVar[Coverage | None] = Coverage(covered="modes_covered", total="modes_total")

    seed: int = param(12345, min=0, max=2**31 - 1, help="seed of the held-out real draws")

    def measure(self, clf: FeatureClassifier, ds: ImageDataset, *, real: Tensor, fake: Tensor) -> dict[str, float]:
        n_modes = ds.n_classes**ds.units
        covered, kl = mode_figures(clf.classify(fake), ds.n_classes)
        real_covered, real_kl = _real_mode_figures(ds, len(fake), self.seed, str(clf.path))
        return {
            "modes_covered": covered,
            "modes_total": float(n_modes),
            "modes_kl": kl,
            "real_modes_covered": real_covered,
            "real_modes_kl": real_kl,
        }


@dataclasses.dataclass(frozen=True)
class ShapesPR(Metric):
    """Exact precision and recall on ``shapes``: each generated image is matched to its nearest
    member of the (finite, known) support, and counts if within ``radius`` × half the smallest
    distance between two members (so it can match only one)."""

    name: ClassVar[str] = "shapes-pr"
    description: ClassVar[str] = "exact precision/recall against the enumerable support of 'shapes'"
    outputs: ClassVar[dict[str, str]] = {"shapes_precision": MAX, "shapes_recall": MAX}
    output_docs: ClassVar[dict[str, tuple[str, str]]] = {
        "shapes_precision": ("fraction", "generated images within the match radius of a member of the support"),
        "shapes_recall": ("fraction", "members of the support matched by at least one generated image"),
    }

    radius: float = param(1.0, min=0.0, max=1.0, exclusive_min=True, help="match radius, × half the min separation")

    def supports(self, dataset: Dataset) -> str | None:
        ok = isinstance(dataset, Shapes)
        return None if ok else f"metric '{self.name}' needs the shapes dataset, not '{dataset.name}'"

    def compute(self, *, real: Tensor, fake: Tensor, dataset: Dataset) -> dict[str, float]:
        if not isinstance(dataset, Shapes):
            raise ValueError(self.supports(dataset))
        support = dataset.mode_centers()
        precision, recall = exact_precision_recall(fake, support, self.radius * min_separation(support) / 2)
        return {"shapes_precision": precision, "shapes_recall": recall}


@hookimpl
def register_metrics(register: Register) -> None:
    register(Frechet)
    register(KID)
    register(PRDC)
    register(ClassModes)
    register(ShapesPR)
    register(InceptionFID)  # standard FID, through pytorch-fid (ganbench.metrics.fid)
