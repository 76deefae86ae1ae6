"""lib.seed: one call seeds every generator a chapter draws from, and stays cheap."""

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from lib.seed import seed_everything

ROOT = Path(__file__).resolve().parents[1]


def _draws():
    return random.random(), np.random.rand(), float(torch.rand(1))


def test_same_seed_same_draws_from_every_generator():
    rng = seed_everything(3)
    first = _draws(), rng.random()
    rng = seed_everything(3)
    assert (_draws(), rng.random()) == first
    seed_everything(4)
    assert _draws() != first[0]


def test_asks_torch_for_deterministic_algorithms():
    before = torch.are_deterministic_algorithms_enabled()
    try:
        torch.use_deterministic_algorithms(False)
        seed_everything(0)
        assert torch.are_deterministic_algorithms_enabled()
        assert not torch.is_deterministic_algorithms_warn_only_enabled()
    finally:
        torch.use_deterministic_algorithms(before)


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "0", None])
def test_bad_seed_is_refused_by_name(bad):
    with pytest.raises((TypeError, ValueError), match="seed"):
        seed_everything(bad)


def test_a_chapters_first_cells_import_neither_torchs_compiler_nor_sklearn():
    # torch.use_deterministic_algorithms imports torch's compiler (torch._inductor) and
    # sklearn's load_digits imports sklearn: together about 3 s of CPU per chapter
    code = ("import sys\n"
            "from lib import checks, data, nets, plots, train, widgets\n"
            "from lib.seed import seed_everything\n"
            "seed_everything(0); data.digits()\n"
            "print(sorted(m for m in ('torch._inductor', 'torch._dynamo', 'sklearn')"
            " if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
