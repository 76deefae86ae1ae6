"""Dropout from scratch, in numpy, in both of its conventions.

Introduced in chapter "Dropout". Two conventions are in use, and mixing them up is a
common mistake (the chapter measures what it costs):

- PyTorch's (*inverted* dropout, :func:`dropout`): ``p`` is the probability of
  DROPPING a unit. In training each unit is kept with probability ``1 - p`` and the
  kept ones are scaled by ``1 / (1 - p)``, so the expected output equals the input;
  at test time the layer is the identity.
- Srivastava et al. (2014)'s (:func:`paper_dropout`): ``p`` is the probability of
  RETAINING a unit. In training the kept units are not scaled; at test time every
  unit is kept and its outgoing weights are multiplied by ``p`` (section 1, Fig. 2;
  section 4 for the equations; :func:`paper_test_weights`).

Both give the same test-time network (:func:`paper_to_inverted`). :func:`mc_predict`
averages sampled thinned networks (section 7.5, Fig. 11) and :func:`linear_penalty`
is the ridge-like penalty dropout adds to linear regression (section 9).

Nothing here draws from numpy's global generator: every mask comes from a
``numpy.random.Generator`` the caller passes, so a chapter's numbers are reproducible.
"""

from __future__ import annotations

import numbers

import numpy as np

from lib import _validate

#: The most Monte-Carlo passes :func:`mc_predict` accepts: a typo such as 10**9 would
#: otherwise run for hours instead of saying what is wrong.
MAX_PASSES = 10_000

#: The most entries a mask from :func:`mask` may have (10**7 uniform draws take 80 MB).
MAX_ENTRIES = 10**7


def _rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator, got {type(rng).__name__}: pass "
            "numpy.random.default_rng(seed)")
    return rng


def _probability(name, value, edge, meaning, why):
    """``value`` checked as a probability in [0, 1] without the endpoint ``edge``,
    which gets a message of its own: what ``name`` means and why ``edge`` fails."""
    scalar = _validate._scalar(value)
    if isinstance(scalar, numbers.Real) and not isinstance(scalar, (bool, np.bool_)) \
            and scalar == edge:
        interval = "[0, 1)" if edge == 1 else "(0, 1]"
        raise ValueError(f"{name} must be in {interval} (the probability of {meaning}), "
                         f"got {edge}: {why}")
    return _validate.real(name, value, low=0.0, high=1.0,
                          low_open=edge == 0, high_open=edge == 1)


def _p_drop(p):
    return _probability("p", p, 1, "dropping a unit",
                        "p = 1 would drop every unit and divide by 1 - p = 0")


def _p_retain(p_retain):
    return _probability("p_retain", p_retain, 0, "retaining a unit",
                        "p_retain = 0 would drop every unit")


def _shape(shape) -> tuple:
    if isinstance(shape, (numbers.Integral, np.integer)) and not isinstance(
            shape, (bool, np.bool_)):
        shape = (shape,)
    if isinstance(shape, (str, bytes)) or not isinstance(shape, (tuple, list)):
        raise TypeError(f"shape must be an int or a tuple of ints, got "
                        f"{type(shape).__name__}")
    out = tuple(_validate.integer("each entry of shape", s, low=0, high=MAX_ENTRIES)
                for s in shape)
    if np.prod(out, dtype=float) > MAX_ENTRIES:
        raise ValueError(f"shape {out} has more than {MAX_ENTRIES:,} entries: the "
                         "book's masks are far smaller")
    return out


def mask(shape, p, rng) -> np.ndarray:
    """A dropout mask of ``shape``: True where a unit is kept, False where dropped.

    Each entry is dropped independently with probability ``p`` (PyTorch's convention),
    in [0, 1); the draws come from ``rng``, a ``numpy.random.Generator``
    (``numpy.random.default_rng(seed)``): one uniform number per entry, kept when it
    is >= p. ``p = 0`` keeps every unit and draws nothing from ``rng``.
    """
    shape = _shape(shape)
    p = _p_drop(p)
    rng = _rng(rng)
    if p == 0.0:
        return np.ones(shape, dtype=bool)
    return rng.random(shape) >= p


def dropout(x, p, rng=None, *, training: bool = True, return_mask: bool = False):
    """Inverted dropout (PyTorch's ``nn.Dropout``): ``x * mask / (1 - p)`` in training.

    ``p`` is the probability of DROPPING each entry of ``x``, in [0, 1); the mask is
    :func:`mask` drawn from ``rng`` (a ``numpy.random.Generator``, needed in training
    when p > 0). The kept entries are scaled by 1 / (1 - p), so the expected output is
    ``x`` itself; with ``training=False`` the layer is the identity (a float copy of
    ``x``, no rng needed). ``p = 0`` is the identity in both modes and draws nothing
    from ``rng``. ``return_mask=True`` returns ``(out, mask)``; the mask is all True
    when nothing was dropped (evaluation, or p = 0).
    """
    x = _validate.array("x", x, finite=True)
    p = _p_drop(p)
    training = _validate.boolean("training", training)
    return_mask = _validate.boolean("return_mask", return_mask)
    if training and p > 0:
        keep = mask(x.shape, p, _rng(rng))
        out = np.where(keep, x / (1.0 - p), 0.0)
    else:
        if rng is not None:
            _rng(rng)
        keep = np.ones(x.shape, dtype=bool)
        out = x.copy()
    return (out, keep) if return_mask else out


def paper_dropout(x, p_retain, rng=None, *, training: bool = True,
                  return_mask: bool = False):
    """Dropout in Srivastava et al. (2014)'s convention: ``p_retain`` keeps a unit.

    ``p_retain`` is the probability of RETAINING each entry of ``x``, in (0, 1]. In
    training the output is ``x * mask`` (no scaling: its expected value is
    ``x * p_retain``); at test time (``training=False``) it is ``x * p_retain``, which
    is the same as multiplying the outgoing weights by ``p_retain``
    (:func:`paper_test_weights`; the paper's section 1 and Fig. 2, with the equations
    in section 4). The mask is :func:`mask` with the dropping probability
    ``1 - p_retain``, drawn from ``rng``. ``return_mask=True`` returns ``(out, mask)``.
    """
    x = _validate.array("x", x, finite=True)
    q = _p_retain(p_retain)
    training = _validate.boolean("training", training)
    return_mask = _validate.boolean("return_mask", return_mask)
    if training and q < 1:
        keep = mask(x.shape, 1.0 - q, _rng(rng))
        out = np.where(keep, x, 0.0)
    else:
        if rng is not None:
            _rng(rng)
        keep = np.ones(x.shape, dtype=bool)
        out = x * q if not training else x.copy()
    return (out, keep) if return_mask else out


def paper_test_weights(W, p_retain) -> np.ndarray:
    """The test-time weights of a layer whose inputs were dropped in the paper's
    convention: ``W * p_retain`` (Srivastava et al. 2014, section 1 and Fig. 2: "the
    outgoing weights of that unit are multiplied by p at test time"; section 4 for the
    equations).

    ``p_retain`` is the probability of RETAINING a unit, in (0, 1]. Reading it as the
    probability of dropping (``W * (1 - p)``) or dividing (``W / p``, inverted
    dropout's training-time scaling) are the two common mistakes.
    """
    W = _validate.array("W", W, finite=True)
    q = _p_retain(p_retain)
    return W * q


def paper_to_inverted(W, p_retain) -> tuple:
    """The inverted-dropout layer equivalent to a paper-convention layer.

    A layer with weights ``W`` whose inputs are dropped with retention ``p_retain = q``
    (no scaling) computes ``W (m * x)``; an inverted-dropout layer with ``p = 1 - q``
    and weights ``q W`` computes ``q W (m * x) / q``, the same thing for every mask m.
    At test time the first uses ``q W`` (:func:`paper_test_weights`) and the second
    uses its own weights ``q W`` unchanged: the same network. Returns
    ``(q * W, 1 - q)``: the inverted layer's weights and its dropping probability.
    """
    W = _validate.array("W", W, finite=True)
    q = _p_retain(p_retain)
    return W * q, 1.0 - q


def mc_predict(model, X, k) -> np.ndarray:
    """Monte-Carlo model averaging (Srivastava et al. 2014, section 7.5, Fig. 11): the
    mean over ``k`` forward passes, with dropout ON (train mode), of
    ``softmax(model(X))``, as a numpy array (examples x classes).

    Each pass samples a new thinned network; the passes run under ``torch.no_grad()``
    one after another as ``torch.softmax(model(X), dim=1)``, so the result depends on
    torch's global generator: seed it (``torch.manual_seed``) before the call for a
    reproducible answer. ``k`` is a positive integer. The model's train/eval mode is
    restored afterwards. Compare with the weight-scaling rule: one pass in eval mode.
    """
    import torch
    from torch import nn

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    k = _validate.integer("k", k, low=1, high=MAX_PASSES)
    param = next(model.parameters(), None)
    dtype = param.dtype if param is not None else torch.float64
    if isinstance(X, torch.Tensor):
        if X.dtype.is_complex or X.dtype == torch.bool:
            raise TypeError(f"X must hold real numbers, got {X.dtype}")
        Xt = X.detach().to(dtype)
    else:
        Xt = torch.as_tensor(np.ascontiguousarray(_validate.array("X", X, finite=True)),
                             dtype=dtype)
    if Xt.ndim != 2:
        raise ValueError(f"X must be 2-D (examples x features), got shape "
                         f"{tuple(Xt.shape)}")
    if not torch.isfinite(Xt).all():
        raise ValueError("X must hold finite numbers, got NaN or infinity")
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if linears and Xt.shape[1] != linears[0].in_features:
        raise ValueError(f"X has {Xt.shape[1]} features per row, but the model's first "
                         f"layer takes {linears[0].in_features}")
    was_training = model.training
    model.train()
    try:
        with torch.no_grad():
            total = None
            for _ in range(k):
                probs = torch.softmax(model(Xt), dim=1)
                total = probs if total is None else total + probs
    finally:
        model.train(was_training)
    return (total / k).numpy()


def linear_penalty(X, w, p) -> float:
    """The penalty dropout adds to linear regression (Srivastava et al. 2014, sec. 9).

    Drop each input ``X[i, j]`` with probability ``p`` and scale the kept ones by
    1 / (1 - p) (PyTorch's convention, mask M): since E[M_ij / (1 - p)] = 1 and
    Var[M_ij / (1 - p)] = p / (1 - p),

        E_M ||y - (M * X / (1 - p)) w||^2
            = ||y - X w||^2 + p / (1 - p) * sum_j w_j^2 sum_i X_ij^2,

    a ridge penalty whose weight for w_j grows with the size of input j. This returns
    the penalty term ``p / (1 - p) * sum_j w_j^2 sum_i X_ij^2`` (it does not depend
    on y). The paper writes it in its own convention (R = retention probability, no
    scaling): E ||y - (R * X) w||^2 = ||y - pXw||^2 + p(1 - p) ||Gamma w||^2 with
    Gamma = diag(X^T X)^(1/2) and p the retention probability; substituting
    w = w~ / p turns it into ours with p_drop = 1 - p. ``X`` is examples x inputs,
    ``w`` one weight per input, ``p`` in [0, 1).
    """
    X = _validate.array("X", X, finite=True)
    w = _validate.array("w", w, finite=True)
    p = _p_drop(p)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (examples x inputs), got shape {X.shape}")
    if w.ndim != 1 or w.shape[0] != X.shape[1]:
        raise ValueError(f"w must be 1-D with one weight per column of X "
                         f"({X.shape[1]}), got shape {w.shape}")
    return float(p / (1.0 - p) * np.sum(w**2 * np.sum(X**2, axis=0)))
