"""Measurements of a network's insides: gradient norms per layer, activation statistics.

Introduced in chapter "Sigmoid and the vanishing gradient" (gradient norms per layer,
saturation); the ReLU and dying-ReLU chapters use the zero and dead fractions, and the
dying-ReLU chapter finds the dead units themselves (:func:`dead_units`). The
functions never change the model: gradients are cleared again, modes restored.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from lib import _validate
from lib.nets import linear_layers
from lib.train import _tensor_pair

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


@torch.no_grad()
def hidden_outputs(model: nn.Module, X) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pre-activations and outputs of every hidden layer of a Sequential MLP.

    Returns a list with one ``(pre, out)`` pair per activation module, in order, each
    an array of shape (examples, units). Dropout is off (eval mode).
    """
    model = _sequential(model)
    layers = linear_layers(model)
    if not layers:
        raise ValueError("model has no nn.Linear layer: hidden_outputs needs an MLP")
    if not isinstance(X, (torch.Tensor, np.ndarray)):
        raise TypeError(f"X must be a torch tensor or numpy array, got {type(X).__name__}")
    X = torch.as_tensor(X).to(layers[0].weight.dtype)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (examples x features), got shape {tuple(X.shape)}")
    was_training = model.training
    model.eval()
    pairs, h, pre = [], X, None
    for layer in model:
        if isinstance(layer, nn.Linear):
            h = pre = layer(h)
        else:
            h = layer(h)
            if not isinstance(layer, nn.Dropout) and pre is not None:
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
    regime everywhere" but still passes back ``slope`` times its gradient.
    """
    return [np.all(pre <= 0, axis=0) for pre, _ in hidden_outputs(model, X)]


def activation_stats(model: nn.Module, X, tol: float = 0.01) -> list[dict]:
    """Per hidden layer: mean and std of the outputs, saturated, zero and dead fractions.

    Saturation is measured as in :func:`saturated_fraction`, for the layer's own
    activation (sigmoid or tanh; 0 for the ReLU family).
    """
    names = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu", nn.LeakyReLU: "leaky_relu"}
    acts = [m for m in _sequential(model) if not isinstance(m, (nn.Linear, nn.Dropout))]
    stats = []
    for act, (_, out) in zip(acts, hidden_outputs(model, X)):
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
