"""`make test` runs nbval twice: with one thread (the `pytest` phase, as `make execute`
stores the outputs), then once more as another reader's machine would run the chapters
(`make nbval-other-cpu`): two threads per kernel and ATen's plain, not vectorised,
kernels at once. That one pass stands for the two single changes only if, with both
at once, each still changes the arithmetic. These tests read the two phases'
environments from the Makefile and check, in a fresh Python for each, that it does: a
threaded sum is summed in another order, and the sigmoid is rounded differently."""

import json
import os
import pathlib
import re
import shlex
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

# what a kernel of the phase computes: its thread count and CPU kernels, the bits of a
# sum that two threads split in halves, and of an elementwise sigmoid (float64)
PROBE = r"""
import hashlib, json, torch
x = torch.randn(1_000_000, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
print(json.dumps({
    "threads": torch.get_num_threads(),
    "kernels": torch.backends.cpu.get_cpu_capability(),
    "sum": x.sum().item().hex(),
    "sigmoid": hashlib.sha256(torch.sigmoid(x).numpy().tobytes()).hexdigest(),
}))
"""


def phase_env(target: str) -> dict:
    """The environment variables the Makefile's ``target`` sets for its pytest run."""
    out = subprocess.run(["make", "-s", "-n", "--no-print-directory", target], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if "-m pytest" in ln)
    env = {}
    for word in shlex.split(line):
        match = re.fullmatch(r"([A-Z_]+)=(.*)", word)
        if not match:
            break
        env[match[1]] = match[2]
    return env


def probe(env: dict) -> dict:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("OMP_NUM_THREADS", "ATEN_CPU_CAPABILITY", "OMP_WAIT_POLICY")}
    run = subprocess.run([sys.executable, "-c", PROBE], env={**clean, **env},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def phases():
    listed = subprocess.run(["make", "-s", "--no-print-directory", "test-phases"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    first, other = phase_env("pytest"), phase_env("nbval-other-cpu")
    return listed, first, other, probe(first), probe(other)


def test_make_test_runs_nbval_as_stored_and_as_another_cpu(phases):
    listed, first, other, _, _ = phases
    assert "pytest" in listed and "nbval-other-cpu" in listed, listed
    assert first == {"OMP_NUM_THREADS": "1"}, first
    assert other.get("OMP_NUM_THREADS") == "2", other
    assert other.get("ATEN_CPU_CAPABILITY") == "default", other


def test_the_other_cpu_pass_changes_threads_and_kernels(phases):
    _, _, _, base, changed = phases
    assert (base["threads"], changed["threads"]) == (1, 2)
    assert changed["kernels"] == "DEFAULT", changed["kernels"]
    # two threads sum in another order, also with the plain kernels
    assert changed["sum"] != base["sum"], "two threads gave the same sum as one"
    if base["kernels"] == "DEFAULT":
        pytest.skip("this CPU runs ATen's plain kernels already: no vector kernels to change")
    # the plain kernels round the sigmoid differently, also with two threads
    assert changed["sigmoid"] != base["sigmoid"], "the plain kernels gave the same sigmoid"
