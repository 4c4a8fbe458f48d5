"""A vectorised group: K trials that train as one program, one training step at a time.

Members share the model architecture, the sample shape, the pack size (PacGAN: the critic
judges packs of that many samples, :mod:`ganbench.stacking.packing`), the critic steps per
generator step and the training budget; they may differ in objective, penalty, hyperparameters,
dataset and seed. Each objective's losses are computed on its own contiguous span of
members (:class:`~ganbench.stacking.losses.Span`), each penalty on its own, and the loss
minimised is the sum of the members' own losses, so every member gets exactly its own
gradient. A trial trained alone is a group of one: there is no other training loop.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from ganbench.datasets.base import Dataset
from ganbench.stacking.adam import StackedAdam
from ganbench.stacking.draws import MemberDraws
from ganbench.stacking.losses import Span, blame, clip_bounds, critic_losses, critic_update, each_member
from ganbench.stacking.nets import StackedNet
from ganbench.stacking.packing import pack
from ganbench.training.member import Member


def span_key(member: Member) -> tuple[str, str]:
    """Members are ordered by this, so each (objective, penalty) forms one contiguous span."""
    return (repr(member.parts.objective), repr(member.parts.penalty))


class Group:
    """The stacked state of K members at one training step, and how to advance it."""

    def __init__(
        self,
        members: list[Member],
        gen: StackedNet,
        critic: StackedNet,
        opt_g: StackedAdam,
        opt_d: StackedAdam,
        draws: MemberDraws,
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
        self.pack = first.parts.hyper.pack
        self.latent = tuple(first.parts.model.latent_shape)
        self.datasets: list[Dataset] = [m.parts.dataset for m in members]
        self.spans = self._spans()
        self.any_needs_real = any(s.needs_real for s in self.spans)
        self.clip = clip_bounds([m.parts.hyper.clip for m in members], critic.params[0])

    def _spans(self) -> list[Span]:
        spans: list[Span] = []
        start = 0
        keys = [span_key(m) for m in self.members]
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
            spans.append(Span(slice(start, i), parts.objective, parts.penalty, weight, needs_real))
            start = i
        return spans

    def __len__(self) -> int:
        return len(self.members)

    # ------------------------------------------------------------ one training step

    def critic_step(self) -> tuple[Tensor, Tensor]:
        """One critic update of every member; returns the members' losses (K,) and the real
        batch (packs). Each side is ``batch`` packs of ``pack`` samples: batch·pack real samples,
        then batch·pack latents, are drawn."""
        m = self.pack
        real = pack(self.draws.data(self.datasets, self.batch * m), m)
        z = self.draws.normal(self.batch * m, *self.latent)
        with torch.no_grad():
            fake = pack(self.gen(z), m)
        loss_d = critic_losses(self.critic, self.spans, real, fake, self.draws)
        critic_update(self.critic, self.opt_d, loss_d, self.clip)
        return loss_d.detach(), real

    def generator_step(self, real: Tensor) -> Tensor:
        """One generator update of every member on ``batch`` fake packs; ``real`` is the last
        critic step's batch (packs), for objectives whose generator loss reads the critic's
        output on real data."""
        z = self.draws.normal(self.batch * self.pack, *self.latent)
        fake = pack(self.gen(z), self.pack)
        frozen = self.critic.detached()
        d_fake = self.critic(fake, params=frozen)
        d_real = self.critic(real, params=frozen) if self.any_needs_real else None
        losses = []
        for span in self.spans:
            s = span.members
            with blame(s):
                on_real = d_real if span.needs_real else None
                losses.append(each_member(span, span.objective.generator_loss, on_real, d_fake))
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
        """One group of the members of ``groups`` (all at the same step), ordered into spans."""
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
            MemberDraws.concat([g.draws for g in groups]),
            torch.cat([g.sums for g in groups]),
            steps.pop(),
        )
        order = sorted(range(len(joined)), key=lambda i: span_key(joined.members[i]))
        return joined if order == list(range(len(joined))) else joined.select(order)
