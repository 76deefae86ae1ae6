"""Torch model builders.

Introduced in chapter "Sigmoid and the vanishing gradient" (:func:`mlp`); later chapters
use the same builder with other activations, initialisations and dropout (the dying-ReLU
chapter adds Leaky ReLU slopes and PReLU; chapter "Dropout in practice, and Maxout" adds
:class:`Maxout` layers and :func:`count_parameters`; chapter "A CNN with ReLU and
dropout" adds :func:`cnn`, a small convolutional network). Models are
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

#: The number of pieces of a maxout unit when :func:`mlp` is not told: 2, the fewest
#: that make a maxout unit, and the number that contains ReLU (one piece fixed at 0).
DEFAULT_PIECES = 2

#: The most pieces a maxout unit may have: Goodfellow et al. (2013) use 2 to 5.
MAX_PIECES = 100

#: The kinds of dropout noise :func:`mlp` accepts (its ``noise`` argument).
NOISES = ("bernoulli", "gaussian")

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


class Maxout(nn.Module):
    """A maxout layer: ``n_out`` units, each the largest of ``k`` linear pieces of
    its input, ``h_u(x) = max_j (x W_uj + b_uj)`` (Goodfellow, Warde-Farley, Mirza,
    Courville & Bengio 2013, "Maxout Networks", ICML, section 3). Introduced in
    chapter "Dropout in practice, and Maxout".

    The layer holds one ``nn.Linear(n_in, n_out * k)`` (``self.linear``), so that
    :func:`lib.train.fit_many` stacks it as any Linear layer and
    :func:`lib.train.fit`'s ``max_norm`` finds its weights. The pieces are laid out
    unit-major: unit ``u``'s pieces are the Linear's outputs ``u*k`` to
    ``u*k + k - 1`` (row ``u*k + j`` of ``self.linear.weight`` is piece ``j``'s
    incoming weight vector), as in Goodfellow et al.'s pylearn2 code, so the output
    is ``linear(x).unflatten(-1, (n_out, k)).max(-1).values``. The gradient of a
    maximum reaches only the winning piece of each unit (on a tie, the one torch's
    ``max`` picks). A maxout unit with ``k = 2`` whose second piece has zero weights
    and zero bias is a ReLU of its first piece.

    ``n_in`` and ``n_out`` are layer sizes as in :func:`mlp`, ``k`` an integer
    from 2 to :data:`MAX_PIECES`; ``dtype`` torch.float32 or torch.float64. The inner
    Linear is initialised as PyTorch initialises any nn.Linear (fan_in = ``n_in``);
    :func:`mlp` re-initialises it as it does its other layers. Seed torch first.
    """

    def __init__(self, n_in: int, n_out: int, k: int, dtype: torch.dtype = torch.float64):
        n_in = _validate.integer("n_in", n_in, low=1, high=MAX_WIDTH)
        n_out = _validate.integer("n_out", n_out, low=1, high=MAX_WIDTH)
        k = _validate.integer("k", k, low=2, high=MAX_PIECES)
        _check_dtype(dtype)
        if n_in * n_out * k > MAX_WEIGHTS:
            raise ValueError(
                f"n_in={n_in}, n_out={n_out} and k={k} make {n_in * n_out * k:,} "
                f"weights, more than {MAX_WEIGHTS:,}: the book's networks are far "
                "smaller")
        super().__init__()
        self.n_in, self.n_out, self.k = n_in, n_out, k
        self.linear = nn.Linear(n_in, n_out * k, dtype=dtype)

    def forward(self, x):
        return _max_over_pieces(self.linear(x), self.n_out, self.k)

    def extra_repr(self) -> str:
        return f"n_in={self.n_in}, n_out={self.n_out}, k={self.k}"


class GaussianDropout(nn.Module):
    """Multiplicative Gaussian noise: in training each entry is multiplied by an
    independent draw of N(1, sigma^2) with ``sigma^2 = p / (1 - p)``; in eval mode the
    layer is the identity. Introduced in chapter "Dropout in practice, and Maxout".

    ``p`` is torch's p, the probability of DROPPING a unit, of the Bernoulli dropout
    (:class:`torch.nn.Dropout`) this noise matches: inverted Bernoulli dropout
    multiplies by 0 or 1/(1-p), a factor of mean 1 and variance p/(1-p), and so does
    this one. Srivastava et al. (2014), section 10, write the same variance as
    ``(1 - q) / q`` with q the RETENTION probability (q = 1 - p). ``p`` is in [0, 1);
    ``p = 0`` multiplies by exactly 1 and draws nothing. Draws from torch's global
    generator (``torch.randn``): seed it.
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _validate.real("p", p, low=0.0, high=1.0, high_open=True)

    @property
    def sigma(self) -> float:
        """The noise's standard deviation, sqrt(p / (1 - p))."""
        return math.sqrt(self.p / (1 - self.p))

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        return x * (1 + self.sigma * torch.randn_like(x))

    def extra_repr(self) -> str:
        return f"p={self.p}"


class DropConnectLinear(nn.Linear):
    """A Linear layer with DropConnect (Wan, Zeiler, Zhang, LeCun & Fergus 2013,
    "Regularization of Neural Networks using DropConnect", ICML): in training each
    WEIGHT is dropped with probability ``p`` and the kept ones are scaled by
    1/(1-p) (inverted, as torch's Dropout scales units), so the expected weight
    matrix is the layer's own; the biases are not dropped. In eval mode the layer is
    the plain Linear of its weights (the mean network). Introduced in chapter
    "Dropout in practice, and Maxout".

    One mask per forward call, i.e. per mini-batch, shared by the batch's examples:
    Wan et al. draw a mask per example (section 2), which costs a weight matrix per
    example; the per-mini-batch mask is the common cheaper variant, with the same
    expected output and variance per example but noise shared across a batch. At
    test time Wan et al. do not use the mean network: they approximate each unit's
    input by a Gaussian matched in mean and variance and average the activation over
    samples of it (section 3, Algorithm 2); that inference is not implemented here.

    ``n_in``, ``n_out`` as nn.Linear's (initialised as nn.Linear, from the same draws,
    so a network built with DropConnect starts from the same weights as without);
    ``p`` in [0, 1); ``p = 0`` draws nothing and is a Linear layer. Draws from
    torch's global generator (``torch.rand``): seed it.
    """

    def __init__(self, n_in: int, n_out: int, p: float = 0.5,
                 dtype: torch.dtype = torch.float64):
        n_in = _validate.integer("n_in", n_in, low=1, high=MAX_WIDTH)
        n_out = _validate.integer("n_out", n_out, low=1, high=MAX_WIDTH)
        p = _validate.real("p", p, low=0.0, high=1.0, high_open=True)
        _check_dtype(dtype)
        super().__init__(n_in, n_out, dtype=dtype)
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0:
            return super().forward(x)
        keep = torch.rand(self.weight.shape, dtype=self.weight.dtype) >= self.p
        return nn.functional.linear(x, self.weight * keep / (1 - self.p), self.bias)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, p={self.p}"


def _max_over_pieces(z, n_out: int, k: int):
    """The maximum over each unit's ``k`` pieces of ``z`` (last axis ``n_out * k``,
    unit-major as in :class:`Maxout`): a tensor whose last axis is ``n_out``.
    :class:`Maxout` and :func:`lib.train.fit_many` both compute it here."""
    return z.unflatten(-1, (n_out, k)).max(dim=-1).values


def _check_dtype(dtype):
    if not isinstance(dtype, torch.dtype) or dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype}")


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
    pieces: int | None = None,
    noise: str = "bernoulli",
    dropconnect: float = 0.0,
) -> nn.Sequential:
    """A fully connected network ``[Dropout], Linear, activation, [Dropout], ..., Linear``.

    ``widths`` lists the layer sizes from input to output, e.g. ``[64, 32, 32, 10]``
    gives two hidden layers of 32 units; at least two sizes, each a positive integer.
    ``activation`` is a name from :data:`ACTIVATIONS`, ``"maxout"`` (below) or a
    function of one tensor
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

    ``activation="maxout"`` (chapter "Dropout in practice, and Maxout") makes every
    hidden layer a :class:`Maxout` of ``pieces`` pieces per unit (an integer from 2
    to :data:`MAX_PIECES`; ``None`` takes :data:`DEFAULT_PIECES`, 2), with no
    separate activation: ``[Dropout], Maxout, [Dropout], ..., Linear``, the dropout
    layers where they are for the other activations. A hidden width counts maxout
    *units*, so a Maxout layer of ``n`` units holds ``n * pieces`` rows of weights;
    :func:`count_parameters` counts them, e.g. to match a ReLU network's size.
    ``init``, ``bias`` and ``gain`` act on each Maxout's inner Linear exactly as on
    any Linear layer, with that Linear's fans: fan_in is the layer's input width and
    fan_out its number of pieces, ``n * pieces`` (what torch's ``xavier_uniform_``
    reads from the weight's shape; :func:`init_std` with these fans gives the std).
    Other activations take no ``pieces``.

    ``noise`` (chapter "Dropout in practice, and Maxout") chooses the module of
    ``dropout`` and ``input_dropout``: ``"bernoulli"`` (``nn.Dropout``, the default)
    or ``"gaussian"`` (:class:`GaussianDropout` of the same p: multiplicative
    N(1, p/(1-p)) noise, the same variance; Srivastava et al. 2014, section 10).
    ``dropconnect`` in [0, 1) makes every hidden layer's Linear (each one followed by
    an activation; not the output layer) a :class:`DropConnectLinear` dropping each
    weight with that probability (Wan et al. 2013); 0 keeps nn.Linear. Neither draws
    when the network is built: the initial weights are those without them. Maxout
    layers take no ``dropconnect``.
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
    if not callable(activation):
        _validate.choice("activation", activation, [*ACTIVATIONS, "maxout"])
    maxout = isinstance(activation, str) and activation == "maxout"
    if pieces is not None and not maxout:
        raise ValueError(
            f"pieces applies to activation='maxout' only, not to "
            f"activation={getattr(activation, '__name__', activation)!r}")
    if maxout:
        pieces = _validate.integer("pieces", DEFAULT_PIECES if pieces is None else pieces,
                                   low=2, high=MAX_PIECES)
    weights = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    if maxout:  # each hidden unit has ``pieces`` rows of weights
        weights += (pieces - 1) * sum(a * b for a, b in zip(widths[:-2], widths[1:-1]))
    if weights > MAX_WEIGHTS:
        raise ValueError(f"widths {widths}{f' with pieces={pieces}' if maxout else ''} "
                         f"make {weights:,} weights, more than "
                         f"{MAX_WEIGHTS:,}: the book's networks are far smaller")
    _validate.choice("init", init, INITS)
    if isinstance(bias, str):
        _validate.choice("bias", bias, BIASES)
    elif bias is not None:
        bias = _validate.real("bias", bias)
    gain = _validate.real("gain", gain, low=0.0, low_open=True)
    dropout = _validate.real("dropout", dropout, low=0.0, high=1.0, high_open=True)
    input_dropout = _validate.real("input_dropout", input_dropout, low=0.0, high=1.0,
                                   high_open=True)
    _validate.choice("noise", noise, NOISES)
    dropconnect = _validate.real("dropconnect", dropconnect, low=0.0, high=1.0,
                                 high_open=True)
    if dropconnect > 0 and maxout:
        raise ValueError("dropconnect applies to Linear hidden layers, not to "
                         "activation='maxout'")
    drop_layer = nn.Dropout if noise == "bernoulli" else GaussianDropout
    _check_dtype(dtype)
    if not isinstance(bias, (str, type(None))) and abs(bias) > torch.finfo(dtype).max:
        raise ValueError(f"bias={bias:g} is too large for {dtype} (at most "
                         f"{torch.finfo(dtype).max:.3g} in size)")
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
    elif not maxout:
        def make_activation(width):
            return ACTIVATIONS[activation]()
    layers: list[nn.Module] = [drop_layer(input_dropout)] if input_dropout > 0 else []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        hidden = i < len(widths) - 2
        if hidden and maxout:
            layer = Maxout(n_in, n_out, pieces, dtype=dtype)
            _init_linear(layer.linear, init, bias, gain)
            layers.append(layer)
        else:
            linear = (DropConnectLinear(n_in, n_out, dropconnect, dtype=dtype)
                      if hidden and dropconnect > 0 else nn.Linear(n_in, n_out, dtype=dtype))
            _init_linear(linear, init, bias, gain)
            layers.append(linear)
            if hidden:
                layers.append(make_activation(n_out))
        if hidden:
            if dropout > 0:
                layers.append(drop_layer(dropout))
    return nn.Sequential(*layers)


#: Where :func:`cnn` puts its dropout layers (its ``placement`` argument).
PLACEMENTS = ("none", "conv", "dense", "both")

#: The pooling layers :func:`cnn` builds, by name.
POOLINGS = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}

#: The activation names :func:`cnn` accepts (those of :func:`mlp` without a
#: parameter per unit: PReLU and maxout are for the MLPs).
CNN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")


class ToImages(nn.Unflatten):
    """The first layer of :func:`cnn`: rows of ``channels * height * width`` features
    (the pixels flattened in torch's order, as the MLPs take them) become images
    (N, channels, height, width); images of that shape pass as they are. An
    ``nn.Unflatten(1, image_shape)`` otherwise. Chapter "A CNN with ReLU and
    dropout"."""

    def __init__(self, image_shape):
        super().__init__(1, _image_shape("image_shape", image_shape))

    def forward(self, x):
        if x.ndim == 4 and tuple(x.shape[1:]) == tuple(self.unflattened_size):
            return x
        return super().forward(x)


def _image_shape(name, value) -> tuple:
    """``value`` as (channels, height, width), three positive integers."""
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise TypeError(f"{name} must be (channels, height, width), got {value!r}")
    return tuple(_validate.integer(f"{name}[{i}]", v, low=1, high=MAX_WIDTH)
                 for i, v in enumerate(value))


def _sizes(name, value):
    """``value`` as a tuple of positive integers: one integer or a list of them."""
    if isinstance(value, (list, tuple)):
        values = tuple(_validate.integer(f"each entry of {name}", v, low=1, high=MAX_WIDTH)
                       for v in value)
    else:
        values = (_validate.integer(name, value, low=1, high=MAX_WIDTH),)
    return values


def cnn(
    input_shape=(1, 16, 16),
    filters=(8, 16),
    kernel_size: int = 3,
    padding: int = 1,
    pool: int = 2,
    hidden: int = 0,
    classes: int = 3,
    activation: str = "relu",
    dropout=0.0,
    placement: str = "none",
    pooling: str = "max",
    init: str = "default",
    bias=None,
    slope: float | None = None,
    dtype: torch.dtype = torch.float64,
) -> nn.Sequential:
    """A small convolutional network, the image classifier of chapter "A CNN with
    ReLU and dropout": ``ToImages``, then per conv block ``Conv2d, activation,
    pooling, [Dropout2d]``, then ``Flatten, [Dropout], [Linear(hidden), activation,
    [Dropout]], Linear(classes)``; the softmax is in the loss (cross-entropy), as for
    :func:`mlp`. Seed torch before calling it.

    ``input_shape`` is (channels, height, width), e.g. ``(1, 8, 8)`` for the digits,
    ``split.image_shape`` for :func:`lib.data.shapes`; the first layer
    (:class:`ToImages`) takes rows of ``channels * height * width`` features, as the
    MLPs do (so :func:`lib.train.fit` trains it on a Split's ``X``), or images.
    ``filters`` gives the number of filters of each conv block, one integer (one
    block) or a list of one or two; every conv layer has square kernels of
    ``kernel_size``, stride 1 and ``padding`` zeros on every side (1 with a 3 x 3
    kernel keeps the size). ``pool`` is the size and stride of the square
    ``pooling`` (``"max"``: nn.MaxPool2d, ``"avg"``: nn.AvgPool2d) after each conv
    layer; 1 builds no pooling layer. The height and width after every layer come
    from :func:`lib.conv.output_size`; a stack that leaves nothing (a kernel or a
    pooling window larger than its input) is refused, naming the argument.
    ``hidden`` is the width of a hidden dense layer (0: the flattened features go
    straight to the ``classes`` outputs).

    ``activation`` is a name from :data:`CNN_ACTIVATIONS` (``slope`` as in
    :func:`mlp` for ``"leaky_relu"``), the same after every conv and hidden layer.
    ``dropout`` is torch's p (the probability of dropping) in [0, 1), and
    ``placement`` where it acts: ``"none"`` (no dropout layer; ``dropout`` must then
    be 0), ``"conv"`` (an ``nn.Dropout2d`` after each conv block, which drops whole
    feature maps: one draw per example and channel), ``"dense"`` (an ``nn.Dropout``
    before each Linear layer: on the flattened features and on the hidden units) or
    ``"both"``. With ``"both"``, ``dropout`` may be a pair (conv rate, dense rate).
    A rate of 0 still builds the layers (they then do nothing), so that networks
    with other rates at the same places share one architecture:
    :func:`lib.train.fit_many` trains them side by side, each with its own rates
    (set a layer's ``p`` to 0 in some networks to compare placements in one call).

    ``init`` (one of :data:`INITS`), ``bias`` and ``dtype`` as in :func:`mlp`: every
    Conv2d and Linear layer is initialised the same way, a conv layer's fan-in being
    ``in_channels * kernel_size**2`` (torch's ``"default"`` for both kinds draws
    U[-1/sqrt(fan_in), 1/sqrt(fan_in)]). No dropout layer draws when the network is
    built: the initial weights do not depend on ``dropout`` or ``placement``.
    """
    from lib import conv  # numpy only; imported here to keep the module's imports lean

    channels, height, width = _image_shape("input_shape", input_shape)
    filters = _sizes("filters", filters)
    if not 1 <= len(filters) <= 2:
        raise ValueError(f"filters must give one or two conv blocks, got {list(filters)}")
    kernel_size = _validate.integer("kernel_size", kernel_size, low=1, high=1000)
    padding = _validate.integer("padding", padding, low=0, high=1000)
    pool = _validate.integer("pool", pool, low=1, high=1000)
    hidden = _validate.integer("hidden", hidden, low=0, high=MAX_WIDTH)
    classes = _validate.integer("classes", classes, low=2, high=MAX_WIDTH)
    _validate.choice("activation", activation, CNN_ACTIVATIONS)
    _validate.choice("placement", placement, PLACEMENTS)
    _validate.choice("pooling", pooling, POOLINGS)
    _validate.choice("init", init, INITS)
    if isinstance(bias, str):
        _validate.choice("bias", bias, BIASES)
    elif bias is not None:
        bias = _validate.real("bias", bias)
    _check_dtype(dtype)
    if isinstance(dropout, (list, tuple)):
        if placement != "both" or len(dropout) != 2:
            raise ValueError(f"dropout may be a pair (conv rate, dense rate) with "
                             f"placement='both' only, got {dropout!r} with "
                             f"placement={placement!r}")
        rates = tuple(_validate.real(f"dropout[{i}]", v, low=0.0, high=1.0,
                                     high_open=True) for i, v in enumerate(dropout))
    else:
        rate = _validate.real("dropout", dropout, low=0.0, high=1.0, high_open=True)
        if rate > 0 and placement == "none":
            raise ValueError(f"dropout={rate:g} needs a placement ('conv', 'dense' or "
                             f"'both'), got placement='none'")
        rates = (rate, rate)
    if slope is not None:
        if activation != "leaky_relu":
            raise ValueError(f"slope applies to 'leaky_relu' only, not to "
                             f"activation={activation!r}")
        slope = _validate.real("slope", slope, low=0.0, high=1.0, high_open=True)

    def make_activation():
        if activation == "leaky_relu":
            return nn.LeakyReLU(DEFAULT_SLOPES[activation] if slope is None else slope)
        return ACTIVATIONS[activation]()

    def shrink(length, what, k, s, p, arg):
        try:
            return conv.output_size(length, k, s, p)
        except ValueError:
            raise ValueError(
                f"{arg}={k} does not fit: the {what} is {length} pixels "
                f"{'high' if what.endswith('height') else 'wide'}"
                f"{f' (plus {p} padding on each side)' if p else ''} before it; use a "
                "smaller kernel_size or pool, fewer conv blocks (filters), more "
                "padding or a larger input_shape"
            ) from None

    # the shapes first (conv.output_size, refused by name), then the weight count,
    # then the layers: a stack too large is refused before it fills the memory
    c, h, w = channels, height, width
    weights = 0
    for block, f in enumerate(filters):
        where = f"input of conv block {block + 1}"
        h = shrink(h, f"{where}'s height", kernel_size, 1, padding, "kernel_size")
        w = shrink(w, f"{where}'s width", kernel_size, 1, padding, "kernel_size")
        if pool > 1:
            where = f"output of conv layer {block + 1}"
            h = shrink(h, f"{where}'s height", pool, pool, 0, "pool")
            w = shrink(w, f"{where}'s width", pool, pool, 0, "pool")
        weights += c * f * kernel_size**2
        c = f
    dense = [c * h * w, *([hidden] if hidden else []), classes]
    weights += sum(a * b for a, b in zip(dense[:-1], dense[1:]))
    if weights > MAX_WEIGHTS:
        raise ValueError(f"input_shape, filters and hidden make {weights:,} weights, "
                         f"more than {MAX_WEIGHTS:,}: the book's networks are far "
                         "smaller")

    layers: list[nn.Module] = [ToImages((channels, height, width))]
    for c_in, f in zip((channels, *filters[:-1]), filters):
        layer = nn.Conv2d(c_in, f, kernel_size, padding=padding, dtype=dtype)
        _init_linear(layer, init, bias, 1.0)
        layers += [layer, make_activation()]
        if pool > 1:
            layers.append(POOLINGS[pooling](pool))
        if placement in ("conv", "both"):
            layers.append(nn.Dropout2d(rates[0]))
    layers.append(nn.Flatten())
    for i, (n_in, n_out) in enumerate(zip(dense[:-1], dense[1:])):
        if placement in ("dense", "both"):
            layers.append(nn.Dropout(rates[1]))
        linear = nn.Linear(n_in, n_out, dtype=dtype)
        _init_linear(linear, init, bias, 1.0)
        layers.append(linear)
        if i < len(dense) - 2:
            layers.append(make_activation())
    return nn.Sequential(*layers)


def linear_layers(model: nn.Module) -> list[nn.Linear]:
    """The model's nn.Linear layers, input to output (a :class:`Maxout`'s inner
    Linear included, in its place)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def count_parameters(model: nn.Module) -> int:
    """The number of numbers the model learns: every entry of every parameter, a
    parameter shared by several layers counted once. Chapter "Dropout in practice,
    and Maxout" compares ReLU and maxout networks of (nearly) the same count: an
    ``mlp([64, n, 10])`` has ``65 n + (n + 1) 10`` parameters, its maxout version with
    k pieces ``65 n k + (n + 1) 10``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters())
