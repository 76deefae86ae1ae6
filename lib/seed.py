"""One call that seeds every random number generator a chapter uses.

Every chapter notebook calls :func:`seed_everything` once, in its hidden first cell,
so that its outputs are identical on every run (nbval compares them).
"""

from __future__ import annotations

import random

import numpy as np

from lib import _validate


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python's ``random``, numpy's global generator and torch; return a numpy Generator.

    Also asks torch for deterministic algorithms. ``seed`` must be an integer in
    [0, 2**32 - 1]. The returned ``numpy.random.Generator`` is the one chapters should
    draw from (``rng = seed_everything(0)``).
    """
    seed = _validate.integer("seed", seed, low=0, high=2**32 - 1)
    import torch  # imported here so that `import lib.seed` stays cheap

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    # the same switch as torch.use_deterministic_algorithms(True), which since torch 2.6
    # also imports torch's compiler (about 1.7 s of CPU in every chapter) to set a flag
    # of compiled code, which the book never uses
    torch.set_deterministic_debug_mode("error")
    return np.random.default_rng(seed)
