"""pytorch-fid in the tests: importable beside a CPU torch, and a weights file the tests make.

The torchvision that pip finds for the CPU build of torch 2.13 on x86-64 is a CUDA build, whose
C++ operators cannot load beside it; its import then fails where it registers fake kernels
for two of those operators ('operator torchvision::nms does not exist'). The FID network uses
none of them (pytorch-fid's InceptionV3 is torchvision's Inception, plain torch modules):
:func:`import_pytorch_fid` declares those two operators' schemas (as torchvision's C++
library declares them) when, and only when, that import fails so, and imports pytorch-fid.
A matching torchvision (a CUDA torch's, or the PyTorch CPU index's) imports untouched.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from unittest import mock

import torch

_DECLARED: list[torch.library.Library] = []  # kept alive: a collected Library drops its definitions


def import_pytorch_fid() -> ModuleType:
    """``pytorch_fid.inception``, with torchvision importable (see the module's documentation)."""
    try:
        import torchvision
    except RuntimeError as exc:
        if "torchvision::nms does not exist" not in str(exc) or _DECLARED:
            raise
        lib = torch.library.Library("torchvision", "DEF")
        for op in ("nms", "qnms"):
            lib.define(f"{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        _DECLARED.append(lib)
        import torchvision  # noqa: F401
    import pytorch_fid.inception

    return pytorch_fid.inception


def random_fid_weights(path: Path, seed: int = 0) -> Path:
    """pytorch-fid's FID InceptionV3, randomly initialised (He), saved as its real weights file is
    (the state dict of the network ``pytorch_fid.inception.fid_inception_v3`` builds)."""
    pfi = import_pytorch_fid()
    import torchvision

    torch.manual_seed(seed)
    # fid_inception_v3 builds the network, then fetches and loads the weights: neither happens here
    with (
        mock.patch.object(pfi, "load_state_dict_from_url", lambda *args, **kwargs: None),
        mock.patch.object(torchvision.models.Inception3, "load_state_dict", lambda self, *args, **kwargs: None),
    ):
        net = pfi.fid_inception_v3()
    # He initialisation keeps the activations' scale through the 94 layers (the default
    # initialisation shrinks the pool3 features to about 1e-8, whose distances are rounding noise)
    for module in net.modules():
        if isinstance(module, torch.nn.Conv2d):
            torch.nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
    torch.save(net.state_dict(), path)
    return path
