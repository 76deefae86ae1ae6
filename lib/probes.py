"""Measurements of a network's insides: signals per layer, activation statistics.

Introduced in chapter "Sigmoid and the vanishing gradient": the error signal that
back-propagation sends down to every layer (:func:`backprop_norms`) and the spread of
each layer's activations across examples (:func:`activation_spread`), the two
quantities Glorot & Bengio (2010) watch, plus weight-gradient norms and saturation.
The ReLU and dying-ReLU chapters use the zero and dead fractions, and the dying-ReLU
chapter finds the dead units themselves (:func:`dead_units`) and the nearly dead
ones (:func:`active_share`, :func:`nearly_dead_units`). The functions never
change the model: gradients are cleared again, modes restored.

Maxout networks (chapter "Dropout in practice, and Maxout"): a
:class:`lib.nets.Maxout` layer is a hidden layer whose output is the maximum of its
pieces; it has no separate activation. :func:`hidden_outputs`,
:func:`activation_spread`, :func:`backprop_norms` and :func:`activation_stats` read
it as such (see each). "Dead" (pre-activation <= 0 everywhere, no gradient) does not
apply to a maxout unit: the gradient always reaches its winning piece, whatever the
sign. :func:`dead_units`, :func:`active_share` and :func:`nearly_dead_units` refuse a
maxout network by name. The noise layers (nn.Dropout, :class:`lib.nets.GaussianDropout`)
are off, as in eval mode.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from lib import _validate
from lib.nets import GaussianDropout, Maxout, _max_over_pieces, linear_layers
from lib.train import _as_tensor, _layers_fit, _tensor_pair

#: The layers that only add noise in training (the identity in eval mode).
_NOISE = (nn.Dropout, GaussianDropout)

#: Activations whose outputs approach a bound, with the bound(s): used for saturation.
_BOUNDED = {nn.Sigmoid: (0.0, 1.0), nn.Tanh: (-1.0, 1.0)}


def _sequential(model):
    if not isinstance(model, nn.Sequential):
        raise TypeError(
            "model must be an nn.Sequential such as lib.nets.mlp builds, "
            f"got {type(model).__name__}"
        )
    return model


def grad_norms(model: nn.Module, X, y) -> np.ndarray:
    """Norm of the cross-entropy gradient of each Linear layer's weights, input to output.

    The gradient is that of the mean loss over ``(X, y)`` at the model's current
    weights, with the model in eval mode (no dropout noise). The model's own ``.grad``
    fields are left as they were.
    """
    layers = linear_layers(model)
    if not layers:
        raise ValueError("model has no nn.Linear layer to measure")
    dtype = layers[0].weight.dtype
    X, y = _tensor_pair("X", X, "y", y, dtype, model)
    was_training = model.training
    model.eval()
    loss = nn.functional.cross_entropy(model(X), y)
    grads = torch.autograd.grad(loss, [layer.weight for layer in layers])
    model.train(was_training)
    return np.array([g.norm().item() for g in grads])


def _mlp_input(model, X, caller):
    """The Sequential MLP and ``X`` as a 2-D tensor of its dtype, both checked."""
    model = _sequential(model)
    layers = linear_layers(model)
    if not layers:
        raise ValueError(f"model has no nn.Linear layer: {caller} needs an MLP")
    X = _as_tensor("X", X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (examples x features), got shape {tuple(X.shape)}")
    X = X.to(layers[0].weight.dtype)
    if X.shape[1] != layers[0].in_features:
        raise ValueError(f"X has {X.shape[1]} features per row, but the model's first layer "
                         f"takes {layers[0].in_features}")
    if X.shape[0] == 0:
        raise ValueError(f"X must hold at least one example, got shape {tuple(X.shape)}")
    if not torch.isfinite(X).all():
        raise ValueError("X must hold finite numbers, got NaN or infinity")
    _layers_fit(model)
    return model, X


def _forward_linear_outputs(model, X):
    """Run a Sequential MLP in eval mode; return every Linear layer's output (its
    pre-activations a_l, in the graph; a Maxout layer's inner Linear's, its pieces)
    and the model's output."""
    outs, h = [], X
    for layer in model:
        if isinstance(layer, Maxout):
            z = layer.linear(h)
            outs.append(z)
            h = _max_over_pieces(z, layer.n_out, layer.k)
            continue
        h = layer(h)
        if isinstance(layer, nn.Linear):
            outs.append(h)
    return outs, h


def backprop_norms(model: nn.Module, X, y) -> np.ndarray:
    """The back-propagated error reaching every layer: one number per Linear layer,
    input to output (the last is the output layer's, the logits' error).

    For layer ``l`` with pre-activations ``a_l = W_l h_{l-1} + b_l`` this is the root
    mean square, over the examples of ``(X, y)``, of ``||d loss_i / d a_l||``, where
    ``loss_i`` is example i's cross-entropy: the size of the error signal that
    back-propagation hands to the layer, the quantity whose shrinking with depth is
    the vanishing gradient (Glorot & Bengio 2010, section 4.2.2 and Fig. 7). Unlike
    the weight-gradient norms of :func:`grad_norms`, it does not multiply in the size
    of the layer's inputs. Eval mode (no dropout noise); the model is left unchanged.
    For a :class:`lib.nets.Maxout` layer, a_l are the outputs of its inner Linear,
    all its pieces (only the winning piece of each unit receives an error).
    """
    model = _sequential(model)
    layers = linear_layers(model)
    if not layers:
        raise ValueError("model has no nn.Linear layer to measure")
    X, y = _tensor_pair("X", X, "y", y, layers[0].weight.dtype, model)
    if X.shape[0] == 0:
        raise ValueError("X must hold at least one example")
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            outs, logits = _forward_linear_outputs(model, X)
            loss = nn.functional.cross_entropy(logits, y, reduction="sum")
            grads = torch.autograd.grad(loss, outs)
    finally:
        model.train(was_training)
    n = X.shape[0]
    return np.array([(g.norm() / n**0.5).item() for g in grads])


@torch.no_grad()
def activation_spread(model: nn.Module, X) -> np.ndarray:
    """How much each layer's output varies from one example to another: one number per
    hidden layer, input to output, then one for the output layer (the logits).

    For each unit, the standard deviation of its output over the examples of ``X``;
    then the mean over the layer's units. This is the input-dependent part of a
    layer's activations: a layer whose units sit at different but fixed values for
    every input has a large overall standard deviation and a spread of 0, and passes
    no information about the input upwards (Glorot & Bengio 2010, Fig. 6, look at
    the same thing as histograms). Eval mode.
    """
    model, X = _mlp_input(model, X, "activation_spread")
    if X.shape[0] < 2:
        raise ValueError(f"X must hold at least 2 examples to have a spread, got {X.shape[0]}")
    pairs = hidden_outputs(model, X)
    was_training = model.training
    model.eval()
    logits = model(X).numpy()
    model.train(was_training)
    spreads = [out.std(axis=0).mean() for _, out in pairs] + [logits.std(axis=0).mean()]
    return np.array([float(s) for s in spreads])


@torch.no_grad()
def hidden_outputs(model: nn.Module, X) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pre-activations and outputs of every hidden layer of a Sequential MLP.

    Returns a list with one ``(pre, out)`` pair per activation module, in order, each
    an array of shape (examples, units). Dropout is off (eval mode).

    A :class:`lib.nets.Maxout` layer is a hidden layer of its own, with no separate
    activation: its pair has ``out`` the layer's output (the maximum of each unit's
    pieces) and ``pre`` the same array, the winning piece's value (the pre-activation
    of the piece the unit passes on; all pieces: :func:`backprop_norms`'s layers).
    """
    model, X = _mlp_input(model, X, "hidden_outputs")
    was_training = model.training
    model.eval()
    pairs, h, pre = [], X, None
    for layer in model:
        if isinstance(layer, Maxout):
            h = layer(h)
            pairs.append((h.numpy().copy(), h.numpy().copy()))
            pre = None
        elif isinstance(layer, nn.Linear):
            h = pre = layer(h)
        else:
            h = layer(h)
            if not isinstance(layer, _NOISE) and pre is not None:
                pairs.append((pre.numpy().copy(), h.numpy().copy()))
                pre = None
    model.train(was_training)
    return pairs


def saturated_fraction(outputs, activation: str, tol: float = 0.01) -> float:
    """Fraction of outputs within ``tol`` of a bounded activation's asymptotes.

    ``activation`` is ``"sigmoid"`` (bounds 0 and 1) or ``"tanh"`` (bounds -1 and 1);
    ``"relu"`` and ``"leaky_relu"`` have no asymptote on the positive side and give 0
    (count ReLU's zeros with :func:`zero_fraction`). ``tol`` must be in (0, 0.5).
    """
    out = _validate.array("outputs", outputs)
    _validate.choice("activation", activation, ("sigmoid", "tanh", "relu", "leaky_relu"))
    tol = _validate.real("tol", tol, low=0.0, high=0.5, low_open=True, high_open=True)
    if out.size == 0:
        raise ValueError("outputs must not be empty")
    if activation == "sigmoid":
        return float(np.mean((out < tol) | (out > 1 - tol)))
    if activation == "tanh":
        return float(np.mean(np.abs(out) > 1 - tol))
    return 0.0


def zero_fraction(outputs) -> float:
    """Fraction of entries that are exactly zero (ReLU's sparsity)."""
    out = _validate.array("outputs", outputs)
    if out.size == 0:
        raise ValueError("outputs must not be empty")
    return float(np.mean(out == 0))


def dead_fraction(outputs) -> float:
    """Fraction of units (columns) whose output is exactly zero for every example."""
    out = _validate.array("outputs", outputs)
    if out.ndim != 2 or out.size == 0:
        raise ValueError(
            f"outputs must be a non-empty 2-D array (examples x units), got shape {out.shape}"
        )
    return float(np.mean(np.all(out == 0, axis=0)))


def dead_units(model: nn.Module, X) -> list[np.ndarray]:
    """Which hidden units are dead on the data set ``X``: one boolean array per hidden
    layer, True for a unit whose pre-activation is <= 0 for every row of ``X``
    (chapter "Dying ReLUs").

    A dead ReLU unit outputs 0 on every example, and torch's ReLU passes back a zero
    gradient for every one of them. The test looks at pre-activations, so it applies
    to any activation: for Leaky ReLU or PReLU the same unit is "in the negative
    regime everywhere" but still passes back ``slope`` times its gradient. A model
    whose pre-activations are nan (a run that diverged) has no dead or alive units:
    that is a ValueError, not an answer.
    """
    return [np.all(pre <= 0, axis=0) for pre in _finite_pre(model, X, "dead_units")]


def active_share(model: nn.Module, X) -> list[np.ndarray]:
    """For every hidden layer, the share of the rows of ``X`` on which each unit is
    active (pre-activation > 0): one array of values in [0, 1] per hidden layer
    (chapter "Dying ReLUs").

    A dead unit (:func:`dead_units`) has share 0; a *nearly dead* one
    (:func:`nearly_dead_units`) a small positive share, so its gradient is small but
    not zero. A unit whose pre-activation is nan on some row (a run that diverged)
    gets share nan, so a probe called during training marks the epochs after a
    divergence instead of counting such units as dead (an infinite pre-activation
    still has a sign and counts as it). Eval mode; the model is left unchanged.
    """
    _no_maxout(model, "active_share")
    model, X = _mlp_input(model, X, "active_share")
    return [np.where(np.any(np.isnan(pre), axis=0), np.nan, np.mean(pre > 0, axis=0))
            for pre, _ in hidden_outputs(model, X)]


def _no_maxout(model, caller):
    if isinstance(model, nn.Module) and any(isinstance(m, Maxout) for m in model.modules()):
        raise ValueError(
            f"{caller}: model has Maxout layers, and a maxout unit is never dead: "
            "its gradient always reaches its winning piece, whatever the sign of its "
            "output (Goodfellow et al. 2013). Probe a network of ReLU-like units, or "
            "look at which pieces win instead")


def _finite_pre(model, X, caller):
    # the hidden layers' pre-activations, refused when a run diverged (nan)
    _no_maxout(model, caller)
    model, X = _mlp_input(model, X, caller)
    pres = [pre for pre, _ in hidden_outputs(model, X)]
    for k, pre in enumerate(pres, start=1):
        if np.any(np.isnan(pre)):
            raise ValueError(
                f"{caller}: the model's pre-activations in hidden layer {k} are nan: "
                "its training diverged, so no unit is dead or alive; check the run's "
                "loss before probing it")
    return pres


def nearly_dead_units(model: nn.Module, X, below: float = 0.01) -> list[np.ndarray]:
    """Which hidden units are active (pre-activation > 0) on fewer than a share
    ``below`` of the rows of ``X``: one boolean array per hidden layer (chapter
    "Dying ReLUs").

    Dead units (active on no row) are included. ``below`` must be in (0, 1]; the
    default 0.01 means "active on fewer than 1% of the examples". Such a unit still
    gets a gradient from the few rows it is active on, so a long enough run can
    revive it: "nearly dead" is a plateau, "dead" is for good (first layer). A model
    whose pre-activations are nan is refused, as by :func:`dead_units`.
    """
    below = _validate.real("below", below, low=0.0, high=1.0, low_open=True)
    return [np.mean(pre > 0, axis=0) < below
            for pre in _finite_pre(model, X, "nearly_dead_units")]


def activation_stats(model: nn.Module, X, tol: float = 0.01) -> list[dict]:
    """Per hidden layer: mean and std of the outputs, saturated, zero and dead fractions.

    Saturation is measured as in :func:`saturated_fraction`, for the layer's own
    activation (sigmoid or tanh; 0 for the ReLU family). A :class:`lib.nets.Maxout`
    layer gets its mean and std; its saturated, zero and dead fractions are nan (a
    maxout unit has no bound, no exact zeros to count, and is never dead).
    """
    tol = _validate.real("tol", tol, low=0.0, high=0.5, low_open=True, high_open=True)
    names = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu", nn.LeakyReLU: "leaky_relu"}
    acts = [m for m in _sequential(model) if not isinstance(m, (nn.Linear, *_NOISE))]
    stats = []
    for act, (_, out) in zip(acts, hidden_outputs(model, X)):  # noqa: B905
        if isinstance(act, Maxout):
            nan = float("nan")
            stats.append({"mean": float(out.mean()), "std": float(out.std()),
                          "saturated": nan, "zero": nan, "dead": nan})
            continue
        name = names.get(type(act))
        stats.append(
            {
                "mean": float(out.mean()),
                "std": float(out.std()),
                "saturated": saturated_fraction(out, name, tol) if name else float("nan"),
                "zero": zero_fraction(out),
                "dead": dead_fraction(out),
            }
        )
    return stats
