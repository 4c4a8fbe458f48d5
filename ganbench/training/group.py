"""A vectorised group: K trials that train as one program, one training step at a time.

Members share the model architecture, the sample shape, the critic steps per generator
step and the training budget; they may differ in objective, penalty, hyperparameters,
dataset and seed. Each objective's losses are computed on its own contiguous run of
members, each penalty on its own, and the loss minimised is the sum of the members' own
losses, so every member gets exactly its own gradient. A trial trained alone is a group
of one: there is no other training loop.
"""

from __future__ import annotations

import contextlib
import dataclasses
import traceback
from collections.abc import Callable, Iterator, Sequence

import torch
from torch import Tensor

from ganbench.datasets.base import Dataset
from ganbench.objectives.base import Objective, Penalty
from ganbench.training.adam import StackedAdam
from ganbench.training.draws import Draws
from ganbench.training.member import Member
from ganbench.training.stacked import StackedNet


class MemberFailure(Exception):
    """A plugin raised while computing the members ``members`` of a group (slice)."""

    def __init__(self, members: slice, exc: Exception) -> None:
        super().__init__(f"{type(exc).__name__}: {exc}")
        self.members = members
        self.error = exc
        self.traceback = "".join(traceback.format_exception(exc))


@contextlib.contextmanager
def blame(members: slice) -> Iterator[None]:
    """Attribute an exception raised by plugin code to the members it was computing for."""
    try:
        yield
    except MemberFailure:
        raise
    except Exception as exc:
        raise MemberFailure(members, exc) from exc


@dataclasses.dataclass(frozen=True)
class Run:
    """A contiguous run of members with the same objective and penalty."""

    members: slice
    objective: Objective
    penalty: Penalty | None
    weight: Tensor | None  # (k,) penalty weights
    needs_real: bool


def run_key(member: Member) -> tuple[str, str]:
    """Members are ordered by this, so each (objective, penalty) forms one contiguous run."""
    return (repr(member.parts.objective), repr(member.parts.penalty))


# ------------------------------------------------------------ a critic update of K members
# Shared by the training step below and by the independent critics that judge a frozen
# generator (:mod:`ganbench.training.critics`): each member's loss by its own run's
# objective and penalty, then one Adam step of the stacked parameters, then clipping.


def clip_bounds(clips: Sequence[float], like: Tensor) -> Tensor | None:
    """Per-member weight-clipping bounds (K, 1) (inf where a member does not clip), or None
    if no member clips."""
    if not any(clips):
        return None
    bound = [c if c > 0 else float("inf") for c in clips]
    return torch.tensor(bound, device=like.device, dtype=like.dtype).unsqueeze(1)


def member_critic(critic: StackedNet, members: slice) -> Callable[[Tensor], Tensor]:
    """The critics of ``members`` alone, as a function of their samples (K', B, ...)."""
    if members == slice(0, critic.members):
        return critic
    return lambda x: critic(x, params=critic.rows(members), members=members)


def critic_losses(critic: StackedNet, runs: Sequence[Run], real: Tensor, fake: Tensor, draws: Draws) -> Tensor:
    """Every member's critic loss (K,) on batches ``real`` and ``fake`` (K, B, ...): its run's
    objective's loss, plus its run's penalty times the member's weight."""
    b = real.shape[1]
    out = critic(torch.cat([real, fake], dim=1))
    d_real, d_fake = out[:, :b], out[:, b:]
    losses = []
    for run in runs:
        s = run.members
        with blame(s):
            loss = run.objective.critic_loss(d_real[s], d_fake[s])
            if run.penalty is not None and run.weight is not None:
                value = run.penalty(member_critic(critic, s), real[s], fake[s], draws.subset(s))
                loss = loss + run.weight * value
        losses.append(loss)
    return torch.cat(losses)


def critic_update(critic: StackedNet, opt: StackedAdam, loss: Tensor, clip: Tensor | None) -> None:
    """One Adam step of every member on its own loss (``loss`` (K,)), then weight clipping."""
    opt.step(torch.autograd.grad(loss.sum(), critic.params))
    if clip is not None:
        critic.clamp_(clip)


class Group:
    """The stacked state of K members at one training step, and how to advance it."""

    def __init__(
        self,
        members: list[Member],
        gen: StackedNet,
        critic: StackedNet,
        opt_g: StackedAdam,
        opt_d: StackedAdam,
        draws: Draws,
        sums: Tensor,
        step: int,
    ) -> None:
        self.members = members
        self.gen, self.critic = gen, critic
        self.opt_g, self.opt_d = opt_g, opt_d
        self.draws = draws
        self.sums = sums  # (K, 2): critic and generator losses summed since the last evaluation
        self.step = step
        first = members[0]
        self.batch = first.trial.train.batch_size
        self.n_critic = first.parts.hyper.n_critic
        self.latent = tuple(first.parts.model.latent_shape)
        self.datasets: list[Dataset] = [m.parts.dataset for m in members]
        self.runs = self._runs()
        self.any_needs_real = any(r.needs_real for r in self.runs)
        self.clip = clip_bounds([m.parts.hyper.clip for m in members], critic.params[0])

    def _runs(self) -> list[Run]:
        runs: list[Run] = []
        start = 0
        keys = [run_key(m) for m in self.members]
        like = self.critic.params[0]
        for i in range(1, len(self.members) + 1):
            if i < len(self.members) and keys[i] == keys[start]:
                continue
            parts = self.members[start].parts
            weight = None
            if parts.penalty is not None:
                w = [m.parts.hyper.penalty_weight for m in self.members[start:i]]
                weight = torch.tensor(w, device=like.device, dtype=like.dtype)
            needs_real = bool(parts.objective.generator_needs_real)
            runs.append(Run(slice(start, i), parts.objective, parts.penalty, weight, needs_real))
            start = i
        return runs

    def __len__(self) -> int:
        return len(self.members)

    # ------------------------------------------------------------ one training step

    def critic_step(self) -> tuple[Tensor, Tensor]:
        """One critic update of every member; returns the members' losses (K,) and the real batch."""
        real = self.draws.data(self.datasets, self.batch)
        z = self.draws.normal(self.batch, *self.latent)
        with torch.no_grad():
            fake = self.gen(z)
        loss_d = critic_losses(self.critic, self.runs, real, fake, self.draws)
        critic_update(self.critic, self.opt_d, loss_d, self.clip)
        return loss_d.detach(), real

    def generator_step(self, real: Tensor) -> Tensor:
        """One generator update of every member; ``real`` is the last critic step's batch,
        for objectives whose generator loss reads the critic's output on real data."""
        z = self.draws.normal(self.batch, *self.latent)
        fake = self.gen(z)
        frozen = self.critic.detached()
        d_fake = self.critic(fake, params=frozen)
        d_real = self.critic(real, params=frozen) if self.any_needs_real else None
        losses = []
        for run in self.runs:
            s = run.members
            with blame(s):
                on_real = d_real[s] if d_real is not None and run.needs_real else None
                losses.append(run.objective.generator_loss(on_real, d_fake[s]))
        loss_g = torch.cat(losses)
        self.opt_g.step(torch.autograd.grad(loss_g.sum(), self.gen.params))
        return loss_g.detach()

    def train_step(self) -> None:
        for _ in range(self.n_critic):
            loss_d, real = self.critic_step()
        loss_g = self.generator_step(real)
        self.sums += torch.stack([loss_d, loss_g], dim=1)
        self.step += 1

    # ------------------------------------------------------------ checks and membership

    @torch.no_grad()
    def finite(self) -> list[bool]:
        """Per member: are its summed losses and all its parameters finite?"""
        ok = torch.isfinite(self.sums).all(dim=1)
        ok &= self.gen.finite() & self.critic.finite()
        return [bool(v) for v in ok.cpu()]

    def select(self, index: Sequence[int]) -> Group:
        """The group of members ``index`` only (the others leave: finished, diverged or failed)."""
        gen, critic = self.gen.select(index), self.critic.select(index)
        return Group(
            [self.members[i] for i in index],
            gen,
            critic,
            self.opt_g.select(gen.params, index),
            self.opt_d.select(critic.params, index),
            self.draws.select(index),
            self.sums[list(index)].clone(),
            self.step,
        )

    @staticmethod
    def concat(groups: Sequence[Group]) -> Group:
        """One group of the members of ``groups`` (all at the same step), ordered into runs."""
        if len(groups) == 1:
            return groups[0]
        steps = {g.step for g in groups}
        if len(steps) != 1:
            raise ValueError(f"cannot join groups at different steps: {sorted(steps)}")
        gen = StackedNet.concat([g.gen for g in groups])
        critic = StackedNet.concat([g.critic for g in groups])
        joined = Group(
            [m for g in groups for m in g.members],
            gen,
            critic,
            StackedAdam.concat(gen.params, [g.opt_g for g in groups]),
            StackedAdam.concat(critic.params, [g.opt_d for g in groups]),
            Draws.concat([g.draws for g in groups]),
            torch.cat([g.sums for g in groups]),
            steps.pop(),
        )
        order = sorted(range(len(joined)), key=lambda i: run_key(joined.members[i]))
        return joined if order == list(range(len(joined))) else joined.select(order)
