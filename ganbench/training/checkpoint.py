"""Per-trial checkpoints, and a trial's own group of one, fresh or resumed from one.

Checkpoints belong to trials, not to groups: each holds one member's networks (ordinary
``state_dict``s), optimiser states, random-stream state, history, loss sums and clocks.
So a run resumes whatever grouping, or device, the next run chooses. Checkpoints load
with ``torch.load(..., weights_only=True)``; one that is unreadable, damaged or from an
older format is discarded with a warning, and the trial restarts from scratch.
"""

from __future__ import annotations

import io
from typing import Any

import torch

from ganbench.io import atomic_write
from ganbench.stacking.adam import StackedAdam
from ganbench.stacking.draws import MemberDraws, stream_seed
from ganbench.stacking.nets import StackedNet
from ganbench.stacking.packing import build_networks
from ganbench.training.group import Group
from ganbench.training.member import Member

FORMAT = 2


def fresh_group(member: Member, device: str, dtype: torch.dtype) -> Group:
    """A group of one for ``member`` at step 0: its networks (the critic built for packs when
    the trial packs) initialised from the trial seed (torch's global generator seeded with it,
    as a plain PyTorch script would), its random stream seeded from it too."""
    parts, trial = member.parts, member.trial
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(trial.seed)
        gen_module, critic_module = build_networks(parts.model, parts.dataset, parts.hyper.pack)
    gen = StackedNet.stack([gen_module], device, dtype)
    critic = StackedNet.stack([critic_module], device, dtype)
    h = parts.hyper
    opt_g = StackedAdam(gen.params, [h.lr_g], [h.betas])
    opt_d = StackedAdam(critic.params, [h.lr_d], [h.betas])
    draws = MemberDraws.seeded([trial.seed], device, dtype)
    sums = torch.zeros((1, 2), device=device, dtype=dtype)
    return Group([member], gen, critic, opt_g, opt_d, draws, sums, step=0)


def capture(group: Group, k: int) -> dict[str, Any]:
    """Member k's state now (CPU copies): what its checkpoint will hold, but its history,
    which :func:`write` adds (it may still be waiting for this step's metrics)."""
    m = group.members[k]
    return {
        "format": FORMAT,
        "step": group.step,
        "generator": group.gen.state_dict(k),
        "critic": group.critic.state_dict(k),
        "opt_g": group.opt_g.state(k),
        "opt_d": group.opt_d.state(k),
        "rng_device": group.draws.device.type,
        "rng": group.draws.generators[k].get_state(),
        "sums": group.sums[k].detach().cpu().clone(),
        "train_time": m.train_time,
        "wall_time": m.wall_time,
        "window_start": m.window_start,
        "window_time": m.window_time,
    }


def write(member: Member, state: dict[str, Any]) -> None:
    """Write a captured state with the member's history as its checkpoint (atomically)."""
    buf = io.BytesIO()
    torch.save({**state, "history": list(member.history)}, buf)
    atomic_write(member.td.checkpoint, buf.getvalue())


def resume(member: Member, device: str, dtype: torch.dtype) -> Group:
    """``member``'s group of one, from its checkpoint if it has a usable one, else fresh."""
    _reset(member)
    group = fresh_group(member, device, dtype)
    path = member.td.checkpoint
    if not path.exists():
        return group
    try:
        ck = torch.load(path, map_location="cpu", weights_only=True)
        _restore(group, ck)
    except Exception as exc:  # truncated, corrupted or incompatible: never reuse it silently
        member.logs.append(
            f"warning: {member.name}: checkpoint unreadable ({type(exc).__name__}); restarting the trial from scratch"
        )
        path.unlink(missing_ok=True)
        _reset(member)
        return fresh_group(member, device, dtype)
    member.logs.append(f"{member.name}: resuming from step {group.step}")
    return group


def _reset(member: Member) -> None:
    member.history, member.train_time, member.wall_time = [], 0.0, 0.0
    member.window_start, member.window_time = 0, 0.0


def _restore(group: Group, ck: dict[str, Any]) -> None:
    if ck.get("format") != FORMAT:
        raise ValueError(f"checkpoint format {ck.get('format')!r}, expected {FORMAT}")
    member = group.members[0]
    group.gen.load_state_dict(0, ck["generator"])
    group.critic.load_state_dict(0, ck["critic"])
    group.opt_g.load_state(0, ck["opt_g"])
    group.opt_d.load_state(0, ck["opt_d"])
    generator = group.draws.generators[0]
    if ck["rng_device"] == group.draws.device.type:
        generator.set_state(ck["rng"])
    else:  # another device's generator state cannot be carried over: a new stream, stated
        generator.manual_seed(stream_seed(member.trial.seed, f"train-resumed-{ck['step']}"))
        member.logs.append(
            f"warning: {member.name}: checkpoint written on {ck['rng_device']}, resumed on "
            f"{group.draws.device.type}: the random stream continues from a new seed"
        )
    group.sums.copy_(ck["sums"].reshape(1, 2))
    group.step = int(ck["step"])
    member.history = list(ck["history"])
    member.train_time = float(ck["train_time"])
    member.wall_time = float(ck["wall_time"])
    member.window_start = int(ck["window_start"])
    member.window_time = float(ck["window_time"])
