"""Checks of the exercises of chapter 7, "Dropout"."""

from __future__ import annotations

import numpy as np

from lib.checks._common import _floats, _single, _wrong, check


def _call_as(fn, name, call, *args):
    """Call a student's function like ``_common._call``, but name the call by ``call``
    (a model or a tensor argument would otherwise be printed in full)."""
    if not callable(fn):
        raise AssertionError(
            f"{name} should be a function, but it is a {type(fn).__name__}. Hint: define "
            f"it with `def {name}(...):` and pass the function itself, without calling it.")
    try:
        return fn(*args)
    except NotImplementedError:
        raise AssertionError(
            f"{name} is not written yet: calling {call} raised NotImplementedError. "
            "Hint: in its answer cell, replace `raise NotImplementedError()` with your "
            "code, run that cell, then this one again.") from None
    except Exception as exc:  # a student's bug is feedback, not a crash
        raise AssertionError(
            f"Calling {call} raised {type(exc).__name__}: {exc}. Hint: call {name} "
            "yourself on a small example and read the error; the exercise says which "
            "arguments it receives.") from None


def _shaped(raw, call, shape, what):
    got = _floats(raw, call, "return the numpy array you computed, not text or a dict.")
    if got.shape != shape:
        raise AssertionError(
            f"{call} returned shape {got.shape}, expected {shape}. Hint: {what}")
    return got


# ---------------------------------------------------------------- dropout_forward

#: The drop rates dropout_forward is tried with (none is 0.5, where p and 1 - p agree).
_RATES = (0.2, 0.7, 0.35)


def _inputs(shape, seed):
    """Nonzero test inputs of both signs, so a zero in the output is a dropped unit."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def _scale_hint(ratio, p):
    """What a student's scaling of the kept units means, or None if it is not known."""
    for factor, hint in [
        (1.0, "the kept units are left unscaled: scale the kept units by 1/(1-p), so "
              "that the expected output equals x (inverted dropout)."),
        (1 / p, "the kept units are scaled by 1/p: with p the probability of DROPPING, "
                "a unit is kept with probability 1 - p, so scale by 1/(1-p)."),
        (1 - p, "the kept units are multiplied by 1 - p: that mixes the conventions "
                "(the paper scales the weights at test time); inverted dropout divides "
                "the kept units by 1 - p during training."),
        (p, "the kept units are multiplied by p: that mixes the conventions (the "
            "paper multiplies weights by the RETENTION probability at test time); "
            "inverted dropout divides the kept units by 1 - p during training."),
    ]:
        if np.allclose(ratio, factor, rtol=1e-4):
            return hint
    return None


@check
def dropout_forward(fn) -> None:
    """Check a student's ``dropout_forward(x, p, rng)``: inverted dropout in training,
    PyTorch's convention (p = probability of DROPPING a unit), the mask drawn from the
    numpy Generator ``rng`` (chapter "Dropout").

    The check cannot know in which order the student draws, so it tests properties:
    the shape; every entry 0 or x / (1 - p); the dropped fraction within 5 binomial
    standard deviations of p (10,000 units); p = 0 returns x; the same rng seed gives
    the same output and another seed another mask; x is not changed in place."""
    n_rows, n_cols = 100, 100
    for k, p in enumerate(_RATES):
        x = _inputs((n_rows, n_cols), seed=70 + k)
        given = x.copy()
        call = f"dropout_forward(<array of shape {x.shape}>, {p}, default_rng({k}))"
        raw = _call_as(fn, "dropout_forward", call, given, p, np.random.default_rng(k))
        got = _shaped(raw, call, x.shape, "return an array of the shape of x: the "
                      "input with the dropped units set to 0 and the kept ones scaled.")
        if not np.array_equal(given, x):
            raise AssertionError(
                f"{call} changed x in place. Hint: do not write into x (x *= ..., "
                "x[...] = 0); compute and return a new array, e.g. x * mask / (1 - p).")
        if not np.all(np.isfinite(got)):
            raise AssertionError(
                f"{call} returned NaN or infinity. Hint: scale the kept units by "
                "1/(1-p); nothing here divides by zero.")
        kept = got != 0
        dropped = 1 - kept.mean()
        sigma = np.sqrt(p * (1 - p) / x.size)
        if abs(dropped - p) > 5 * sigma:
            if abs(dropped - (1 - p)) <= 5 * sigma:
                hint = ("p is the probability of DROPPING a unit: keep it when "
                        "rng.random(...) >= p (with probability 1 - p).")
            else:
                hint = ("drop each unit independently with probability p, e.g. "
                        "keep = rng.random(x.shape) >= p.")
            raise AssertionError(
                f"{call} dropped {dropped:.3f} of the units, expected about {p} (within "
                f"{5 * sigma:.3f}). Hint: {hint}")
        ratio = got[kept] / x[kept]
        want = 1 / (1 - p)
        rtol = 1e-4 if _single(raw) else 1e-6
        if not np.allclose(ratio, want, rtol=rtol):
            hint = _scale_hint(ratio, p) or (
                "every output entry must be 0 (dropped) or x / (1 - p) (kept).")
            i = int(np.argmax(np.abs(ratio - want)))
            raise AssertionError(
                f"{call}: a kept unit came out as {ratio[i]:.6g} times its input, "
                f"expected 1/(1-p) = {want:.6g}. Hint: {hint}")
    x = _inputs((7, 5), seed=79)
    call = f"dropout_forward(<array of shape {x.shape}>, 0.0, default_rng(0))"
    got = _shaped(_call_as(fn, "dropout_forward", call, x.copy(), 0.0,
                           np.random.default_rng(0)),
                  call, x.shape, "return an array of the shape of x.")
    if not np.allclose(got, x, rtol=1e-6, atol=1e-12):
        raise _wrong(call, f"an array that differs from x by up to "
                     f"{np.abs(got - x).max():.3g}", "x itself",
                     "with p = 0 no unit is dropped and 1/(1-p) = 1.")
    x = _inputs((30, 40), seed=80)
    runs = []
    for seed in (5, 5, 6):
        call = f"dropout_forward(<array of shape {x.shape}>, 0.3, default_rng({seed}))"
        runs.append(_shaped(_call_as(fn, "dropout_forward", call, x.copy(), 0.3,
                                     np.random.default_rng(seed)),
                            call, x.shape, "return an array of the shape of x."))
    if not np.array_equal(runs[0], runs[1]) or np.array_equal(runs[0] != 0, runs[2] != 0):
        raise AssertionError(
            "dropout_forward gave different outputs for two generators with the same "
            "seed, or the same mask for different seeds. Hint: draw the mask from rng "
            "(rng.random(x.shape)), not from np.random.")
    print("Correct: dropout_forward drops each unit with probability p and scales\n"
          "the kept ones by 1/(1-p) (inverted dropout).")


# ---------------------------------------------------------------- paper_test_weights

@check
def paper_test_weights(fn) -> None:
    """Check a student's ``paper_test_weights(W, p)``: the test-time weights ``W * p``
    of a layer whose inputs were dropped in Srivastava et al.'s convention, p being the
    probability of RETAINING a unit (chapter "Dropout")."""
    rng = np.random.default_rng(7)
    for p, shape in [(0.8, (4, 3)), (0.2, (10, 64)), (0.65, (1, 5)), (1.0, (3, 3))]:
        W = rng.normal(size=shape)
        call = f"paper_test_weights(<array of shape {shape}>, {p})"
        given = W.copy()
        raw = _call_as(fn, "paper_test_weights", call, given, p)
        if not np.array_equal(given, W):
            raise AssertionError(
                f"{call} changed the W it was given (in place, as W *= p does). Hint: "
                "return a new array, W * p, and leave the training weights as they "
                "were.")
        got = _shaped(raw, call, shape, "return the weights, one per entry of W.")
        want = W * p
        rtol = 1e-4 if _single(raw) else 1e-6
        if np.allclose(got, want, rtol=rtol, atol=1e-12):
            continue
        if np.allclose(got, W / p, rtol=1e-6):
            hint = ("that divides by p, as inverted dropout scales kept units during "
                    "training; in the paper's convention the weights are multiplied by p "
                    "at test time.")
        elif np.allclose(got, W * (1 - p), rtol=1e-6):
            hint = ("that reads p as the probability of DROPPING; here p is the "
                    "probability of RETAINING a unit, and the weights are multiplied by p.")
        elif np.allclose(got, W, rtol=1e-6):
            hint = ("those are the training weights unchanged: at test time every unit "
                    "is present, so scale the weights by p to keep the expected input.")
        else:
            hint = "multiply every weight by p: return W * p."
        raise AssertionError(
            f"{call} differs from W * p by up to {np.abs(got - want).max():.3g}. "
            f"Hint: {hint}")
    print("Correct: paper_test_weights = W * p, the retention probability\n"
          "(Srivastava et al. 2014, section 1, Fig. 2, and section 4).")


# ---------------------------------------------------------------- mc_predict

#: The passes of the statistical comparison in mc_predict's check (see there).
_MANY = 2000


def _setup():
    """A small seeded network with dropout, in eval mode, and its inputs (a tensor)."""
    import torch

    from lib import nets

    torch.manual_seed(7)
    # gain 3: confident outputs whose logits vary much between passes, so that the
    # mean of the softmax and the softmax of the mean logits lie far apart (about 25
    # standard errors of the statistical comparison below), as do eval mode's outputs
    model = nets.mlp([8, 16, 16, 3], dropout=0.5, gain=3.0)
    model.eval()
    X = torch.as_tensor(np.random.default_rng(7).normal(size=(12, 8)))
    return model, X


def _passes(model, X, k, seed, *, logits=False):
    """The k train-mode passes of the reference, after torch.manual_seed(seed)."""
    import torch

    torch.manual_seed(seed)
    model.train()
    with torch.no_grad():
        out = [model(X) for _ in range(k)]
    model.eval()
    return np.stack([(o if logits else torch.softmax(o, dim=1)).numpy() for o in out])


@check
def mc_predict(fn) -> None:
    """Check a student's ``mc_predict(model, X, k)``: the mean over k forward passes
    with dropout on (train mode) of softmax(model(X)), an (examples x classes) array
    (Srivastava et al. 2014, section 7.5; chapter "Dropout").

    torch is seeded before the student's call as before the reference's. An answer
    that draws in the reference's order (one softmax(model(X)) per pass) matches it to
    rounding; one that draws in another order (X repeated k times in one batch, say)
    is accepted when, with k = 2000, every entry is within 6 Monte-Carlo standard
    errors of the reference: both averages have a standard error of s / sqrt(2000)
    (s: the entry's spread over passes), their difference sqrt(2) times that. The
    softmax of the mean logits and the eval-mode outputs lie more than 20 of those
    standard errors away on this network, so neither passes by chance."""
    import torch

    model, X = _setup()
    with torch.no_grad():
        eval_probs = torch.softmax(model(X), dim=1).numpy()
    shape = tuple(eval_probs.shape)

    def run(k, seed, mode=False):
        call = f"mc_predict(model, <tensor of shape {tuple(X.shape)}>, {k})"
        model.train(mode)
        torch.manual_seed(seed)
        raw = _call_as(fn, "mc_predict", call, model, X.clone(), k)
        if model.training != mode:
            left.append((call, mode))
        model.eval()
        got = _shaped(raw, call, shape, "one row per example of X and one column per "
                      "class: average the k softmax outputs over the passes (axis 0).")
        if not np.all(np.isfinite(got)):
            raise AssertionError(f"{call} returned NaN or infinity. Hint: average the "
                                 "softmax probabilities of the k passes.")
        return call, got

    def restored():
        # the mode is judged after the values, so that a wrong value gets its own hint
        if left:
            call, mode = left[0]
            was, now = ("train", "eval") if mode else ("eval", "train")
            raise AssertionError(
                f"{call}, given a model in {was} mode, left it in {now} mode. Hint: "
                "remember model.training before the passes and put the model back "
                "with model.train(was_training) after them.")

    left = []
    results = {}
    for k, seed, mode in [(1, 1, False), (5, 1, False), (5, 3, True),
                          (_MANY, 4, False)]:
        call, got = run(k, seed, mode)
        results[k, seed] = got
        if np.allclose(got, eval_probs, rtol=1e-6, atol=1e-9):
            raise AssertionError(
                f"{call} gave the eval-mode probabilities: dropout was off. Hint: call "
                "model.train() before the passes, so that each one samples a thinned "
                "network.")
        rows = got.sum(axis=1)
        if not np.allclose(rows, 1.0, atol=1e-6):
            averaged = np.exp(_passes(model, X, k, seed, logits=True).mean(axis=0))
            hint = ("average probabilities: apply torch.softmax(model(X), dim=1) in "
                    "every pass, then take the mean over the passes.")
            if np.allclose(got, averaged, rtol=1e-6):
                hint = ("that is exp of the mean logits: " + hint)
            raise AssertionError(
                f"{call} gave rows that sum to {rows.min():.4g} to {rows.max():.4g}, "
                f"not 1. Hint: {hint}")
    if np.allclose(results[1, 1], results[5, 1], rtol=1e-9, atol=1e-12):
        raise AssertionError(
            "mc_predict gave the same answer for k = 1 and k = 5 (torch seeded alike). "
            "Hint: k is the number of passes: loop k times and average their softmax "
            "outputs.")
    exact = True
    for (k, seed), got in results.items():
        passes = _passes(model, X, k, seed)
        if not np.allclose(got, passes.mean(axis=0), rtol=1e-6, atol=1e-9):
            exact = False
            break
    if exact:
        restored()
        print("Correct: mc_predict averages softmax(model(X)) over k passes in\n"
              "train mode (Monte-Carlo model averaging).")
        return
    # another draw order: judge the large-k run statistically
    passes = _passes(model, X, _MANY, 4)
    want = passes.mean(axis=0)
    se = passes.std(axis=0, ddof=1) * np.sqrt(2 / _MANY)
    got = results[_MANY, 4]
    call = f"mc_predict(model, <tensor of shape {tuple(X.shape)}>, {_MANY})"
    if np.all(np.abs(got - want) <= 6 * se + 1e-9):
        restored()
        print("Correct: mc_predict averages softmax(model(X)) over k passes in\n"
              "train mode (Monte-Carlo model averaging).")
        return
    logits = _passes(model, X, _MANY, 4, logits=True).mean(axis=0)
    softmax_of_mean = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    if np.abs(got - softmax_of_mean).max() < np.abs(got - want).max() / 3:
        hint = ("that is the softmax of the mean logits; average the probabilities: "
                "softmax in every pass, then the mean over the passes.")
    elif np.abs(got - eval_probs).max() < np.abs(got - want).max() / 3:
        hint = ("that is close to the eval-mode probabilities: call model.train() "
                "before the passes, so that dropout is on.")
    else:
        hint = ("in train mode, compute torch.softmax(model(X), dim=1) k times and "
                "return the mean over the passes as a numpy array.")
    worst = float(np.abs(got - want).max())
    raise _wrong(call, f"probabilities up to {worst:.3g} away from the reference",
                 f"the mean of the softmax outputs of {_MANY} passes", hint)
