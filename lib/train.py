"""Seeded, deterministic training loops that return a history.

Introduced in chapter "Sigmoid and the vanishing gradient" (training curves of deep
sigmoid, tanh and ReLU networks); every later chapter that trains a model calls
:func:`fit`. Runs are small: full-batch training of an MLP on the digits finishes in
about a second on a laptop CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from lib import _validate
from lib.nets import (
    DropConnectLinear,
    Elementwise,
    GaussianDropout,
    Maxout,
    _max_over_pieces,
    linear_layers,
)

OPTIMIZERS = ("sgd", "adam")

#: The most epochs :func:`fit` and :func:`fit_many` accept: a typo such as 10**9 would
#: otherwise run for days instead of saying what is wrong.
MAX_EPOCHS = 100_000

#: The largest max-norm radius :func:`fit` and :func:`fit_many` accept (Srivastava et
#: al. 2014 use c of about 3 to 4): a larger one never binds on the book's networks.
MAX_NORM = 1e6

#: The largest weight decay :func:`fit` and :func:`fit_many` accept: with a learning
#: rate of 0.1, a decay of 10 already shrinks every weight to 0 in one step.
MAX_DECAY = 100.0


@dataclass
class History:
    """What :func:`fit` recorded. Entry ``i`` of every list is measured after epoch ``i``;
    entry 0 is measured before any training."""

    loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)
    #: test cross-entropy, recorded with ``test_acc`` (chapter "Overfitting and
    #: regularisation": a test loss can rise while the test accuracy does not fall)
    test_loss: list = field(default_factory=list)
    probes: dict = field(default_factory=dict)

    @property
    def epochs(self) -> int:
        """Number of epochs trained."""
        return len(self.loss or self.test_acc) - 1


def _model_dtype(model) -> torch.dtype:
    """The dtype of the model's parameters; a model with none is refused by name."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    param = next(model.parameters(), None)
    if param is None:
        raise ValueError("model has no parameters to train or measure")
    return param.dtype


def _as_tensor(name, value, *, labels=False):
    """A numpy array or torch tensor as a detached, contiguous torch tensor, refused by
    name when it holds no real numbers (or, for ``labels``, no integers)."""
    if not isinstance(value, (torch.Tensor, np.ndarray)):
        raise TypeError(f"{name} must be a torch tensor or numpy array, got "
                        f"{type(value).__name__}")
    if isinstance(value, np.ndarray):
        if value.dtype != bool and not np.issubdtype(value.dtype, np.number):
            raise TypeError(f"{name} must hold numbers, got an array of {value.dtype}")
        if labels and np.issubdtype(value.dtype, np.unsignedinteger):
            # torch has no min or max for most unsigned types: read them as int64
            if value.size and value.max() > np.iinfo(np.int64).max:
                raise ValueError(f"{name} holds a label too large for int64")
            value = value.astype(np.int64)
        value = torch.from_numpy(np.ascontiguousarray(value))  # X[::-1] too
    else:
        value = value.detach()
        if labels and value.dtype in (torch.uint16, torch.uint32, torch.uint64):
            value = value.to(torch.int64)
    if value.dtype.is_complex:
        raise TypeError(f"{name} must hold real numbers, got {value.dtype}")
    return value


def _layers_fit(model):
    """Refuse, by name, a Sequential model whose Linear layers do not chain (a layer
    that takes another width than the one before it gives), before torch fails on it
    with "mat1 and mat2 shapes cannot be multiplied"."""
    if not isinstance(model, nn.Sequential):
        return
    sizes = [(type(m).__name__, m.in_features, m.out_features) if isinstance(m, nn.Linear)
             else ("Maxout", m.n_in, m.n_out) for m in model
             if isinstance(m, (nn.Linear, Maxout))]
    for before, after in zip(sizes[:-1], sizes[1:]):
        if before[2] != after[1]:
            raise ValueError(
                f"model's layers do not fit together: a {before[0]} layer gives "
                f"{before[2]} features and the next one takes {after[1]}")


def _input_features(model, linears):
    """The number of features per row the model takes: its first Linear layer's
    inputs, or, for a model that starts by making images of the rows (an
    nn.Unflatten such as :class:`lib.nets.ToImages`, chapter "A CNN with ReLU and
    dropout"), the number of pixels of one image."""
    first = next(iter(model.children()), None) if isinstance(model, nn.Sequential) else None
    if isinstance(first, nn.Unflatten) and first.dim in (1, -1):
        return math.prod(first.unflattened_size)
    return linears[0].in_features


def _tensor_pair(name_x, X, name_y, y, dtype, model=None):
    X = _as_tensor(name_x, X)
    y = _as_tensor(name_y, y, labels=True)
    if X.ndim != 2:
        raise ValueError(f"{name_x} must be 2-D (examples x features), got shape {tuple(X.shape)}")
    X = X.to(dtype)
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{name_y} must be 1-D with one label per row of {name_x} ({X.shape[0]}), "
            f"got shape {tuple(y.shape)}"
        )
    if y.dtype.is_floating_point or y.dtype == torch.bool:
        raise TypeError(f"{name_y} must hold integer class labels, got {y.dtype}")
    if X.shape[0] == 0:
        raise ValueError(f"{name_x} must hold at least one example, got shape "
                         f"{tuple(X.shape)}")
    if not torch.isfinite(X).all():
        raise ValueError(f"{name_x} must hold finite numbers, got NaN or infinity")
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)] if model else []
    if linears:
        _layers_fit(model)
    if linears:
        if X.shape[1] != _input_features(model, linears):
            raise ValueError(
                f"{name_x} has {X.shape[1]} features per row, but the model's first layer "
                f"takes {_input_features(model, linears)}"
            )
        n_out = linears[-1].out_features
        if y.min() < 0 or y.max() >= n_out:
            raise ValueError(
                f"{name_y} must hold class labels from 0 to {n_out - 1} (the model has "
                f"{n_out} outputs), got labels from {int(y.min())} to {int(y.max())}"
            )
    return X, y.long()


def _callback(name, fn, *args):
    """Call a function the caller passed (a probe, on_epoch, build); its failure is a
    ValueError that names the argument, chained to the original error."""
    try:
        return fn(*args)
    except Exception as exc:
        raise ValueError(f"{name} failed: {type(exc).__name__}: {exc}") from exc


def _batches(n, batch_size, gen):
    """One epoch's mini-batches of ``n`` examples (all of them when ``batch_size`` is
    None), shuffled by ``gen``: the same order for :func:`fit` and :func:`fit_many`."""
    if batch_size is None:
        return [slice(None)]
    order = torch.randperm(n, generator=gen)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def _test_and_probes(test, probes, dtype, model):
    """:func:`fit`'s and :func:`fit_many`'s ``test`` pair as tensors (None, None when
    not given) and ``probes`` as a dict of functions, both checked."""
    X_test = y_test = None
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
    return X_test, y_test, probes


def _constrained(model, max_norm):
    """The weights ``max_norm`` constrains: those of every Linear layer but the last
    (see :func:`fit`); a model without a hidden layer is refused by name."""
    weights = [layer.weight for layer in linear_layers(model)[:-1]]
    if max_norm is not None and not weights:
        raise ValueError("max_norm constrains the incoming weights of hidden units, and "
                         "the model has no hidden layer (one Linear layer or none)")
    return weights


def _project_rows(weight, c):
    """Scale, in place, each row of ``weight`` (last axis: a unit's incoming weights)
    whose Euclidean norm exceeds ``c`` back to norm ``c``; other rows are multiplied
    by exactly 1. ``c`` is a number or a tensor that broadcasts (one per model)."""
    norms = torch.linalg.vector_norm(weight, dim=-1, keepdim=True)
    weight.mul_((c / norms).clamp(max=1.0))


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
    weight_decay: float = 0.0,
    batch_size: int | None = None,
    seed: int = 0,
    test=None,
    probes: dict | None = None,
    on_epoch=None,
    max_norm: float | None = None,
) -> History:
    """Train ``model`` in place with cross-entropy and return its :class:`History`.

    ``optimizer`` is ``"sgd"`` (with optional ``momentum`` in [0, 1)) or ``"adam"``;
    ``batch_size=None`` trains full-batch, otherwise on mini-batches shuffled by a
    generator seeded with ``seed``. ``weight_decay`` (>= 0) adds ``weight_decay``
    times every parameter, biases included, to its gradient before each step: torch's
    ``weight_decay`` of SGD and Adam, the gradient of an L2 penalty
    ``weight_decay / 2 * sum of squared parameters`` (chapter "Overfitting and
    regularisation"). ``test=(X_test, y_test)`` also records test accuracy and test
    loss. ``probes`` maps a name to a function ``f(model) -> value`` evaluated
    before training and after every epoch (results in ``history.probes[name]``).
    ``on_epoch(epoch, history)``, if given, is called after every epoch (the book's
    playgrounds use it for a progress bar).

    ``max_norm`` (chapter "Dropout in practice, and Maxout"), a radius c > 0, is
    Srivastava et al.'s (2014, section 5.1) max-norm constraint: after every
    optimizer step, the incoming weight vector of each hidden unit (a row of a
    hidden Linear layer's weight) whose norm exceeds c is scaled back to norm c,
    a projection onto the ball ||w|| <= c; biases are left alone. For a
    :class:`lib.nets.Maxout` layer each *piece*'s incoming weights (a row of its
    inner Linear) are constrained, as in Goodfellow et al.'s (2013) maxout code.
    The hidden layers are all of the model's Linear layers (inner ones included,
    :func:`lib.nets.linear_layers`) but the last: the output layer is not
    constrained, since the paper speaks of hidden units (Goodfellow et al.'s
    pylearn2 settings also constrain their softmax layer; the book does not). The
    optimizer's state (momentum) is not touched. ``None`` (the default) applies no
    constraint.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    epochs = _validate.integer("epochs", epochs, low=0, high=MAX_EPOCHS)
    lr = _validate.real("lr", lr, low=0.0, low_open=True)
    _validate.choice("optimizer", optimizer, OPTIMIZERS)
    momentum = _validate.real("momentum", momentum, low=0.0, high=1.0, high_open=True)
    weight_decay = _validate.real("weight_decay", weight_decay, low=0.0, high=MAX_DECAY)
    seed = _validate.integer("seed", seed, low=0, high=2**63 - 1)
    dtype = _model_dtype(model)
    X, y = _tensor_pair("X", X, "y", y, dtype, model)
    if batch_size is not None:
        batch_size = _validate.integer("batch_size", batch_size, low=1)
    X_test, y_test, probes = _test_and_probes(test, probes, dtype, model)
    if on_epoch is not None and not callable(on_epoch):
        raise TypeError("on_epoch must be a function (epoch, history) or None")
    if max_norm is not None:
        max_norm = _validate.real("max_norm", max_norm, low=0.0, low_open=True,
                                  high=MAX_NORM)
    constrained = _constrained(model, max_norm)

    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum,
                              weight_decay=weight_decay)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(seed)
    history = History(probes={name: [] for name in probes})

    def record():
        loss, acc = evaluate(model, X, y)
        history.loss.append(loss)
        history.train_acc.append(acc)
        if test is not None:
            test_loss, test_acc = evaluate(model, X_test, y_test)
            history.test_loss.append(test_loss)
            history.test_acc.append(test_acc)
        for name, probe in probes.items():
            history.probes[name].append(_callback(f"probes[{name!r}]", probe, model))

    record()
    n = X.shape[0]
    for epoch in range(1, epochs + 1):
        model.train()
        for idx in _batches(n, batch_size, gen):
            opt.zero_grad()
            with torch.enable_grad():  # also when called inside torch.no_grad()
                loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
                loss.backward()
            opt.step()
            if max_norm is not None:
                with torch.no_grad():
                    for weight in constrained:
                        _project_rows(weight, max_norm)
        record()
        if on_epoch is not None:
            _callback("on_epoch", on_epoch, epoch, history)
    model.eval()
    return history


#: How many examples :func:`fit_many` evaluates at once (of every model) for models
#: with image layers (chapter "A CNN with ReLU and dropout"). Torch's float64
#: convolution slows down per image on large batches (its unfolded input leaves the
#: cache): 600 test shapes for 10 networks took 250 ms in slices of 204 examples,
#: 117 ms in slices of 32, the training batch size.
EVAL_CHUNK = 32

#: The modules :func:`fit_many` can stack: those :func:`lib.nets.mlp` builds.
_STACKABLE = (nn.Linear, Maxout, nn.ReLU, nn.LeakyReLU, nn.PReLU, nn.Sigmoid, nn.Tanh,
              nn.Dropout, Elementwise, GaussianDropout)

#: The layers of :func:`lib.nets.cnn` that :func:`fit_many` stacks too (chapter "A CNN
#: with ReLU and dropout"): they act on images, between an Unflatten and a Flatten.
_IMAGE_LAYERS = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.Dropout2d)

#: The layers whose rate ``p`` may differ between the models of :func:`fit_many`.
_RATED = (nn.Dropout, GaussianDropout, DropConnectLinear, nn.Dropout2d)


def _same_architecture(models):
    if isinstance(models, nn.Module) or not isinstance(models, (list, tuple)):
        raise TypeError("models must be a list of torch nn.Modules of the same architecture, "
                        f"got {type(models).__name__}")
    if not models:
        raise ValueError("models must hold at least one model")
    for i, model in enumerate(models):
        if not isinstance(model, nn.Module):
            raise TypeError(f"models[{i}] must be a torch nn.Module, got {type(model).__name__}")
        _model_dtype(model)
    def layout(model):  # names, shapes, dtypes, and which layers share a parameter
        first = {}
        return [(n, p.shape, p.dtype, first.setdefault(id(p), n))
                for n, p in model.named_parameters(remove_duplicate=False)]

    shapes = [layout(m) for m in models]
    for i, s in enumerate(shapes[1:], start=1):
        if s != shapes[0] or type(models[i]) is not type(models[0]):
            raise ValueError(
                f"models[{i}] differs from models[0] in its parameters' names, shapes or "
                "dtypes: models trained side by side must share one architecture")
    for i, model in enumerate(models):
        bad = [type(x).__name__ for x in model.children()
               if not isinstance(x, (*_STACKABLE, *_IMAGE_LAYERS, nn.Flatten, nn.Unflatten))]
        if not isinstance(model, nn.Sequential) or bad:
            raise ValueError(
                f"models[{i}] must be an nn.Sequential of Linear or Maxout layers, "
                f"activations and Dropout, such as lib.nets.mlp builds (or of the conv, "
                f"pooling and Dropout2d layers lib.nets.cnn adds); it has "
                f"{bad or type(model).__name__}")
    _image_layout(models[0])
    # fit_many computes every model with models[0]'s modules, so the modules without
    # parameters must be the same too; only a Dropout's rate may differ (it is read
    # from each model)
    for i, model in enumerate(models[1:], start=1):
        if len(model) != len(models[0]):
            raise ValueError(
                f"models[{i}] has {len(model)} layers and models[0] {len(models[0])}: "
                "models trained side by side must share one architecture")
        for j, (mine, base) in enumerate(zip(model, models[0])):
            if type(mine) is not type(base) or (
                    not isinstance(mine, _RATED) and repr(mine) != repr(base)):
                raise ValueError(
                    f"models[{i}] differs from models[0] in layer {j} ({mine} instead of "
                    f"{base}): models trained side by side must share one architecture "
                    "(only Dropout rates may differ, and those of GaussianDropout and "
                    "DropConnectLinear)")
    return list(models)


def _image_layout(model) -> None:
    """Refuse, by name, a model whose image layers :func:`fit_many` cannot stack:
    conv, pooling and Dropout2d layers must act on images (after an nn.Unflatten of
    dim 1 into (channels, height, width), before an nn.Flatten of all but the first
    axis), the other layers with parameters or noise on rows, and the output must
    be rows."""
    images = False
    for j, module in enumerate(model):
        what = f"models[0]'s layer {j} ({module})"
        if isinstance(module, nn.Unflatten):
            if images or module.dim not in (1, -1) or len(module.unflattened_size) != 3:
                raise ValueError(f"{what}: fit_many stacks an Unflatten of rows into "
                                 "images (channels, height, width) only")
            images = True
        elif isinstance(module, nn.Flatten):
            if not images or module.start_dim != 1 or module.end_dim != -1:
                raise ValueError(f"{what}: fit_many stacks a Flatten of images "
                                 "(start_dim=1, end_dim=-1) only, after an Unflatten")
            images = False
        elif isinstance(module, _IMAGE_LAYERS):
            if not images:
                raise ValueError(f"{what} acts on images: put it between an Unflatten "
                                 "and a Flatten")
            if isinstance(module, nn.Conv2d) and module.padding_mode != "zeros":
                raise ValueError(f"{what}: fit_many stacks conv layers with zero "
                                 "padding only")
        elif images and isinstance(module, (nn.Linear, Maxout, nn.PReLU,
                                            GaussianDropout)):
            raise ValueError(f"{what} acts on rows: put it after a Flatten")
    if images:
        raise ValueError("models[0] ends with images: end it with a Flatten and a "
                         "Linear layer, as lib.nets.cnn does")


def _dropout_rates(models) -> dict:
    """Each Dropout layer's rate in every model: {layer index: [p of model 0, ...]}."""
    return {j: [float(model[j].p) for model in models]
            for j, module in enumerate(models[0]) if isinstance(module, nn.Dropout)}


def _noise_rates(models, dtype, m) -> dict:
    """The rate of every GaussianDropout and DropConnectLinear layer, one per model:
    {layer index: tensor (models x 1 x 1)}, or None where every model's rate is 0
    (the layer then draws nothing, as the module with p = 0)."""
    rates = {}
    for j, module in enumerate(models[0]):
        if isinstance(module, (GaussianDropout, DropConnectLinear)):
            ps = [float(model[j].p) for model in models]
            rates[j] = torch.tensor(ps, dtype=dtype).view(m, 1, 1) if any(ps) else None
    return rates


def _dropout_per_model(h, rates):
    """Inverted dropout of ``h`` (models x examples x features) with model i's own
    rate ``rates[i]``: one uniform draw per entry, kept where it is >= the rate, kept
    entries scaled by 1 / (1 - rate). A rate of 0 keeps everything unscaled. (One
    rate shared by every model goes to :func:`_dropout_shared` instead.)"""
    u = torch.rand(h.shape, dtype=h.dtype)
    keep = u >= rates
    return h * keep / (1 - rates)


def _dropout_shared(h, rate):
    """Inverted dropout of ``h`` (models x examples x features) with one rate in
    (0, 1) for every model: the same uniform draw and the same kept entries as
    :func:`_dropout_per_model` with that rate in every model (the kept ones scaled by
    1 / (1 - rate) up to rounding), made in place as one mask of 0 and 1 / (1 - rate):
    about a quarter less CPU time, forward and backward, than torch's dropout."""
    mask = torch.rand(h.shape, dtype=h.dtype).ge_(rate).mul_(1 / (1 - rate))
    return h * mask


def _dropout_on_images(h, m, p, rates, train_mode):
    """An nn.Dropout (rate ``p``, or each model's ``rates``, models x 1 x 1) on images
    ``h`` (examples x models*channels x H x W): every pixel of every channel drawn
    on its own, as :func:`_dropout_per_model` draws rows."""
    if not train_mode or (rates is None and not 0 < p < 1):
        return nn.functional.dropout(h, p, training=train_mode)
    rows = h.reshape(h.shape[0], m, -1).transpose(0, 1)
    rows = _dropout_per_model(rows, p if rates is None else rates)
    return rows.transpose(0, 1).reshape(h.shape)


def _image_step(module, h, m, i, params, alias, rates2d, train_mode):
    """One image layer of :func:`fit_many`'s forward pass for ``m`` models at once
    (chapter "A CNN with ReLU and dropout"): rows (models x examples x features) and
    images (examples x models*channels x H x W) as in its ``forward``."""
    if isinstance(module, nn.Unflatten):              # rows -> images
        c, height, width = module.unflattened_size
        return h.transpose(0, 1).reshape(h.shape[1], m * c, height, width)
    if isinstance(module, nn.Flatten):                # images -> rows, torch's order
        return h.reshape(h.shape[0], m, -1).transpose(0, 1)
    if isinstance(module, nn.Conv2d):
        # model i's filters read only its own channels: one conv with m times the
        # groups, the stacked weights (models x out x in x kh x kw) as one filter bank
        W = params[alias[f"{i}.weight"]]
        W = W.reshape(-1, *W.shape[2:])
        bias = (params[alias[f"{i}.bias"]].reshape(-1) if f"{i}.bias" in alias
                else None)
        return nn.functional.conv2d(h, W, bias, module.stride, module.padding,
                                    module.dilation, m * module.groups)
    if isinstance(module, nn.Dropout2d):
        rates = rates2d[i]
        if rates is None or not train_mode:  # one rate for all: torch's, per channel
            return nn.functional.dropout2d(h, module.p, training=train_mode)
        # each model its own rate: one draw per example and channel (model's own)
        col = rates.repeat_interleave(h.shape[1] // m).view(1, -1, 1, 1)
        keep = torch.rand((*h.shape[:2], 1, 1), dtype=h.dtype) >= col
        return h * keep / (1 - col)
    return module(h)                                  # pooling: per channel


def _training_sets(X, y, dtype, model, m):
    """:func:`fit_many`'s training data as tensors: ``X`` 2-D (examples x features)
    and ``y`` 1-D, one set for every model (checked as :func:`fit` checks them), or
    ``X`` 3-D (models x examples x features) and ``y`` 2-D (models x examples), set i
    for model i, each checked the same way and named ``X[i]``, ``y[i]``."""
    if getattr(X, "ndim", None) != 3:
        return _tensor_pair("X", X, "y", y, dtype, model)
    X = _as_tensor("X", X)
    y = _as_tensor("y", y, labels=True)
    if X.shape[0] != m:
        raise ValueError(
            f"X is 3-D, one training set per model (models x examples x features): it "
            f"must hold len(models) = {m} sets, got {X.shape[0]} (shape "
            f"{tuple(X.shape)})")
    if y.ndim != 2 or tuple(y.shape) != tuple(X.shape[:2]):
        raise ValueError(
            f"y must be 2-D (models x examples) with one label per example of X, shape "
            f"{tuple(X.shape[:2])}, got shape {tuple(y.shape)}")
    pairs = [_tensor_pair(f"X[{i}]", X[i], f"y[{i}]", y[i], dtype, model)
             for i in range(m)]
    return (torch.stack([x for x, _ in pairs]).contiguous(),
            torch.stack([labels for _, labels in pairs]))


def _per_model(name, value, m, **bounds) -> list:
    """``value`` for each of :func:`fit_many`'s ``m`` models: one number for all, or a
    list (or 1-d array) of ``m``, each checked by ``_validate.real`` with ``bounds``."""
    if isinstance(value, (list, tuple)) or getattr(value, "ndim", 0) == 1:  # 0-d: one
        values = [_validate.real(f"{name}[{i}]", v, **bounds) for i, v in enumerate(value)]
        if len(values) != m:
            raise ValueError(f"{name} must be one number or a list of {m} (one per model of "
                             f"models), got a list of {len(values)}")
        return values
    return [_validate.real(name, value, **bounds)] * m


def _max_norms(value, m) -> list:
    """:func:`fit_many`'s ``max_norm`` for each of ``m`` models: a radius > 0 or None
    (no constraint) each."""
    bounds = dict(low=0.0, low_open=True, high=MAX_NORM)
    if value is None:
        return [None] * m
    if isinstance(value, (list, tuple)) or getattr(value, "ndim", 0) == 1:
        values = [None if v is None else _validate.real(f"max_norm[{i}]", v, **bounds)
                  for i, v in enumerate(value)]
        if len(values) != m:
            raise ValueError(f"max_norm must be None, one number or a list of {m} (one "
                             f"per model of models), got a list of {len(values)}")
        return values
    return [_validate.real("max_norm", value, **bounds)] * m


def fit_many(
    models,
    X,
    y,
    *,
    epochs: int,
    lr,
    optimizer: str = "sgd",
    momentum=0.0,
    weight_decay=0.0,
    batch_size: int | None = None,
    seed: int = 0,
    test=None,
    probes: dict | None = None,
    max_norm=None,
    history: bool | str = True,
    optimizer_state: dict | None = None,
) -> list | None:
    """Train several models of one architecture side by side; one :class:`History` each.

    Chapter "Dying ReLUs" trains grids of networks (learning rates x initial biases)
    this way: their parameters are stacked along a new first axis and every step
    computes all of them in one batched pass (``torch.bmm``), far faster than one
    :func:`fit` after another. Each model sees the same mini-batches (shuffled by
    ``seed``, exactly as :func:`fit` does) and gets exactly its own gradient, because
    the summed loss has no term that mixes two models; so each result equals
    :func:`fit` on that model alone (same optimizer, momentum and weight decay) up
    to rounding. Not
    for models with dropout: their masks are drawn in another order than :func:`fit`
    draws them (from torch's global generator: seed it), so those runs differ from
    :func:`fit`'s, though they follow the same distribution.

    Dropout (chapter "Dropout"): each model is trained with its own Dropout rates
    (``nn.Dropout(p)`` at the same positions, e.g. ``lib.nets.mlp`` with different
    ``dropout`` or ``input_dropout``; every model draws its own masks): one uniform
    number per entry is drawn (from torch's global generator) and model i keeps the
    entries >= its rate, scaled by 1 / (1 - rate). Where all models share a rate
    p > 0, the draw and the kept entries are the same as with p in every model's own
    column (chapter "Dropout in practice, and Maxout": the mask is built in place,
    a quarter cheaper than torch's ``dropout``). A rate of 0 (an
    ``nn.Dropout(0.0)``) draws nothing where all models share it and trains exactly
    as the same network without the layer. Apart from Dropout rates, the models'
    layers must be the same.

    Chapter "Dropout in practice, and Maxout" adds :class:`lib.nets.GaussianDropout`
    and :class:`lib.nets.DropConnectLinear` layers (``lib.nets.mlp(noise="gaussian")``,
    ``mlp(dropconnect=p)``), whose rates may differ between the models too: each
    model draws its own noise (N(1, p/(1-p)) per entry; one weight mask per model and
    step, as the module draws one per mini-batch), from torch's global generator in
    another order than :func:`fit`. A layer whose rate is 0 in every model draws
    nothing and trains exactly as :func:`fit` would.

    ``seed`` is one seed for all (every model sees the same mini-batches) or a list
    with one per model (model i's mini-batches are shuffled by ``seed[i]``, as
    :func:`fit` with ``seed=seed[i]`` would shuffle them).

    ``lr`` is one learning rate for all or a list with one per model; ``optimizer``
    is ``"sgd"`` (with ``momentum`` as torch's SGD: no dampening, no Nesterov) or
    ``"adam"`` (torch's Adam, betas 0.9 and 0.999, eps 1e-8; ``momentum`` must then be
    0). ``weight_decay`` is one number for all or a list with one per model, added to
    the gradient as in :func:`fit` (chapter "Overfitting and regularisation" trains a
    sweep of decays side by side); ``test`` and ``probes`` as in :func:`fit` (a probe
    is called on each model). The models are updated in place and left in eval mode.

    ``X`` (examples x features) and ``y`` (one label per example) are one training
    set for all models, or, as chapter "Dropout in practice, and Maxout" trains each
    seed on its own random subset of the digits (training-set size per seed), ``X``
    is 3-D (models x examples x features) and ``y`` 2-D (models x examples): model
    i trains on ``(X[i], y[i])``, all sets of one size. Mini-batches are then the
    positions ``seed`` (or ``seed[i]``) draws, taken from each model's own set; the
    recorded ``loss`` and ``train_acc`` are on the model's own set, ``test`` stays one
    set for all. Model i's run then equals ``fit_many([models[i]], X[i], y[i], ...)``
    up to rounding (for models without dropout).

    Chapter "Dropout in practice, and Maxout" trains grids of learning rate x
    momentum x max-norm, and maxout networks (:class:`lib.nets.Maxout` layers, stacked
    like Linear ones): ``momentum`` may also be a list with one per model (each in
    [0, 1); with Adam all must be 0), and ``max_norm`` is ``None`` (no constraint),
    one radius c > 0 for all, or a list with one per model, each a number > 0 or
    ``None`` for a model trained without the constraint; it constrains the same
    weights as :func:`fit`'s ``max_norm``, after every step.

    ``history=False`` (chapter "Dropout in practice, and Maxout": a sweep over
    training-set sizes that only evaluates the trained networks) records nothing: no
    per-epoch loss and accuracy on the training set, which costs one more forward pass
    over it every epoch; the models are still trained and updated in place, the
    training and its random draws are the same, and the call returns None. ``test``
    and ``probes`` are recorded per epoch, so they are refused with it.
    ``history="test"`` (chapter "A CNN with ReLU and dropout": learning curves on the
    test set) records ``test`` (required) and ``probes`` every epoch but leaves
    ``loss`` and ``train_acc`` empty, which saves the pass over the training set;
    training and draws are again the same.

    Convolutional networks (chapter "A CNN with ReLU and dropout"): models built by
    :func:`lib.nets.cnn` (an nn.Unflatten of the rows into images, then Conv2d,
    MaxPool2d or AvgPool2d, Dropout2d and activations, an nn.Flatten, then the dense
    layers) train side by side too, with every option above (per-model learning
    rates, seeds, momenta, decays, dropout rates, one training set per model; the
    rows of ``X`` are the flattened images). Between the Unflatten and the Flatten
    the models' images are stacked along the channels, (examples, models x
    channels, height, width), and each conv layer is one ``conv2d`` with ``groups``
    = models (times its own groups), so model i's filters see only its own
    channels; the dense part is stacked as for the MLPs. A ReLU followed by max
    pooling is computed after the pooling (the same values and gradients, four
    times fewer ReLUs). A Dropout2d layer draws one number per (model, example,
    channel) from torch's global generator, each model with its own rate; where
    all share a rate it is torch's ``dropout2d`` on the stacked channels. Models
    without dropout equal :func:`fit` one at a time up to rounding. The work of a
    CNN is mostly arithmetic on large tensors rather than per-call overhead, so
    stacking saves less than for small MLPs: measure before relying on it. The
    per-epoch records are computed :data:`EVAL_CHUNK` examples (of every model) at a
    time.

    ``optimizer_state`` (chapter "A CNN with ReLU and dropout" trains on a stream of
    examples in phases, one call per phase) is a dict that carries the optimizer
    from one call to the next: empty on entry, it is filled on exit with the
    optimizer's state after the last step (Adam's running averages and step count,
    SGD's momentum buffers); given back to the next call with the same models and
    optimizer, training continues from that state instead of starting it afresh, as
    one optimizer kept between the phases would. The mini-batch order is still drawn
    anew from ``seed`` by every call.
    """
    models = _same_architecture(models)
    m = len(models)
    epochs = _validate.integer("epochs", epochs, low=0, high=MAX_EPOCHS)
    lrs = _per_model("lr", lr, m, low=0.0, low_open=True)
    _validate.choice("optimizer", optimizer, OPTIMIZERS)
    momenta = _per_model("momentum", momentum, m, low=0.0, high=1.0, high_open=True)
    if any(momenta) and optimizer != "sgd":
        raise ValueError(f"momentum is for optimizer='sgd' (Adam keeps its own running "
                         f"averages), got momentum={max(momenta):g} with {optimizer!r}")
    decays = _per_model("weight_decay", weight_decay, m, low=0.0, high=MAX_DECAY)
    radii = _max_norms(max_norm, m)
    if isinstance(seed, (list, tuple)) or getattr(seed, "ndim", 0) == 1:
        seeds = [_validate.integer(f"seed[{i}]", v, low=0, high=2**63 - 1)
                 for i, v in enumerate(seed)]
        if len(seeds) != m:
            raise ValueError(f"seed must be one integer or a list of {m} (one per model of "
                             f"models), got a list of {len(seeds)}")
    else:
        seeds = [_validate.integer("seed", seed, low=0, high=2**63 - 1)]
    if batch_size is not None:
        batch_size = _validate.integer("batch_size", batch_size, low=1)
    if not isinstance(history, str):
        history = _validate.boolean("history", history)
    elif history != "test":
        raise ValueError(f"history must be True, False or 'test', got {history!r}")
    elif test is None:
        raise ValueError("history='test' records the test set every epoch: pass test="
                         "(X_test, y_test), or use history=False")
    if optimizer_state is not None and not isinstance(optimizer_state, dict):
        raise TypeError(f"optimizer_state must be a dict (empty on the first call, then "
                        f"the one an earlier call filled), got "
                        f"{type(optimizer_state).__name__}")
    if not history and (test is not None or probes):
        raise ValueError("test and probes are recorded every epoch: with history=False "
                         "pass neither (evaluate the trained models instead)")
    dtype = _model_dtype(models[0])
    X, y = _training_sets(X, y, dtype, models[0], m)
    X_test, y_test, probes = _test_and_probes(test, probes, dtype, models[0])

    base = models[0]
    params = {name: torch.stack([dict(model.named_parameters())[name].detach()
                                 for model in models]).requires_grad_()
              for name, _ in base.named_parameters()}
    names = list(params)
    # a parameter shared by several layers is listed once, under its first name: every
    # layer that uses it reads that one stacked tensor (and autograd adds its gradients)
    first_name = {id(p): n for n, p in base.named_parameters()}
    alias = {n: first_name[id(p)]
             for n, p in base.named_parameters(remove_duplicate=False)}

    # the weights max_norm constrains (as in fit: every Linear layer's but the last),
    # with each model's radius as a column (models x 1 x 1); no constraint is an
    # infinite radius, which leaves a weight multiplied by exactly 1
    constrained = [alias[f"{name}.weight"] for name, module in base.named_modules()
                   if isinstance(module, nn.Linear)][:-1]
    if any(r is not None for r in radii) and not constrained:
        _constrained(base, 1.0)          # refused by name: no hidden layer
    radius = (torch.tensor([math.inf if r is None else r for r in radii],
                           dtype=dtype).view(m, 1, 1)
              if any(r is not None for r in radii) else None)

    # a Dropout layer whose rate differs between the models: a column of their rates
    # (models x 1 x 1); None where all models share one rate
    rates = {j: None if len(set(ps)) == 1 else torch.tensor(ps, dtype=dtype).view(m, 1, 1)
             for j, ps in _dropout_rates(models).items()}
    # the same for Dropout2d layers: each model's rate once per channel, as a column
    # of the stacked channels (1 x models*channels x 1 x 1), filled in at first use
    rates2d = {j: None if len({float(model[j].p) for model in models}) == 1
               else torch.tensor([float(model[j].p) for model in models], dtype=dtype)
               for j, module in enumerate(base) if isinstance(module, nn.Dropout2d)}

    # GaussianDropout and DropConnectLinear layers: each model's rate as a column
    noise = _noise_rates(models, dtype, m)

    # the max pooling layers that follow a ReLU, by index: computed before the ReLU
    pooled_first = {i + 1 for i, (a, b) in enumerate(zip(base[:-1], base[1:]))
                    if type(a) is nn.ReLU and isinstance(b, nn.MaxPool2d)}

    def forward(x, train_mode):
        # all models at once: h is (models, examples, features); between an Unflatten
        # and a Flatten it holds images, (examples, models * channels, height, width),
        # model i's channels side by side from i * channels on
        h = x.expand(m, -1, -1) if x.ndim == 2 else x
        for i, module in enumerate(base):
            if i in pooled_first:
                continue                  # this max pooling ran before its ReLU: done
            if i + 1 in pooled_first:
                # ReLU then max pooling: pooled first (a quarter of the entries for
                # the ReLU), the same values and gradients, since ReLU keeps the
                # order of a window's entries (its largest one stays the largest,
                # and where all are <= 0 both orders give 0 and no gradient)
                h = torch.relu(_image_step(base[i + 1], h, m, i + 1, params, alias,
                                           rates2d, train_mode))
            elif isinstance(module, (nn.Unflatten, nn.Flatten, *_IMAGE_LAYERS)):
                h = _image_step(module, h, m, i, params, alias, rates2d, train_mode)
            elif isinstance(module, nn.Dropout) and h.ndim == 4:   # on images: per pixel
                h = _dropout_on_images(h, m, module.p, rates[i], train_mode)
            elif isinstance(module, GaussianDropout):
                if train_mode and noise[i] is not None:   # N(1, p/(1-p)) per entry
                    h = h * (1 + torch.sqrt(noise[i] / (1 - noise[i]))
                             * torch.randn(h.shape, dtype=h.dtype))
            elif isinstance(module, (nn.Linear, Maxout)):
                at = f"{i}.linear" if isinstance(module, Maxout) else f"{i}"
                W = params[alias[f"{at}.weight"]].transpose(1, 2)
                if train_mode and i in noise and noise[i] is not None:
                    # DropConnect: one mask per model per step, as the module draws
                    # one per forward call; inverted scaling by 1 / (1 - rate)
                    keep = torch.rand(W.shape, dtype=W.dtype) >= noise[i]
                    W = W * keep / (1 - noise[i])
                bias = params[alias[f"{at}.bias"]] if f"{at}.bias" in alias else None
                h = torch.bmm(h, W) if bias is None else torch.baddbmm(bias[:, None], h, W)
                if isinstance(module, Maxout):
                    h = _max_over_pieces(h, module.n_out, module.k)
            elif isinstance(module, nn.PReLU):
                h = torch.where(h > 0, h, params[alias[f"{i}.weight"]][:, None] * h)
            elif isinstance(module, nn.Dropout):
                if rates[i] is not None:   # each model its own rate
                    if train_mode:
                        h = _dropout_per_model(h, rates[i])
                elif train_mode and 0 < module.p < 1:   # one rate for all
                    h = _dropout_shared(h, module.p)
                else:   # rate 0 or 1, or eval: torch's dropout, which draws nothing
                    h = nn.functional.dropout(h, module.p, training=train_mode)
            else:
                h = module(h)
        return h

    shape = (m,) + (1,) * 8
    step_lr = {n: torch.tensor(lrs, dtype=dtype).view(shape[: params[n].ndim]) for n in names}
    decay = ({n: torch.tensor(decays, dtype=dtype).view(shape[: params[n].ndim])
              for n in names} if any(decays) else None)
    mom = {n: torch.tensor(momenta, dtype=dtype).view(shape[: params[n].ndim])
           for n in names}
    velocity = {n: torch.zeros_like(params[n]) for n in names} if any(momenta) else None
    state = {n: (torch.zeros_like(params[n]), torch.zeros_like(params[n])) for n in names}
    t = 0                                            # optimizer steps taken so far
    if optimizer_state:
        t, state, velocity = _resumed(optimizer_state, optimizer, params, state, velocity)
    histories = [History(probes={name: [] for name in probes}) for _ in models]

    def write_back():
        with torch.no_grad():
            for i, model in enumerate(models):
                for n, p in model.named_parameters():
                    p.copy_(params[n][i])

    # models with image layers are evaluated a slice of examples at a time: one pass
    # over a whole set for every model at once makes tensors of hundreds of MB, whose
    # memory traffic costs more than the arithmetic (the training steps are small)
    images = any(isinstance(module, nn.Unflatten) for module in base)

    @torch.no_grad()
    def scores(Xs, ys):
        if images:
            size = EVAL_CHUNK
            out = torch.cat([forward(Xs[..., i : i + size, :], False)
                             for i in range(0, Xs.shape[-2], size)], dim=1)
        else:
            out = forward(Xs, False)                          # models x examples x classes
        loss = nn.functional.cross_entropy(out.transpose(1, 2), ys.expand(m, -1),
                                           reduction="none").mean(dim=1)
        acc = (out.argmax(dim=2) == ys).double().mean(dim=1)
        return loss.tolist(), acc.tolist()

    def record():
        if not history:
            return
        write_back()
        if history != "test":
            loss, acc = scores(X, y)
        if test is not None:
            test_loss, test_acc = scores(X_test, y_test)
        for i, (model, h) in enumerate(zip(models, histories)):
            if history != "test":
                h.loss.append(loss[i])
                h.train_acc.append(acc[i])
            if test is not None:
                h.test_loss.append(test_loss[i])
                h.test_acc.append(test_acc[i])
            for name, probe in probes.items():
                h.probes[name].append(_callback(f"probes[{name!r}]", probe, model))

    record()
    gens = [torch.Generator().manual_seed(s) for s in seeds]
    n = X.shape[-2]                 # examples (per model, where each has its own set)
    own = X.ndim == 3
    rows = torch.arange(m)[:, None]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for _ in range(epochs):
        orders = [_batches(n, batch_size, gen) for gen in gens]
        for batch in zip(*orders):
            if own and (len(batch) == 1 or batch_size is None):
                xb, yb = X[:, batch[0]], y[:, batch[0]]   # the same positions of each set
            elif own:                     # model i: its own positions of its own set
                idx = torch.stack([torch.as_tensor(b) for b in batch])
                xb, yb = X[rows, idx], y[rows, idx]
            elif len(batch) == 1 or batch_size is None:   # one order for all models
                xb, yb = X[batch[0]], y[batch[0]].expand(m, -1)
            else:                                 # model i gets its own batch i
                idx = torch.stack([torch.as_tensor(b) for b in batch])
                xb, yb = X[idx], y[idx]
            with torch.enable_grad():  # also when called inside torch.no_grad()
                out = forward(xb, True)
                loss = nn.functional.cross_entropy(out.transpose(1, 2), yb,
                                                   reduction="none").mean(dim=1).sum()
                grads = torch.autograd.grad(loss, [params[k] for k in names])
            t += 1
            with torch.no_grad():
                for k, g in zip(names, grads):
                    if decay is not None:           # torch: L2 added to the gradient
                        g = g + decay[k] * params[k]
                    if optimizer == "sgd":
                        if velocity is not None:    # torch: v = m v + g, no dampening
                            g = velocity[k].mul_(mom[k]).add_(g)
                        params[k].sub_(step_lr[k] * g)
                        continue
                    avg, avg_sq = state[k]
                    avg.lerp_(g, 1 - beta1)
                    avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                    denom = (avg_sq.sqrt() / (1 - beta2**t) ** 0.5).add_(eps)
                    params[k].sub_(step_lr[k] / (1 - beta1**t) * avg / denom)
                if radius is not None:       # after the step, as fit does
                    for k in constrained:
                        _project_rows(params[k], radius)
        record()
    if not history:
        write_back()
    for model in models:
        model.eval()
    if optimizer_state is not None:
        optimizer_state.clear()
        optimizer_state.update(optimizer=optimizer, models=m, steps=t, adam=state,
                               velocity=velocity)
    return histories if history else None


def _resumed(saved, optimizer, params, state, velocity):
    """The step count, Adam state and SGD momentum buffers an earlier
    :func:`fit_many` call left in ``saved`` (its ``optimizer_state``), checked against
    this call's ``optimizer`` and stacked ``params``; a buffer the earlier call did not
    keep (no momentum then) starts at zero."""
    if set(saved) != {"optimizer", "models", "steps", "adam", "velocity"}:
        raise ValueError("optimizer_state must be empty or the dict an earlier fit_many "
                         f"call filled, got one with keys {sorted(saved)}")
    if saved["optimizer"] != optimizer:
        raise ValueError(f"optimizer_state is {saved['optimizer']!r}'s state: pass "
                         f"optimizer={saved['optimizer']!r}, or an empty dict to start "
                         f"afresh (got optimizer={optimizer!r})")
    shapes = {n: tuple(p.shape) for n, p in params.items()}
    if {n: tuple(a.shape) for n, (a, _) in saved["adam"].items()} != shapes:
        raise ValueError(f"optimizer_state was filled by a call with other models "
                         f"({saved['models']} of another architecture or number): pass "
                         f"the same models, or an empty dict to start afresh")
    if saved["velocity"] is not None:
        velocity = saved["velocity"]
    elif velocity is not None:
        velocity = {n: torch.zeros_like(p) for n, p in params.items()}
    return saved["steps"], saved["adam"], velocity


#: What :class:`SeedRuns` can report, as recorded in :class:`History`.
METRICS = ("loss", "train_acc", "test_acc", "test_loss")


@dataclass
class SeedRuns:
    """What :func:`fit_seeds` returns: the seeds, the trained models and one
    :class:`History` per seed, in the order of ``seeds``."""

    seeds: list
    models: list
    histories: list

    def final(self, metric: str = "test_acc", epoch: int | None = None) -> np.ndarray:
        """The last recorded value of ``metric`` (``"loss"``, ``"train_acc"``,
        ``"test_acc"`` or ``"test_loss"``), one per seed; with ``epoch``, its value
        after that epoch instead (0: before training), e.g. the epoch-20 value of a
        run trained longer (chapter "Sigmoid and the vanishing gradient")."""
        curves = self.curves(metric)
        if epoch is None:
            return curves[:, -1]
        last = curves.shape[1] - 1
        return curves[:, _validate.integer("epoch", epoch, low=0, high=last)]

    def curves(self, metric: str = "test_acc") -> np.ndarray:
        """``metric`` after every epoch (entry 0: before training): seeds x epochs+1."""
        _validate.choice("metric", metric, METRICS)
        values = [getattr(h, metric) for h in self.histories]
        if not values[0]:
            raise ValueError(f"no {metric} was recorded: pass test=(X_test, y_test)")
        return np.array(values, dtype=float)

    def summary(self, metric: str = "test_acc", digits: int = 3,
                epoch: int | None = None) -> str:
        """``metric``'s final value (or its value after ``epoch``, as :meth:`final`)
        as "mean (min to max, n seeds)", rounded."""
        digits = _validate.integer("digits", digits, low=0, high=6)
        v = self.final(metric, epoch)
        return (f"{v.mean():.{digits}f} ({v.min():.{digits}f} to {v.max():.{digits}f}, "
                f"{v.size} seeds)")


def fit_seeds(build, seeds, X, y, **fit_kwargs) -> SeedRuns:
    """One experiment repeated over several seeds, trained side by side.

    For each seed ``s`` of ``seeds``, torch is seeded with ``s`` and ``build()`` makes
    the model (so its initial weights depend on ``s``), and the model's mini-batches
    are shuffled by ``s`` too; all models are then trained together by
    :func:`fit_many` with ``fit_kwargs`` (``epochs``, ``lr``, ``optimizer``,
    ``batch_size``, ``test``, ``probes``). Every chapter compares arms over seeds this
    way (book's rule: at least 5 seeds, report the mean and the range). Introduced in
    chapter "Sigmoid and the vanishing gradient".
    """
    if not callable(build):
        raise TypeError("build must be a function of no arguments that returns a model, "
                        f"got {type(build).__name__}")
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be a list of integers, got {type(seeds).__name__}")
    seeds = [_validate.integer("each entry of seeds", s, low=0, high=2**32 - 1)
             for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {seeds}")
    if "seed" in fit_kwargs:
        raise TypeError("fit_seeds takes no seed: the seeds are given by seeds")
    models = []
    for s in seeds:
        torch.manual_seed(s)
        model = _callback("build", build)
        if not isinstance(model, nn.Module):
            raise TypeError(f"build must return a torch nn.Module, got "
                            f"{type(model).__name__}")
        models.append(model)
    histories = fit_many(models, X, y, seed=seeds, **fit_kwargs)
    return SeedRuns(seeds=seeds, models=models, histories=histories)


def early_stopping_epoch(val_loss, patience: int | None = None) -> int:
    """The epoch whose weights early stopping keeps, read from a validation curve.

    ``val_loss[i]`` is the validation loss after epoch ``i`` (entry 0 before training,
    as in :class:`History`). Training stops once ``patience`` epochs in a row have not
    brought the loss strictly below its best value so far, and the weights of that
    best epoch are kept; with ``patience=None`` it never stops early and the answer is
    the first epoch of lowest loss over the whole curve. Introduced in chapter
    "Overfitting and regularisation".
    """
    curve = _validate.array("val_loss", val_loss, finite=True, nonempty=True)
    if curve.ndim != 1:
        raise ValueError(f"val_loss must be 1-D (one loss per epoch), got shape "
                         f"{curve.shape}")
    if patience is None:
        return int(np.argmin(curve))
    patience = _validate.integer("patience", patience, low=1, high=MAX_EPOCHS)
    best = 0
    for epoch in range(1, curve.size):
        if curve[epoch] < curve[best]:
            best = epoch
        elif epoch - best >= patience:
            break
    return best
