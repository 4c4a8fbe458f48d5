"""Keep the memory a CPU training step frees, for the next step to reuse.

glibc's ``malloc`` serves large blocks (over 128 KiB at first) with ``mmap`` and returns
them to the operating system on ``free``. A group's activations and gradients are such
blocks (K = 16 members, batch 128, width 128: 1 MiB each), so every training step maps
fresh pages and faults each one in again (the README's Speed section says what that
costs). Raising the thresholds keeps freed blocks in the heap, where the
next step finds them (the remedy PyTorch's CPU performance guide gives, which it reaches
by preloading jemalloc or tcmalloc). It changes no number, only where memory comes from;
the process keeps up to its peak use instead of giving it back between steps.
"""

from __future__ import annotations

import ctypes
import functools
import sys

#: ``mallopt`` parameters (glibc's malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

#: blocks up to this size come from the heap, not from their own mapping
MMAP_THRESHOLD = 32 * 2**20  # glibc's largest accepted value on 64-bit systems
#: free memory at the top of the heap up to this size is kept, not returned
TRIM_THRESHOLD = 1 * 2**30


@functools.cache
def keep_freed_memory() -> bool:
    """Tell glibc's malloc to keep freed blocks for reuse (once per process). Returns
    whether it took effect: False where the C library is not glibc (macOS, musl)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
