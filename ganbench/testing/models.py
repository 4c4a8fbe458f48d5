"""``check_model``: a (generator, critic) pair that fits its dataset and trains."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn
from torch.func import functional_call, stack_module_state, vmap

from ganbench.datasets.base import Dataset
from ganbench.models.base import Model
from ganbench.stacking.packing import PackedView, pack
from ganbench.testing.common import available_devices, fail, instance


def check_model(
    cls: type[Model] | Model,
    dataset: Dataset | None = None,
    params: Mapping[str, Any] | None = None,
    *,
    batch: int = 5,
    devices: list[str] | None = None,
) -> None:
    """Check model ``cls`` built with ``params`` (or a model instance) for ``dataset`` (default:
    the ``ring`` dataset):

    - it registers (``latent_shape`` is a property, ``build(self, dataset)``);
    - ``build`` returns two modules: the generator maps (B, *latent_shape) to finite float32
      samples of shape (B, *dataset.shape), the critic maps samples to (B,) outputs, for B = 1 too;
    - every parameter of both receives a finite gradient from a generator and a critic loss;
    - unless the model declares ``vectorizes = False``: the critic and the generator, stacked over
      two members with ``torch.func.stack_module_state`` and run under ``torch.func.vmap``, give
      what each member gives alone (the vectorised trainer runs them so);
    - built for packs of :data:`PACK` samples (PacGAN: ``build`` on a view of the dataset whose
      ``shape`` is the pack's), the critic maps generated samples packed that many at a time to one
      finite output per pack, and each output depends on every sample of its pack;
    - on every other available device the modules give the CPU's outputs.
    """
    model = instance("models", cls, params)
    if dataset is None:
        from ganbench.datasets.mixtures import Ring

        dataset = Ring()
    what = f"model '{model.name}' on dataset '{dataset.name}'"
    torch.manual_seed(0)
    built = model.build(dataset)
    if not (isinstance(built, tuple) and len(built) == 2 and all(isinstance(m, nn.Module) for m in built)):
        fail(what, f"build(dataset) must return a (generator, critic) pair of torch modules, got {built!r}")
    gen, critic = built
    latent = tuple(model.latent_shape)
    g = torch.Generator().manual_seed(1)
    for b in (batch, 1):
        z = torch.randn((b, *latent), generator=g)
        x = gen(z)
        if x.shape != (b, *dataset.shape) or x.dtype != torch.float32 or not torch.isfinite(x).all():
            fail(
                what,
                f"the generator maps {tuple(z.shape)} latents to {x.dtype} {tuple(x.shape)}, expected "
                f"finite float32 {(b, *dataset.shape)}",
            )
        out = critic(x)
        if out.shape != (b,) or not torch.isfinite(out).all():
            fail(what, f"the critic maps {tuple(x.shape)} samples to {tuple(out.shape)}, expected finite ({b},)")
    real = dataset.sample(batch, generator=g)
    z = torch.randn((batch, *latent), generator=g)
    loss = critic(real).mean() - critic(gen(z)).mean()
    loss.backward()
    for name, module in (("generator", gen), ("critic", critic)):
        for pname, p in module.named_parameters():
            if p.requires_grad and (p.grad is None or not torch.isfinite(p.grad).all()):
                fail(what, f"{name} parameter {pname} gets no finite gradient")
    if getattr(model, "vectorizes", True):
        _check_vmap(gen, z, what, "generator")
        _check_vmap(critic, real, what, "critic")
    _check_packed_critic(model, dataset, gen, z, what)
    for device in available_devices() if devices is None else devices:
        on = copy.deepcopy(gen).to(device), copy.deepcopy(critic).to(device)
        for name, cpu_out, dev_out in (
            ("generator", gen(z), on[0](z.to(device))),
            ("critic", critic(real), on[1](real.to(device))),
        ):
            if not torch.allclose(dev_out.detach().cpu(), cpu_out.detach(), rtol=1e-3, atol=1e-4):
                fail(what, f"the {name} on {device} differs from the CPU")


#: the pack size the packed critic is checked with
PACK = 2


def _check_packed_critic(model: Model, dataset: Dataset, gen: nn.Module, z: Tensor, what: str) -> None:
    view = PackedView(dataset, PACK)
    samples = gen(z[: len(z) // PACK * PACK]).detach().requires_grad_(True)
    packs = pack(samples.unsqueeze(0), PACK)[0]
    try:
        out = model.build(view)[1](packs)
    except Exception as exc:
        fail(
            what,
            f"the critic built for packs of {PACK} (shape {view.shape}) fails on {tuple(packs.shape)} packs "
            f"({type(exc).__name__}: {exc}): build the critic for dataset.shape",
        )
    if out.shape != (len(packs),) or not torch.isfinite(out).all():
        fail(
            what,
            f"the critic built for packs of {PACK} (shape {view.shape}) maps {tuple(packs.shape)} packs to "
            f"{tuple(out.shape)}, expected finite ({len(packs)},): build the critic for dataset.shape",
        )
    (grad,) = torch.autograd.grad(out.sum(), samples)
    unseen = (grad.flatten(1).abs().sum(dim=1) == 0).nonzero().flatten().tolist()
    if unseen:
        fail(what, f"the critic built for packs of {PACK} ignores samples {unseen} of its packs")


def _check_vmap(module: nn.Module, x: Tensor, what: str, name: str) -> None:
    members = [copy.deepcopy(module) for _ in range(2)]
    with torch.no_grad():
        for p in members[1].parameters():
            p.add_(0.01 * torch.randn_like(p))
    params, buffers = stack_module_state(members)  # type: ignore[arg-type]
    base = copy.deepcopy(module).to("meta")
    xs = torch.stack([x, x.flip(0)])

    def one(p: dict[str, Tensor], b: dict[str, Tensor], inputs: Tensor) -> Tensor:
        return functional_call(base, (p, b), (inputs,))

    try:
        stacked = vmap(one)(params, buffers, xs)
    except Exception as exc:
        fail(
            what,
            f"the {name} fails under torch.func.vmap ({type(exc).__name__}: {exc}); a model that cannot "
            "run so declares vectorizes: ClassVar[bool] = False",
        )
    alone = torch.stack([m(xi) for m, xi in zip(members, xs, strict=True)])
    if not torch.allclose(stacked, alone, rtol=1e-4, atol=1e-5):
        fail(what, f"the {name} under torch.func.vmap differs from each member run alone")
