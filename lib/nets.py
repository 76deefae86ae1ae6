"""Torch model builders.

Introduced in chapter "Sigmoid and the vanishing gradient" (:func:`mlp`); later chapters
use the same builder with other activations, initialisations and dropout (the dying-ReLU
chapter adds Leaky ReLU slopes and PReLU). Models are
built in float64 by default: the book's experiments are small, and double precision
keeps their printed numbers identical across CPUs (nbval compares them).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from lib import _validate

#: Activation names :func:`mlp` accepts, mapped to their torch modules.
ACTIVATIONS = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "prelu": nn.PReLU,
}

#: The default ``slope`` of the activations that take one: Leaky ReLU's negative slope
#: (Maas et al. 2013, torch's default) and PReLU's initial slope (He et al. 2015).
DEFAULT_SLOPES = {"leaky_relu": 0.01, "prelu": 0.25}

#: The largest layer :func:`mlp` builds, and the most weights a network may have: a
#: typo such as 10**9 would otherwise fill the memory instead of saying what is wrong.
MAX_WIDTH = 10**6
MAX_WEIGHTS = 5 * 10**7

#: Initialisation schemes :func:`mlp` accepts.
INITS = ("default", "xavier", "kaiming")

#: Bias initialisations :func:`mlp` accepts by name (a number is a constant).
BIASES = ("zeros", "uniform")


class Elementwise(nn.Module):
    """A module that applies a function of one tensor elementwise: a reader's own
    activation in the playgrounds (``Elementwise(lambda x: x * torch.sigmoid(x))``)."""

    def __init__(self, fn, name: str = "custom"):
        _validate.callable_("fn", fn, "a function of one tensor, e.g. torch.tanh")
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {type(name).__name__}")
        super().__init__()
        self.fn = fn
        self.name = name

    def forward(self, x):
        return self.fn(x)

    def extra_repr(self) -> str:
        return self.name


def _check_activation_fn(fn, dtype):
    # a tensor that requires grad, as in training: np.tanh fails on it here, not there
    x = torch.linspace(-3.0, 3.0, 7, dtype=dtype, requires_grad=True)
    try:
        with torch.enable_grad():
            y = fn(x * 1.0)
    except Exception as exc:
        raise ValueError(
            f"activation(x) failed on a test tensor: {type(exc).__name__}: {exc}"
        ) from None
    if not isinstance(y, torch.Tensor) or y.shape != (7,):  # (7,): even if fn resized x
        raise ValueError(
            "activation must map a tensor to a tensor of the same shape "
            f"(elementwise), got {type(y).__name__} {getattr(y, 'shape', '')}"
        )
    if y.dtype != dtype:
        raise ValueError(
            f"activation must return a tensor of the input's dtype ({dtype}), got "
            f"{y.dtype}: the next layer cannot read it (leave out .float(), .long(), "
            "comparisons such as x > 0 without a cast back)")


def init_std(scheme: str, fan_in: int, fan_out: int) -> float:
    """The weight standard deviation an init scheme gives a layer (facts.md's formulas).

    - ``"default"``: PyTorch's nn.Linear, U[-1/sqrt(fan_in), 1/sqrt(fan_in)], so
      std = 1/sqrt(3 fan_in);
    - ``"xavier"``: Glorot & Bengio's normalised init, Var W = 2 / (fan_in + fan_out);
    - ``"kaiming"``: He et al.'s init for ReLU, std = sqrt(2 / fan_in).
    """
    _validate.choice("scheme", scheme, INITS)
    fan_in = _validate.integer("fan_in", fan_in, low=1, high=10**15)
    fan_out = _validate.integer("fan_out", fan_out, low=1, high=10**15)
    if scheme == "default":
        return 1.0 / math.sqrt(3 * fan_in)
    if scheme == "xavier":
        return math.sqrt(2.0 / (fan_in + fan_out))
    return math.sqrt(2.0 / fan_in)


def _init_linear(layer: nn.Linear, scheme: str, bias, gain: float) -> None:
    # nn.Linear has already drawn its weights, then its biases, the "default" way:
    # the weights are redrawn first, so the torch generator is used in the same order
    # whatever the bias, and ``bias=None`` gives the same networks as before it existed
    if scheme == "xavier":
        nn.init.xavier_uniform_(layer.weight)
    elif scheme == "kaiming":
        nn.init.kaiming_normal_(layer.weight, mode="fan_in", nonlinearity="relu")
    if gain != 1.0:
        with torch.no_grad():
            layer.weight.mul_(gain)
    if bias is None:
        bias = "uniform" if scheme == "default" else "zeros"
    if bias == "zeros":
        nn.init.zeros_(layer.bias)
    elif bias != "uniform":
        nn.init.constant_(layer.bias, bias)
    # "uniform": keep nn.Linear's U[-1/sqrt(fan_in), 1/sqrt(fan_in)] biases


def mlp(
    widths,
    activation="relu",
    init: str = "default",
    dropout: float = 0.0,
    dtype: torch.dtype = torch.float64,
    slope: float | None = None,
    bias=None,
    gain: float = 1.0,
    input_dropout: float = 0.0,
) -> nn.Sequential:
    """A fully connected network ``[Dropout], Linear, activation, [Dropout], ..., Linear``.

    ``widths`` lists the layer sizes from input to output, e.g. ``[64, 32, 32, 10]``
    gives two hidden layers of 32 units; at least two sizes, each a positive integer.
    ``activation`` is a name from :data:`ACTIVATIONS` or a function of one tensor
    applied elementwise (wrapped in :class:`Elementwise`); ``init`` one of :data:`INITS`
    (weights only); ``dropout`` is torch's
    p, the probability of *dropping* a hidden unit, in [0, 1). The output layer has
    no activation: pair it with a cross-entropy loss. Seed torch before calling it.

    ``slope`` (chapter "Dying ReLUs") is the negative slope of ``"leaky_relu"`` or
    the initial slope of ``"prelu"``, in [0, 1); ``None`` takes
    :data:`DEFAULT_SLOPES`. PReLU learns one slope per hidden unit (He et al.'s
    channel-wise version). Other activations take no slope.

    ``bias`` sets every layer's biases, the same way whatever ``init`` is:
    ``"zeros"`` (as Glorot & Bengio and He et al. initialise them), ``"uniform"``
    (nn.Linear's U[-1/sqrt(fan_in), 1/sqrt(fan_in)]) or a number (a constant). A
    comparison of initialisations passes it explicitly (chapter "Sigmoid and the
    vanishing gradient"), so that its arms differ in their weights only. ``None``
    keeps each scheme's usual companion: ``"uniform"`` for ``"default"`` (all of
    PyTorch's nn.Linear defaults), ``"zeros"`` for ``"xavier"`` and ``"kaiming"``.

    ``gain`` (> 0) multiplies every layer's initial weights, so their standard
    deviation is ``gain * init_std(init, ...)``: chapter "Sigmoid and the vanishing
    gradient" sweeps it to show vanishing and exploding signals.

    ``input_dropout`` (chapter "Dropout") is torch's p for the *inputs*: when > 0 an
    ``nn.Dropout(input_dropout)`` comes first, before the first Linear layer, in
    [0, 1). Srivastava et al. (2014) drop inputs with p of about 0.2 and hidden units
    with about 0.5 (``dropout``, one ``nn.Dropout`` after each hidden activation).
    Neither draws from torch's generator when the network is built, so the initial
    weights are those of the same network without dropout.
    """
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__iter__"):
        raise TypeError(f"widths must be a list of layer sizes, got {type(widths).__name__}")
    try:
        widths = list(widths)
    except TypeError:  # a 0-d array or tensor
        raise TypeError(f"widths must be a list of layer sizes, got a single "
                        f"{type(widths).__name__}") from None
    widths = [_validate.integer("each entry of widths", w, low=1, high=MAX_WIDTH)
              for w in widths]
    if len(widths) < 2:
        raise ValueError(f"widths must list at least 2 sizes (input and output), got {widths}")
    weights = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    if weights > MAX_WEIGHTS:
        raise ValueError(f"widths {widths} make {weights:,} weights, more than "
                         f"{MAX_WEIGHTS:,}: the book's networks are far smaller")
    if not callable(activation):
        _validate.choice("activation", activation, ACTIVATIONS)
    _validate.choice("init", init, INITS)
    if isinstance(bias, str):
        _validate.choice("bias", bias, BIASES)
    elif bias is not None:
        bias = _validate.real("bias", bias)
    gain = _validate.real("gain", gain, low=0.0, low_open=True)
    dropout = _validate.real("dropout", dropout, low=0.0, high=1.0, high_open=True)
    input_dropout = _validate.real("input_dropout", input_dropout, low=0.0, high=1.0,
                                   high_open=True)
    if not isinstance(dtype, torch.dtype) or dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
    if slope is not None:
        if callable(activation) or activation not in DEFAULT_SLOPES:
            raise ValueError(
                f"slope applies to {sorted(DEFAULT_SLOPES)} only, not to "
                f"activation={getattr(activation, '__name__', activation)!r}")
        slope = _validate.real("slope", slope, low=0.0, high=1.0, high_open=True)
    if callable(activation):
        _check_activation_fn(activation, dtype)

        def make_activation(width):
            return Elementwise(activation, getattr(activation, "__name__", "custom"))
    elif activation == "leaky_relu":
        def make_activation(width):
            return nn.LeakyReLU(DEFAULT_SLOPES[activation] if slope is None else slope)
    elif activation == "prelu":
        def make_activation(width):
            init_ = DEFAULT_SLOPES[activation] if slope is None else slope
            return nn.PReLU(width, init=init_, dtype=dtype)
    else:
        def make_activation(width):
            return ACTIVATIONS[activation]()
    layers: list[nn.Module] = [nn.Dropout(input_dropout)] if input_dropout > 0 else []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        linear = nn.Linear(n_in, n_out, dtype=dtype)
        _init_linear(linear, init, bias, gain)
        layers.append(linear)
        if i < len(widths) - 2:
            layers.append(make_activation(n_out))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def linear_layers(model: nn.Module) -> list[nn.Linear]:
    """The model's nn.Linear layers, input to output."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    return [m for m in model.modules() if isinstance(m, nn.Linear)]
