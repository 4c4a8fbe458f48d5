"""Evaluation of every member of a group at one step.

Each member's evaluation samples come from a generator of their own, seeded from the
trial's seed and the step, so evaluation never perturbs training (a different schedule
leaves the trajectory unchanged) and a member's figures do not depend on its group.
The generators of all members run in one pass (:func:`sample`); the metrics then run per
member, on the CPU (:func:`measure`), keyword arguments only (``real=``, ``fake=``), so the
two can never be swapped. Samples and critic outputs stay in the training precision
(float32, or float64 where asked).

A packing critic (PacGAN) gives its estimate on the evaluation samples taken m at a time
(the last n mod m left out); the generated samples the metrics measure are unchanged.

The networks run as they train: batch norm normalises each member's evaluation batch by
that batch's own statistics, exactly as in a training step, and never by the running
statistics. Those are only updated by training: evaluation runs on a copy of every buffer
(:meth:`~ganbench.stacking.nets.StackedNet.with_own_buffers`), so it leaves the state that
training and checkpoints see untouched, whichever members of the group are evaluated.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor

from ganbench.metrics.base import Evaluation
from ganbench.stacking.losses import blame
from ganbench.stacking.packing import pack
from ganbench.training.group import Group
from ganbench.training.member import Member
from ganbench.trial import Parts

#: evaluation samples per forward pass and member
EVAL_CHUNK = 8192


def eval_seed(seed: int, step: int) -> int:
    return (seed * 1_000_003 + step) % 2**63


def evaluation_inputs(parts: Parts, n: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """The ``n`` latents and then the ``n`` real samples of an evaluation (CPU), drawn from
    ``generator``: the trial's own, seeded by :func:`eval_seed`."""
    z = torch.randn((n, *parts.model.latent_shape), generator=generator)
    return z, parts.dataset.sample(n, generator=generator)


@dataclasses.dataclass
class Sampled:
    """What the networks gave for one member at one step: the critic's estimate, and the
    generated and real samples (CPU) that the metrics then measure."""

    member: Member
    estimate: float | None  # None: the objective estimates no divergence (declares divergence = None)
    fake: Tensor
    real: Tensor
    step: int

    @property
    def finite(self) -> bool:
        """Are the generated samples finite? (If not, the member diverged: no metric runs.)"""
        return bool(torch.isfinite(self.fake).all())


@torch.no_grad()
def sample(group: Group, step: int) -> list[Sampled]:
    """Every member's evaluation samples and estimate at ``step``, in one pass of the
    stacked networks, then each member's estimate on its own (see :func:`_alone`). An
    estimate that raises fails its member only (:class:`~ganbench.stacking.losses.MemberFailure`
    names it)."""
    n = group.members[0].trial.train.eval_samples
    gen, critic = group.gen.with_own_buffers(), group.critic.with_own_buffers()
    device, dtype = gen.device, gen.dtype
    inputs = []
    for m in group.members:
        g = torch.Generator().manual_seed(eval_seed(m.trial.seed, step))
        inputs.append(evaluation_inputs(m.parts, n, g))
    z, real = torch.stack([i[0] for i in inputs]), torch.stack([i[1] for i in inputs])
    fakes, d_real, d_fake = [], [], []
    size, packs = group.pack, n // group.pack
    for i in range(0, n, EVAL_CHUNK):
        f = gen(z[:, i : i + EVAL_CHUNK].to(device=device, dtype=dtype))
        fakes.append(f.cpu())
        if size == 1:
            d_fake.append(critic(f).cpu())
            d_real.append(critic(real[:, i : i + EVAL_CHUNK].to(device=device, dtype=dtype)).cpu())
    fake = torch.cat(fakes, dim=1)
    for i in range(0, packs if size > 1 else 0, EVAL_CHUNK):  # a packing critic judges `size` samples at once
        at = slice(i * size, min(i + EVAL_CHUNK, packs) * size)
        d_fake.append(critic(pack(fake[:, at].to(device=device, dtype=dtype), size)).cpu())
        d_real.append(critic(pack(real[:, at].to(device=device, dtype=dtype), size)).cpu())
    estimates: list[float | None] = [None] * len(group)
    if not d_real:  # fewer evaluation samples than one pack: no estimate
        return [Sampled(m, None, fake[k], real[k].to(dtype), step) for k, m in enumerate(group.members)]
    out_real, out_fake = torch.cat(d_real, dim=1), torch.cat(d_fake, dim=1)
    for span in group.spans:
        if not span.objective.estimates_divergence():
            continue
        for k in range(span.members.start, span.members.stop):
            with blame(slice(k, k + 1)):
                estimates[k] = float(span.objective.estimate(_alone(out_real, k), _alone(out_fake, k)).to(dtype))
    return [Sampled(m, estimates[k], fake[k], real[k].to(dtype), step) for k, m in enumerate(group.members)]


def _alone(outputs: Tensor, k: int) -> Tensor:
    """Member k's critic outputs (1, n), in a tensor of their own, as when it is evaluated alone.

    Each member's estimate is computed on its own outputs, never on its span's at once: the
    CPU's elementwise kernels (``softplus``, ``exp``, ``log``) run through a contiguous tensor
    in vectors of a fixed length and do its last few elements one at a time, with other
    rounding, so in a (k, n) tensor whose n is not a multiple of that length, which of a
    member's outputs were rounded which way would depend on where it lies in its group."""
    return outputs[k : k + 1].clone()


def measure(sampled: Sampled) -> dict[str, float]:
    """The member's estimate and every metric due at this evaluation, of its samples (CPU;
    safe in another thread). A metric that asks for it also gets ``evaluation=``."""
    m = sampled.member
    step = sampled.step
    at = Evaluation(step, step == m.trial.train.steps, eval_seed(m.trial.seed, step), m.parts.model)
    values = {} if sampled.estimate is None else {"estimate": sampled.estimate}
    for metric in m.parts.metrics:
        if not metric.due(at):
            continue
        extra = {"evaluation": at} if metric.uses_evaluation else {}
        with blame(slice(0, 1)):
            computed = metric.compute(real=sampled.real, fake=sampled.fake, dataset=m.parts.dataset, **extra)
        values.update({key: float(v) for key, v in computed.items()})
    return values
