"""Checks of the exercises of chapter 8, "Dropout in practice, and Maxout"."""

from __future__ import annotations

import functools

import numpy as np

from lib.checks._common import _number, _single, _wrong, check
from lib.checks.ch07_dropout import _call_as, _shaped

# ---------------------------------------------------------------- maxout_forward


def _maxout(x, W, b):
    """The reference: max over the k pieces of x @ W[j] + b[j], shape (n, m)."""
    return (np.einsum("nd,kdm->knm", x, W) + b[:, None, :]).max(axis=0)


def _maxout_cases():
    """(x, W, b) cases: sizes n, d, k, m all different, so that a maximum over the
    wrong axis has the wrong shape; and k = 2 with the second piece zero (ReLU)."""
    rng = np.random.default_rng(80)
    cases = []
    for n, d, k, m in [(7, 4, 3, 5), (20, 6, 2, 9), (1, 3, 5, 2)]:
        cases.append((rng.normal(size=(n, d)), rng.normal(size=(k, d, m)),
                      rng.normal(size=(k, m))))
    W = np.zeros((2, 4, 6))
    W[0] = rng.normal(size=(4, 6))
    b = np.zeros((2, 6))
    b[0] = rng.normal(size=6)
    cases.append((rng.normal(size=(11, 4)), W, b))       # ReLU of the first piece
    return cases


@check
def maxout_forward(fn) -> None:
    """Check a student's ``maxout_forward(x, W, b)``: x (n, d) inputs, W (k, d, m) the
    k pieces' weights, b (k, m) their biases -> (n, m), the maximum over j of
    ``x @ W[j] + b[j]`` (Goodfellow et al. 2013, section 3; chapter "Dropout in
    practice, and Maxout"). One case has k = 2 and a second piece of zeros: a ReLU."""
    for x, W, b in _maxout_cases():
        n, m = x.shape[0], W.shape[2]
        call = (f"maxout_forward(<array of shape {x.shape}>, <array of shape {W.shape}>, "
                f"<array of shape {b.shape}>)")
        given = [x.copy(), W.copy(), b.copy()]
        raw = _call_as(fn, "maxout_forward", call, *given)
        if not all(np.array_equal(g, a) for g, a in zip(given, (x, W, b))):
            raise AssertionError(
                f"{call} changed its arguments in place. Hint: compute a new array "
                "(x @ W[j] + b[j] for each piece) without writing into x, W or b.")
        got = _shaped(raw, call, (n, m), "one row per example and one column per unit: "
                      "take the maximum over the k pieces (the first axis of W), not "
                      "over the examples or the units.")
        want = _maxout(x, W, b)
        rtol = 1e-4 if _single(raw) else 1e-7
        if np.allclose(got, want, rtol=rtol, atol=1e-9):
            continue
        z = np.einsum("nd,kdm->knm", x, W) + b[:, None, :]
        relu = not W[1].any() and not b[1].any() and W.shape[0] == 2
        for other, text in [
            (z.sum(axis=0), "that is the SUM of the pieces; a maxout unit takes their "
                            "maximum (np.max over the pieces' axis)."),
            (z.mean(axis=0), "that is the MEAN of the pieces; a maxout unit takes their "
                             "maximum (np.max over the pieces' axis)."),
            (z.min(axis=0), "that is the MINIMUM of the pieces; a maxout unit takes their "
                            "maximum."),
            ((z - b[:, None, :]).max(axis=0), "the biases are missing: each piece is "
                                              "x @ W[j] + b[j]."),
            (z.max(axis=0) - b.max(axis=0), "the biases are missing: each piece is "
                                            "x @ W[j] + b[j]."),
        ]:
            if np.allclose(got, other, rtol=1e-6, atol=1e-9):
                hint = text
                break
        else:
            hint = ("compute the k pieces x @ W[j] + b[j], each (n, m), and return their "
                    "elementwise maximum, e.g. np.max(np.stack(pieces), axis=0).")
        if relu:
            hint += (" (Here k = 2 and piece 2 is all zeros: the answer is the ReLU "
                     "of piece 1.)")
        worst = float(np.abs(got - want).max())
        raise AssertionError(f"{call} differs from the maximum of the pieces by up to "
                             f"{worst:.3g}. Hint: {hint}")
    print("Correct: maxout_forward takes the largest of the k pieces x @ W[j] + b[j]\n"
          "(with a zero second piece: the ReLU).")


# ---------------------------------------------------------------- max_norm


def _project(W, c):
    """The reference: rows longer than c rescaled to norm c, the others unchanged."""
    norms = np.linalg.norm(W, axis=1, keepdims=True)
    return W * np.minimum(1.0, c / np.maximum(norms, 1e-300))


def _max_norm_cases():
    """(W, c): rows on both sides of c (one just inside, none of norm 0), more rows than
    columns and fewer, so that a projection of the columns gives other numbers."""
    rng = np.random.default_rng(81)
    cases = []
    for c, scales in [(3.0, [0.5, 2.0, 0.99, 3.0, 1.2, 0.1]),
                      (1.5, [1.7, 0.3, 0.8]),
                      (4.0, [2.5])]:
        W = rng.normal(size=(len(scales), 5 if len(scales) != 5 else 4))
        W *= (np.array(scales) * c / np.linalg.norm(W, axis=1))[:, None]
        cases.append((W, c))
    return cases


@check
def max_norm(fn) -> None:
    """Check a student's ``max_norm(W, c)``: W (units, inputs) in torch's layout, row i
    the incoming weights of unit i -> a new array in which every row of Euclidean norm
    above c is rescaled to norm c and the others are unchanged (Srivastava et al. 2014,
    section 5.1; chapter "Dropout in practice, and Maxout"). W must not change."""
    for W, c in _max_norm_cases():
        call = f"max_norm(<array of shape {W.shape}>, {c})"
        given = W.copy()
        raw = _call_as(fn, "max_norm", call, given, c)
        got = _shaped(raw, call, W.shape, "return the weights, one entry per entry of "
                      "W (the same shape).")
        want = _project(W, c)
        rtol = 1e-4 if _single(raw) else 1e-7
        if not np.array_equal(given, W):
            raise AssertionError(
                f"{call} changed W in place. Hint: return a NEW array (W * scale with "
                "one scale per row) and leave W as it was; the training loop decides "
                "where to write.")
        if np.allclose(got, want, rtol=rtol, atol=1e-9):
            continue
        rows = np.linalg.norm(W, axis=1, keepdims=True)
        cols = np.linalg.norm(W, axis=0, keepdims=True)
        frob = np.linalg.norm(W)
        for other, text in [
            (W * np.minimum(1.0, c / cols), "those are the COLUMNS rescaled; in torch's "
             "layout a unit's incoming weights are a ROW of W: norms over axis=1."),
            (W * c / rows, "every row was scaled to norm c, the short ones too; only "
             "rows LONGER than c change (scale by min(1, c / norm))."),
            (np.clip(W, -c, c), "that clips each entry to [-c, c]; the constraint is on "
             "the Euclidean NORM of each row: rescale the whole row."),
            (W * min(1.0, c / frob), "that rescales the whole matrix by its Frobenius "
             "norm; the constraint holds for each unit: one norm per row (axis=1)."),
            (W * c / frob, "that rescales the whole matrix by its Frobenius norm; the "
             "constraint holds for each unit: one norm per row (axis=1)."),
        ]:
            if np.allclose(got, other, rtol=1e-6, atol=1e-9):
                hint = text
                break
        else:
            hint = ("compute each row's norm, np.linalg.norm(W, axis=1, keepdims=True), "
                    "and multiply the row by min(1, c / norm).")
        i = int(np.argmax(np.abs(got - want).max(axis=1)))
        raise AssertionError(
            f"{call}: row {i} (norm {rows[i, 0]:.4g}) came out with norm "
            f"{np.linalg.norm(got[i]):.4g}, expected {np.linalg.norm(want[i]):.4g}. "
            f"Hint: {hint}")
    print("Correct: max_norm rescales every row longer than c to norm c and leaves\n"
          "the others alone (Srivastava et al. 2014, section 5.1).")


# ---------------------------------------------------------------- mc_gap

#: The passes of mc_gap's check, and the replicates of its statistical comparison.
_K = 200
_REPLICATES = 100

#: The layer sizes of mc_gap's network.
_WIDTHS = (8, 16, 16, 3)


@functools.lru_cache(maxsize=1)
def _gap_case():
    """A network with dropout and a test set on which Monte-Carlo averaging and the
    weight-scaling rule disagree often: the state of the network, X and y.

    From 3000 random inputs (120 test examples): 40 on which the mean softmax of 500
    dropout passes picks another class than eval mode, and 40 on which they agree,
    each with a margin of at least 0.15 between the mean probabilities of the first
    and second class (several standard errors of a 200-pass mean); and 40 on which
    the mean LOGITS pick another class than the mean softmax (margin >= 0.05), so
    that averaging logits is told apart. The label is the class of the mean softmax.
    With k = 200 the reference's gap is about 0.54 (standard deviation over runs
    about 0.019), averaging logits gives about 0.38: 8 standard deviations away, so
    a logit average that also draws in another order is told apart most of the time,
    not always (one in the reference's order is told apart exactly)."""
    import torch

    from lib import nets

    torch.manual_seed(8)
    model = nets.mlp(_WIDTHS, dropout=0.5, gain=3.0)
    X = torch.as_tensor(np.random.default_rng(8).normal(size=(3000, 8)))
    with torch.no_grad():
        model.eval()
        eval_class = model(X).argmax(dim=1)
        model.train()
        probs = torch.zeros(3000, 3, dtype=X.dtype)
        logits = torch.zeros(3000, 3, dtype=X.dtype)
        for _ in range(500):
            out = model(X)
            probs += torch.softmax(out, dim=1) / 500
            logits += out / 500
    model.eval()
    top2 = probs.topk(2, dim=1).values
    margin = top2[:, 0] - top2[:, 1]
    mc_class = probs.argmax(dim=1)
    clear = margin >= 0.15
    differ = clear & (mc_class != eval_class)
    agree = clear & (mc_class == eval_class)
    by_logits = (margin >= 0.05) & (logits.argmax(dim=1) != mc_class) & ~differ
    index = torch.cat([differ.nonzero()[:40, 0], by_logits.nonzero()[:40, 0],
                       agree.nonzero()[:40, 0]])
    if len(index) != 120:  # pragma: no cover - fixed by the seeds above
        raise RuntimeError("mc_gap's check found too few test examples")
    state = {k: v.clone() for k, v in model.state_dict().items()}
    return state, X[index].clone(), mc_class[index].clone()


def _gap_setup():
    """A fresh copy of the check's network (eval mode), its X and y (tensors)."""
    import torch

    from lib import nets

    state, X, y = _gap_case()
    torch.manual_seed(0)
    model = nets.mlp(_WIDTHS, dropout=0.5, gain=3.0)
    model.load_state_dict(state)
    model.eval()
    return model, X.clone(), y.clone()


def _reference_gap(model, X, y, k, seed, *, logits=False):
    """mc_gap as lib.dropout.mc_predict draws, after torch.manual_seed(seed): k
    train-mode passes of model(X), then one eval-mode pass. ``logits=True`` averages
    the logits instead of the probabilities (a wrong answer, for the hints)."""
    import torch

    torch.manual_seed(seed)
    model.train()
    with torch.no_grad():
        outs = torch.stack([model(X) for _ in range(k)])
        model.eval()
        scaled = model(X)
    mean = outs.mean(dim=0) if logits else torch.softmax(outs, dim=2).mean(dim=0)
    acc_mc = (mean.argmax(dim=1) == y).double().mean()
    acc_scaled = (scaled.argmax(dim=1) == y).double().mean()
    return float(acc_mc - acc_scaled)


def _gap_spread(model, X, y, k, seed):
    """The mean and standard deviation of the reference's answer over independent
    draws: _REPLICATES runs of k passes (each run batched as X repeated k times).

    The check's X and y never change, and an answer rarely changes the model, so the
    result is kept per (weights, k, seed): a second wrong answer costs nothing. torch's
    generator and the model's mode end as after the computation, cached or not."""
    import hashlib

    import torch

    weights = hashlib.sha256()
    for tensor in model.state_dict().values():
        weights.update(tensor.detach().cpu().numpy().tobytes())
    key = (weights.hexdigest(), k, seed)
    if key not in _SPREADS:
        if len(_SPREADS) >= 16:  # answers that keep changing the weights: stay small
            _SPREADS.clear()
        _SPREADS[key] = (_gap_spread_uncached(model, X, y, k, seed),
                         torch.get_rng_state())
    (mean, sd), rng = _SPREADS[key]
    torch.set_rng_state(rng)
    model.eval()
    return mean, sd


#: _gap_spread's results: {(sha256 of the model's weights, k, seed): ((mean, sd),
#: torch's generator state after the runs)}
_SPREADS: dict = {}


def _gap_spread_uncached(model, X, y, k, seed):
    import torch

    torch.manual_seed(seed)
    model.train()
    gaps = []
    with torch.no_grad():
        for _ in range(_REPLICATES):
            out = torch.softmax(model(X.repeat(k, 1)), dim=1)
            mean = out.reshape(k, X.shape[0], -1).mean(dim=0)
            gaps.append(float((mean.argmax(dim=1) == y).double().mean()))
        model.eval()
        scaled = float((model(X).argmax(dim=1) == y).double().mean())
    gaps = np.array(gaps) - scaled
    return float(gaps.mean()), float(gaps.std(ddof=1))


@check
def mc_gap(fn) -> None:
    """Check a student's ``mc_gap(model, X, y, k)``: the test accuracy of Monte-Carlo
    averaging (the mean of softmax(model(X)) over k passes with dropout on, as
    :func:`lib.dropout.mc_predict` computes it) MINUS the accuracy of the weight-scaling
    rule (one pass in eval mode), on (X, y); the model's mode is restored, from eval
    mode and from train mode (chapter
    "Dropout in practice, and Maxout"; Srivastava et al. 2014, section 7.5).

    The network and its 120 test examples are built so that the two rules disagree
    on about half of them: the gap is about +0.5 (see ``_gap_case``). torch is seeded before the
    student's call as before the reference's, so an answer that draws in the
    reference's order (k passes of model(X), as mc_predict) matches it exactly. One
    that draws in another order passes when its gap lies within 6 standard deviations
    of the reference's gap over 100 independent runs, plus one example (1/120): the
    gap is a count of examples, and the runs show how much it varies. Averaging
    logits, reversing the sign or leaving dropout off lie far outside."""
    model, X, y = _gap_setup()
    n = X.shape[0]
    results = []
    # the first call starts in eval mode, the second in train mode: both must be
    # restored (an answer that always ends with model.eval() fails the second)
    for k, seed, start in [(_K, 1, False), (20, 2, True)]:
        call = f"mc_gap(model, <tensor of shape {tuple(X.shape)}>, y, {k})"
        model.train(start)
        _torch_seed(seed)
        raw = _call_as(fn, "mc_gap", call, model, X.clone(), y.clone(), k)
        if model.training != start:
            was, left = ("train", "eval") if start else ("eval", "train")
            raise AssertionError(
                f"{call} left the model in {left} mode (it was in {was} mode). Hint: "
                "after the Monte-Carlo passes, put the model back as it was "
                "(was = model.training ... model.train(was)).")
        got = _number(raw, call)
        want = _reference_gap(model, X, y, k, seed)
        results.append((k, seed, call, got, want))
    if all(abs(got - want) <= 1e-9 for _, _, _, got, want in results):
        print("Correct: mc_gap = accuracy of the Monte-Carlo average of softmax\n"
              "outputs minus that of the weight-scaling rule.")
        return
    for k, seed, call, got, want in results:
        mean, sd = _gap_spread(model, X, y, k, seed + 100)
        if abs(got - mean) <= 6 * sd + 1 / n + 1e-9:
            continue
        logit_gap = _reference_gap(model, X, y, k, seed, logits=True)
        if abs(got) <= 1e-12:
            hint = ("a gap of exactly 0: dropout was off in the Monte-Carlo passes. "
                    "Call model.train() before them, model.eval() for the "
                    "weight-scaling pass.")
            if abs(logit_gap) <= 1e-12:
                hint += (" (Averaging the LOGITS instead of the softmax probabilities "
                         "also gives about 0 here.)")
        elif abs(got + mean) <= 6 * sd + 1 / n:
            hint = ("the sign is reversed: return the Monte-Carlo accuracy MINUS the "
                    "weight-scaling accuracy.")
        elif abs(got - 100 * mean) <= 100 * (6 * sd + 1 / n):
            hint = "that is in percent; return accuracies as fractions (0 to 1)."
        elif abs(got - logit_gap) < abs(got - mean):
            hint = ("that looks like averaging the LOGITS over the passes; average the "
                    "softmax probabilities (as mc_predict does), then take argmax.")
        else:
            hint = ("in train mode average torch.softmax(model(X), dim=1) over k "
                    "passes, take the accuracy of its argmax against y; subtract the "
                    "accuracy of model(X) in eval mode.")
        raise _wrong(call, got, f"{want:.4g} (about {mean:.3f} +- {6 * sd + 1 / n:.3f} "
                     "for another draw order)", hint)
    print("Correct: mc_gap = accuracy of the Monte-Carlo average of softmax\n"
          "outputs minus that of the weight-scaling rule.")


def _torch_seed(seed):
    """Seed torch's global generator (the caller seeds before the student's call)."""
    import torch

    torch.manual_seed(seed)
