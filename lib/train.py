"""Seeded, deterministic training loops that return a history.

Introduced in chapter "Sigmoid and the vanishing gradient" (training curves of deep
sigmoid, tanh and ReLU networks); every later chapter that trains a model calls
:func:`fit`. Runs are small: full-batch training of an MLP on the digits finishes in
about a second on a laptop CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from lib import _validate

OPTIMIZERS = ("sgd", "adam")


@dataclass
class History:
    """What :func:`fit` recorded. Entry ``i`` of every list is measured after epoch ``i``;
    entry 0 is measured before any training."""

    loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)
    probes: dict = field(default_factory=dict)

    @property
    def epochs(self) -> int:
        """Number of epochs trained."""
        return len(self.loss) - 1


def _model_dtype(model) -> torch.dtype:
    """The dtype of the model's parameters; a model with none is refused by name."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    param = next(model.parameters(), None)
    if param is None:
        raise ValueError("model has no parameters to train or measure")
    return param.dtype


def _tensor_pair(name_x, X, name_y, y, dtype, model=None):
    if not isinstance(X, (torch.Tensor, np.ndarray)):
        raise TypeError(f"{name_x} must be a torch tensor or numpy array, got {type(X).__name__}")
    if not isinstance(y, (torch.Tensor, np.ndarray)):
        raise TypeError(f"{name_y} must be a torch tensor or numpy array, got {type(y).__name__}")
    X = torch.as_tensor(X).to(dtype)
    y = torch.as_tensor(y)
    if X.ndim != 2:
        raise ValueError(f"{name_x} must be 2-D (examples x features), got shape {tuple(X.shape)}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{name_y} must be 1-D with one label per row of {name_x} ({X.shape[0]}), "
            f"got shape {tuple(y.shape)}"
        )
    if y.dtype.is_floating_point or y.dtype == torch.bool:
        raise TypeError(f"{name_y} must hold integer class labels, got {y.dtype}")
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)] if model else []
    if linears:
        if X.shape[1] != linears[0].in_features:
            raise ValueError(
                f"{name_x} has {X.shape[1]} features per row, but the model's first layer "
                f"takes {linears[0].in_features}"
            )
        n_out = linears[-1].out_features
        if y.numel() and (y.min() < 0 or y.max() >= n_out):
            raise ValueError(
                f"{name_y} must hold class labels from 0 to {n_out - 1} (the model has "
                f"{n_out} outputs), got labels from {int(y.min())} to {int(y.max())}"
            )
    return X, y.long()


@torch.no_grad()
def evaluate(model: nn.Module, X, y) -> tuple[float, float]:
    """Cross-entropy loss and accuracy of ``model`` on ``(X, y)``, in eval mode."""
    dtype = _model_dtype(model)
    X, y = _tensor_pair("X", X, "y", y, dtype, model)
    was_training = model.training
    model.eval()
    out = model(X)
    model.train(was_training)
    loss = nn.functional.cross_entropy(out, y).item()
    acc = (out.argmax(dim=1) == y).double().mean().item()
    return loss, acc


def fit(
    model: nn.Module,
    X,
    y,
    *,
    epochs: int,
    lr: float,
    optimizer: str = "sgd",
    momentum: float = 0.0,
    batch_size: int | None = None,
    seed: int = 0,
    test=None,
    probes: dict | None = None,
    on_epoch=None,
) -> History:
    """Train ``model`` in place with cross-entropy and return its :class:`History`.

    ``optimizer`` is ``"sgd"`` (with optional ``momentum`` in [0, 1)) or ``"adam"``;
    ``batch_size=None`` trains full-batch, otherwise on mini-batches shuffled by a
    generator seeded with ``seed``. ``test=(X_test, y_test)`` also records test
    accuracy. ``probes`` maps a name to a function ``f(model) -> value`` evaluated
    before training and after every epoch (results in ``history.probes[name]``).
    ``on_epoch(epoch, history)``, if given, is called after every epoch (the book's
    playgrounds use it for a progress bar).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    epochs = _validate.integer("epochs", epochs, low=0)
    lr = _validate.real("lr", lr, low=0.0, low_open=True)
    _validate.choice("optimizer", optimizer, OPTIMIZERS)
    momentum = _validate.real("momentum", momentum, low=0.0, high=1.0, high_open=True)
    seed = _validate.integer("seed", seed, low=0, high=2**63 - 1)
    dtype = _model_dtype(model)
    X, y = _tensor_pair("X", X, "y", y, dtype, model)
    if batch_size is not None:
        batch_size = _validate.integer("batch_size", batch_size, low=1)
    if test is not None:
        if not isinstance(test, (tuple, list)) or len(test) != 2:
            raise TypeError("test must be a pair (X_test, y_test)")
        X_test, y_test = _tensor_pair("test[0]", test[0], "test[1]", test[1], dtype,
                                       model)
    if probes is not None and not isinstance(probes, dict):
        raise TypeError(f"probes must be a dict {{name: f(model)}}, got {type(probes).__name__}")
    probes = dict(probes or {})
    for name, probe in probes.items():
        if not callable(probe):
            raise TypeError(f"probes[{name!r}] must be a function of the model")
    if on_epoch is not None and not callable(on_epoch):
        raise TypeError("on_epoch must be a function (epoch, history) or None")

    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    history = History(probes={name: [] for name in probes})

    def record():
        loss, acc = evaluate(model, X, y)
        history.loss.append(loss)
        history.train_acc.append(acc)
        if test is not None:
            history.test_acc.append(evaluate(model, X_test, y_test)[1])
        for name, probe in probes.items():
            history.probes[name].append(probe(model))

    record()
    n = X.shape[0]
    for epoch in range(1, epochs + 1):
        model.train()
        if batch_size is None:
            batches = [slice(None)]
        else:
            order = torch.randperm(n, generator=gen)
            batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
        for idx in batches:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
        record()
        if on_epoch is not None:
            on_epoch(epoch, history)
    model.eval()
    return history
