"""One trial: (objective, dataset, model, seed, budget) -> metric history and final figures.

A trial is a pure function of its resolved configuration: it reads nothing
global but the plugin registry, and writes only its own directory.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ganbench.errors import TrialDiverged
from ganbench.metrics import summary
from ganbench.plugins import Registry
from ganbench.results import TrialDir, atomic_write
from ganbench.trial import Parts, Status, Trial, final_record

EVAL_CHUNK = 8192


def _finite(t: Tensor) -> bool:
    return bool(torch.isfinite(t).all())


def _params_finite(*modules: nn.Module) -> bool:
    return all(_finite(p) for m in modules for p in m.parameters())


@torch.no_grad()
def evaluate(
    gen: nn.Module, critic: nn.Module, parts: Parts, trial: Trial, step: int, device: str
) -> tuple[dict[str, float], Tensor]:
    """Metrics at ``step`` on samples drawn from an RNG of their own, so evaluation
    never perturbs training (changing the schedule leaves the trajectory unchanged)."""
    n = trial.train.eval_samples
    g = torch.Generator().manual_seed((trial.seed * 1_000_003 + step) % 2**63)
    z = torch.randn((n, *parts.model.latent_shape), generator=g)
    real = parts.dataset.sample(n, generator=g)
    fakes, d_real, d_fake = [], [], []
    for i in range(0, n, EVAL_CHUNK):
        f = gen(z[i : i + EVAL_CHUNK].to(device))
        fakes.append(f.float().cpu())
        d_fake.append(critic(f).float().cpu())
        d_real.append(critic(real[i : i + EVAL_CHUNK].to(device)).float().cpu())
    fake = torch.cat(fakes)
    values = {"estimate": float(parts.objective.estimate(torch.cat(d_real), torch.cat(d_fake)))}
    if not _finite(fake):
        raise TrialDiverged(step, "generated samples")
    for metric in parts.metrics:
        values.update(
            {k: float(v) for k, v in metric.compute(real=real.float(), fake=fake, dataset=parts.dataset).items()}
        )
    return values, fake


class _State:
    """Everything a checkpoint holds, so that a resumed trial continues bit for bit."""

    def __init__(self) -> None:
        self.step = 0
        self.history: list[dict[str, Any]] = []
        self.train_time = 0.0
        self.wall_base = 0.0  # wall time of earlier attempts (before a resume)
        self.wall_start = time.perf_counter()
        self.window_start = 0
        self.window_time = 0.0
        self.sum_d: Tensor | None = None
        self.sum_g: Tensor | None = None

    def wall_time(self) -> float:
        """Seconds this trial has run, evaluation and checkpoints included, over all attempts."""
        return self.wall_base + time.perf_counter() - self.wall_start


def _save_checkpoint(td: TrialDir, state: _State, gen: nn.Module, critic: nn.Module, opts: list[Any]) -> None:
    payload = {
        "step": state.step,
        "generator": gen.state_dict(),
        "critic": critic.state_dict(),
        "opt_g": opts[0].state_dict(),
        "opt_d": opts[1].state_dict(),
        "rng_cpu": torch.get_rng_state(),
        "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "history": state.history,
        "train_time": state.train_time,
        "wall_time": state.wall_time(),
        "window_start": state.window_start,
        "window_time": state.window_time,
        "sum_d": state.sum_d.cpu() if state.sum_d is not None else None,
        "sum_g": state.sum_g.cpu() if state.sum_g is not None else None,
    }
    buf = io.BytesIO()
    torch.save(payload, buf)
    atomic_write(td.checkpoint, buf.getvalue())


def _load_checkpoint(
    td: TrialDir,
    state: _State,
    gen: nn.Module,
    critic: nn.Module,
    opts: list[Any],
    device: str,
    log: Callable[[str], None],
) -> None:
    if not td.checkpoint.exists():
        return
    try:
        ck = torch.load(td.checkpoint, map_location=device, weights_only=True)
        gen.load_state_dict(ck["generator"])
        critic.load_state_dict(ck["critic"])
        opts[0].load_state_dict(ck["opt_g"])
        opts[1].load_state_dict(ck["opt_d"])
        torch.set_rng_state(ck["rng_cpu"].cpu())
        if ck["rng_cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all([s.cpu() for s in ck["rng_cuda"]])
    except Exception as exc:  # truncated, corrupted or incompatible: never reuse it silently
        log(f"warning: {td.path.name}: checkpoint unreadable ({type(exc).__name__}); restarting the trial from scratch")
        td.checkpoint.unlink(missing_ok=True)
        raise _Restart from None
    state.step = int(ck["step"])
    state.history = list(ck["history"])
    state.train_time = float(ck["train_time"])
    state.wall_base = float(ck["wall_time"])
    state.window_start = int(ck["window_start"])
    state.window_time = float(ck["window_time"])
    state.sum_d = ck["sum_d"].to(device) if ck["sum_d"] is not None else None
    state.sum_g = ck["sum_g"].to(device) if ck["sum_g"] is not None else None
    log(f"{td.path.name}: resuming from step {state.step}")


class _Restart(Exception):
    pass


class TrialInterrupted(Exception):
    """Training stopped on request (SIGINT) after a checkpoint at ``step``."""

    def __init__(self, step: int) -> None:
        super().__init__(f"interrupted at step {step}; checkpoint written")
        self.step = step


class _Stop:
    """Set by the SIGINT handler; the training loop checks it between generator steps,
    so an interrupted trial stops at a step boundary with a consistent checkpoint."""

    requested = False


STOP = _Stop()


def _request_stop(signum: int, frame: Any) -> None:
    STOP.requested = True


@contextlib.contextmanager
def _stop_on_sigint() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    STOP.requested = False
    previous = signal.signal(signal.SIGINT, _request_stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def train(
    trial: Trial,
    td: TrialDir,
    device: str,
    registry: Registry,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Train one trial to completion (resuming from its checkpoint if one exists).
    Returns the final record; raises :class:`TrialDiverged` on NaN/Inf."""
    try:
        return _train(trial, td, device, registry, log)
    except _Restart:
        return _train(trial, td, device, registry, log)


def _train(trial: Trial, td: TrialDir, device: str, registry: Registry, log: Callable[[str], None]) -> dict[str, Any]:
    parts = trial.instantiate(registry)
    cfg = trial.train
    h, objective, dataset = parts.hyper, parts.objective, parts.dataset
    penalty = None if parts.penalty is None else _as_group_of_one(parts.penalty)
    torch.manual_seed(trial.seed)
    gen, critic = parts.model.build(dataset)
    gen, critic = gen.to(device), critic.to(device)
    opt_g = torch.optim.Adam(gen.parameters(), lr=h.lr_g, betas=h.betas)
    opt_d = torch.optim.Adam(critic.parameters(), lr=h.lr_d, betas=h.betas)
    state = _State()
    _load_checkpoint(td, state, gen, critic, [opt_g, opt_d], device, log)

    steps, batch, latent = cfg.steps, cfg.batch_size, parts.model.latent_shape
    ckpt_every = cfg.checkpoint_every or cfg.eval_every
    d_params = list(critic.parameters())
    needs_real = objective.generator_needs_real
    zero = torch.zeros((), device=device)
    sum_d = state.sum_d if state.sum_d is not None else zero.clone()
    sum_g = state.sum_g if state.sum_g is not None else zero.clone()
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)

    def record(step: int) -> None:
        sync()
        n_steps = step - state.window_start
        if not (_finite(sum_d) and _finite(sum_g) and _params_finite(gen, critic)):
            raise TrialDiverged(step, "a loss or a parameter")
        values, fake = evaluate(gen, critic, parts, trial, step, device)
        rate = n_steps / state.window_time if n_steps and state.window_time > 0 else float("nan")
        total_rate = step / state.train_time if step and state.train_time > 0 else float("nan")
        rec = {
            "step": step,
            "loss_d": float(sum_d) / n_steps if n_steps else float("nan"),
            "loss_g": float(sum_g) / n_steps if n_steps else float("nan"),
            **values,
            "steps_per_s": total_rate,
            "samples_per_s": total_rate * batch * (h.n_critic + 1),
            "window_steps_per_s": rate,
            "train_time": state.train_time,
            "wall_time": state.wall_time(),
        }
        state.history.append(rec)
        td.write_history(state.history)
        if cfg.snapshot_samples:
            td.write_samples(step, fake[: cfg.snapshot_samples].numpy().astype(np.float32))
        sum_d.zero_()
        sum_g.zero_()
        state.window_start, state.window_time = step, 0.0

    if state.step == 0 and not state.history:
        record(0)
        _checkpoint(td, state, gen, critic, opt_g, opt_d, sum_d, sum_g)

    step = state.step
    while step < steps:
        next_eval = min(steps, (step // cfg.eval_every + 1) * cfg.eval_every)
        next_ckpt = min(steps, (step // ckpt_every + 1) * ckpt_every)
        stop = min(next_eval, next_ckpt)
        t0 = time.perf_counter()
        while step < stop and not STOP.requested:
            for _ in range(h.n_critic):
                real = dataset.sample(batch, device=device)
                with torch.no_grad():
                    fake = gen(torch.randn((batch, *latent), device=device))
                out = critic(torch.cat([real, fake]))
                loss_d = objective.critic_loss(out[:batch], out[batch:])
                if penalty is not None:
                    loss_d = loss_d + h.penalty_weight * penalty(critic, real, fake)
                opt_d.zero_grad(set_to_none=True)
                loss_d.backward()
                opt_d.step()
                if h.clip:
                    with torch.no_grad():
                        for p in d_params:
                            p.clamp_(-h.clip, h.clip)
            for p in d_params:
                p.requires_grad_(False)
            d_fake = critic(gen(torch.randn((batch, *latent), device=device)))
            loss_g = objective.generator_loss(critic(real) if needs_real else None, d_fake)
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            for p in d_params:
                p.requires_grad_(True)
            sum_d += loss_d.detach()
            sum_g += loss_g.detach()
            step += 1
        sync()
        elapsed = time.perf_counter() - t0
        state.train_time += elapsed
        state.window_time += elapsed
        state.step = step
        if step == next_eval:
            record(step)
        if step == next_ckpt or step == steps or STOP.requested:
            _checkpoint(td, state, gen, critic, opt_g, opt_d, sum_d, sum_g)
        if STOP.requested:
            raise TrialInterrupted(step)
    conv = trial.convergence
    return final_record(
        Status.COMPLETE,
        step=steps,
        device=device,
        metrics=_metrics(state.history[-1]),
        convergence=summary.convergence(state.history, parts.metrics, conv.distance, conv.window),
    )


class _GlobalDraws:
    """Random draws for a penalty, from torch's global generator, as (1, *shape) tensors."""

    def __init__(self, like: Tensor) -> None:
        self.device, self.dtype = like.device, like.dtype

    def uniform(self, *shape: int) -> Tensor:
        return torch.rand((1, *shape), device=self.device, dtype=self.dtype)

    def normal(self, *shape: int) -> Tensor:
        return torch.randn((1, *shape), device=self.device, dtype=self.dtype)


def _as_group_of_one(penalty: Callable[..., Tensor]) -> Callable[[nn.Module, Tensor, Tensor], Tensor]:
    """A penalty as this loop calls it, ``(critic, real, fake) -> scalar``.  A penalty written for
    the vectorised API, ``(critic, real, fake, draws) -> (K,)`` on (K, B, ...) tensors, is called
    with a group of one member."""
    if len(inspect.signature(penalty).parameters) < 4:
        return penalty

    def call(critic: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
        def stacked(x: Tensor) -> Tensor:
            return critic(x.flatten(0, 1)).view(x.shape[0], x.shape[1])

        return penalty(stacked, real.unsqueeze(0), fake.unsqueeze(0), _GlobalDraws(real))[0]

    return call


def _metrics(record: dict[str, Any]) -> dict[str, Any]:
    """A history record's figures without its step: what a final record keeps."""
    return {k: v for k, v in record.items() if k != "step"}


def _checkpoint(
    td: TrialDir, state: _State, gen: nn.Module, critic: nn.Module, opt_g: Any, opt_d: Any, sum_d: Tensor, sum_g: Tensor
) -> None:
    state.sum_d, state.sum_g = sum_d, sum_g
    _save_checkpoint(td, state, gen, critic, [opt_g, opt_d])


# ---------------------------------------------------------------- running a trial in a worker

_WORKER: dict[str, Any] = {}


def init_worker(plugins_dir: list[str] | None, threads: int) -> None:
    """Executor setup in a fresh worker process: load plugins (the parent's plugin
    directories, in order), pin torch threads."""
    from ganbench.plugins import load_plugins

    torch.set_num_threads(threads)
    warnings.filterwarnings("ignore", message=".*TF32.*")
    # The parent handles Ctrl-C and forwards it while a trial trains; an idle worker ignores it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    _WORKER["registry"] = load_plugins(plugins_dir)


def _die_with_parent() -> None:
    """On Linux, have the kernel kill this worker if the parent dies (say, by SIGKILL),
    so no orphan keeps training and holding a trial's lock."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent already died before prctl
            os._exit(1)
    except OSError:
        pass


def use_registry(registry: Registry, threads: int) -> None:
    """Executor setup in this process, reusing an already loaded registry."""
    torch.set_num_threads(threads)
    _WORKER["registry"] = registry


def _clean(td: TrialDir) -> None:
    """Remove what an earlier, unfinished attempt may have left: temporary files of a
    killed write, and the error record of a failed attempt (this one supersedes it)."""
    for tmp in td.path.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
    for tmp in td.samples_dir.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
    td.error_file.unlink(missing_ok=True)
    td.final_file.unlink(missing_ok=True)


def run_trial(trial: Trial, trial_path: str, device: str) -> dict[str, Any]:
    """Run (or resume) one trial in its directory; never raises for a failing trial.

    Returns ``{"status": Status, "message": ...}``: complete, diverged, error,
    interrupted (SIGINT; checkpoint written), skipped (already done) or locked
    (another runner has it).
    """
    from ganbench.locks import TrialLock

    td = TrialDir(Path(trial_path))
    if td.is_done():
        return {"status": Status.SKIPPED, "message": "already complete"}
    td.path.mkdir(parents=True, exist_ok=True)
    with TrialLock(td.path) as lock:
        if not lock.acquired:
            return {"status": Status.LOCKED, "message": "another ganbench run is training it"}
        if td.is_done():
            return {"status": Status.SKIPPED, "message": "already complete"}
        _clean(td)
        td.write_config(trial.to_json())
        logs: list[str] = []
        try:
            with _stop_on_sigint():
                final = train(trial, td, device, _WORKER["registry"], log=logs.append)
        except TrialInterrupted as exc:
            return {"status": Status.INTERRUPTED, "message": str(exc), "logs": logs}
        except TrialDiverged as exc:
            history = td.read_history()
            good = history[-1] if history else {}
            final = final_record(
                Status.DIVERGED,
                step=exc.step,
                device=device,
                message=str(exc),
                metrics=_metrics(good),
                last_good_step=good.get("step"),
            )
        except Exception as exc:
            atomic_write(td.error_file, traceback.format_exc().encode())
            message = f"{type(exc).__name__}: {exc}"
            td.write_final(final_record(Status.ERROR, device=device, message=message, metrics={}))
            return {
                "status": Status.ERROR,
                "message": f"{type(exc).__name__}: {exc} (traceback in {td.error_file})",
                "logs": logs,
            }
        td.finish(final)
        return {"status": Status(final["status"]), "message": final.get("message", ""), "final": final, "logs": logs}
