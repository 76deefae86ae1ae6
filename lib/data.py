"""The book's offline data sets. Nothing here downloads anything.

Introduced in chapter "Sigmoid and the vanishing gradient" (the digits splits); later
chapters add their own data here. Every function is seeded: the same arguments give
the same arrays on every machine.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from lib import _validate


@dataclass(frozen=True)
class Split:
    """A train/test split: float64 features, int64 labels, and the class count.

    Chapter "A CNN with ReLU and dropout" adds two optional fields: ``image_shape``,
    the (channels, height, width) that every row of X holds flattened in torch's
    order (``(1, 8, 8)`` for the digits, ``(1, size, size)`` for :func:`shapes`;
    None for data that are not images), read by :meth:`images`; and
    ``class_names``, a name per label (None: the labels are their own names).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    image_shape: tuple | None = None
    class_names: tuple | None = None

    @property
    def n_features(self) -> int:
        """Number of input features (64 for the 8 x 8 digits)."""
        return self.X_train.shape[1]

    def images(self, part: str = "train") -> np.ndarray:
        """``X_train`` (``part="train"``) or ``X_test`` (``"test"``) as images of
        shape (examples, channels, height, width), a view of the rows: what a
        convolutional layer takes (chapter "A CNN with ReLU and dropout")."""
        _validate.choice("part", part, ("train", "test"))
        if self.image_shape is None:
            raise ValueError("this split holds no images (its image_shape is None)")
        X = self.X_train if part == "train" else self.X_test
        return X.reshape(X.shape[0], *self.image_shape)

    def tensors(self):
        """The four arrays as torch tensors (float64 features, int64 labels)."""
        import torch

        return tuple(
            torch.from_numpy(np.ascontiguousarray(a))
            for a in (self.X_train, self.y_train, self.X_test, self.y_test)
        )


def _digits_file() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits, read from the file its ``load_digits`` reads (the same
    1,797 rows in the same order) without importing scikit-learn, which costs about a
    second of CPU in every chapter that uses the digits."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("lib.data.digits needs scikit-learn installed "
                                  "(pip install scikit-learn)")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    table = np.loadtxt(path, delimiter=",")
    return table[:, :-1].astype(np.float64), table[:, -1].astype(np.int64)


def _standardized(X_train: np.ndarray, X_test: np.ndarray):
    """Both sets with each feature centred and scaled by the TRAINING set's mean and
    standard deviation (a constant feature is only centred), as :func:`digits` and
    :func:`shapes` return them."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std[std == 0] = 1.0
    return (X_train - mean) / std, (X_test - mean) / std


def digits(test_fraction: float = 0.2, seed: int = 0, standardize: bool = True) -> Split:
    """scikit-learn's 1,797 real 8 x 8 handwritten digits, split into train and test.

    The split is stratified by class and seeded. With ``standardize`` each pixel is
    centred and scaled by the *training* mean and standard deviation (a pixel that is
    constant in training is only centred), so no test information leaks into training.
    ``test_fraction`` must lie in (0, 1).
    """
    test_fraction = _validate.real(
        "test_fraction", test_fraction, low=0.0, high=1.0, low_open=True, high_open=True
    )
    seed = _validate.integer("seed", seed, low=0, high=2**32 - 1)
    standardize = _validate.boolean("standardize", standardize)
    X, y = _digits_file()
    rng = np.random.default_rng(seed)
    test_idx = []
    for label in np.unique(y):
        idx = np.flatnonzero(y == label)
        rng.shuffle(idx)
        test_idx.extend(idx[: int(round(test_fraction * idx.size))])
    if not 0 < len(test_idx) < y.size:
        sizes = np.bincount(y)
        # the smallest and largest fractions that leave both sets an example (round()
        # rounds half to even: stay a little inside)
        low, high = 0.51 / sizes.max(), 1 - 0.51 / sizes.min()
        raise ValueError(
            f"test_fraction={test_fraction:g} leaves the "
            f"{'test' if not test_idx else 'training'} set empty (each class of "
            f"{sizes.min()} to {sizes.max()} digits is split by it): use a value "
            f"between {np.ceil(low * 1000) / 1000:.3f} and {np.floor(high * 1000) / 1000:.3f}")
    test_mask = np.zeros(y.size, dtype=bool)
    test_mask[test_idx] = True
    train_idx = rng.permutation(np.flatnonzero(~test_mask))
    test_idx = rng.permutation(np.flatnonzero(test_mask))
    X_train, X_test = X[train_idx], X[test_idx]
    if standardize:
        X_train, X_test = _standardized(X_train, X_test)
    return Split(X_train, y[train_idx], X_test, y[test_idx], n_classes=10,
                 image_shape=(1, 8, 8))


#: The regions :func:`points` samples from.
REGIONS = ("cube", "ball", "gaussian")


def points(n: int, d: int, region: str = "cube", seed: int = 0) -> np.ndarray:
    """``n`` seeded random points in ``d`` dimensions, as an (n, d) float64 array.

    ``region`` is ``"cube"`` (uniform in the unit cube [0, 1]^d), ``"ball"`` (uniform in
    the unit ball, radius 1, centred at 0: a Gaussian direction times a radius drawn as
    U^(1/d), so that the density is the same everywhere inside) or ``"gaussian"``
    (independent standard normal coordinates). The same arguments give the same points
    on every machine.

    Introduced in chapter "The curse of dimensionality, and why CNNs".
    """
    n = _validate.integer("n", n, low=1, high=10**7)
    d = _validate.integer("d", d, low=1, high=10**5)
    _validate.choice("region", region, REGIONS)
    seed = _validate.integer("seed", seed, low=0, high=2**32 - 1)
    if n * d > 10**8:
        raise ValueError(f"n * d must be at most 10**8 numbers, got n={n}, d={d}")
    rng = np.random.default_rng(seed)
    if region == "cube":
        return rng.random((n, d))
    normal = rng.standard_normal((n, d))
    if region == "gaussian":
        return normal
    direction = normal / np.linalg.norm(normal, axis=1, keepdims=True)
    radius = rng.random(n) ** (1.0 / d)
    return direction * radius[:, None]


# ---------------------------------------------------------- chapter "Overfitting"


@dataclass(frozen=True)
class Curve:
    """Bishop's curve-fitting data: training and test points ``(x, t)`` as 1-D float64
    arrays, and the standard deviation of the noise added to sin(2 pi x)."""

    x_train: np.ndarray
    t_train: np.ndarray
    x_test: np.ndarray
    t_test: np.ndarray
    noise: float


def sine(n: int = 10, noise: float = 0.3, n_test: int = 100, seed: int = 0) -> Curve:
    """Bishop's example (PRML, 2006, section 1.1 and appendix A): ``n`` inputs spaced
    evenly over [0, 1], targets sin(2 pi x) plus Gaussian noise of standard deviation
    ``noise``, and a test set made "using exactly the same procedure" with new noise:
    ``n_test`` evenly spaced inputs. The training noise is drawn first, then the test
    noise, from one generator seeded with ``seed``: the same seed with another ``n``
    gives other noise. Introduced in chapter "Overfitting and regularisation".
    """
    n = _validate.integer("n", n, low=1, high=10**6)
    noise = _validate.real("noise", noise, low=0.0, high=10.0)
    n_test = _validate.integer("n_test", n_test, low=1, high=10**6)
    seed = _validate.integer("seed", seed, low=0, high=2**32 - 1)
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, 1.0, n)
    t = np.sin(2 * np.pi * x) + noise * rng.standard_normal(n)
    x_test = np.linspace(0.0, 1.0, n_test)
    t_test = np.sin(2 * np.pi * x_test) + noise * rng.standard_normal(n_test)
    return Curve(x, t, x_test, t_test, noise)


def _split_arg(split):
    if not isinstance(split, Split):
        raise TypeError(f"split must be a data.Split (from data.digits()), got "
                        f"{type(split).__name__}")
    return split


def _balanced_order(y, rng):
    """Indices of ``y`` in an order that takes the classes in turn: one example of
    every class (each class shuffled by ``rng``), then a second of every class, and so
    on, so that any prefix holds the classes as evenly as their sizes allow."""
    rank = np.empty(y.size)
    for label in np.unique(y):
        idx = np.flatnonzero(y == label)
        rank[rng.permutation(idx)] = np.arange(idx.size)
    # within one round the classes come in a random order too
    return np.lexsort((rng.random(y.size), rank))


def subset(split: Split, n: int, seed: int = 0) -> Split:
    """The first ``n`` training examples of ``split`` in a seeded order that takes the
    classes in turn (50 digits: five of each class), with the same test set. Features
    stay as they are: with ``digits()`` they were standardised by the whole training
    set's statistics, which uses no test information. Introduced in chapter
    "Overfitting and regularisation" (a network trained on few examples).
    """
    split = _split_arg(split)
    size = split.y_train.size
    n = _validate.integer("n", n, low=1, high=size)
    seed = _validate.integer("seed", seed, low=0, high=2**32 - 1)
    idx = _balanced_order(split.y_train, np.random.default_rng(seed))[:n]
    idx = np.sort(idx)
    return replace(split, X_train=split.X_train[idx], y_train=split.y_train[idx])


def validation(split: Split, n_val: int, seed: int = 0) -> Split:
    """A validation split of ``split``'s *training* set: a new :class:`Split` whose
    training part keeps all but ``n_val`` examples and whose "test" part is the
    ``n_val`` examples held out, taken class by class in turn (seeded). The real test
    set is not used: pass it separately to measure the model chosen on the validation
    set. Introduced in chapter "Overfitting and regularisation" (early stopping).
    """
    split = _split_arg(split)
    size = split.y_train.size
    if size < 2:
        raise ValueError(f"split must hold at least 2 training examples to hold some "
                         f"out, got {size}")
    n_val = _validate.integer("n_val", n_val, low=1, high=size - 1)
    seed = _validate.integer("seed", seed, low=0, high=2**32 - 1)
    order = _balanced_order(split.y_train, np.random.default_rng(seed))
    held, kept = np.sort(order[:n_val]), np.sort(order[n_val:])
    return replace(split, X_train=split.X_train[kept], y_train=split.y_train[kept],
                   X_test=split.X_train[held], y_test=split.y_train[held])


# ------------------------------------------------- chapter "A CNN with ReLU and dropout"

#: The shapes :func:`shapes` draws, by name. Each is a region bounded by its
#: circumscribed circle of radius R: a circle, a square, an equilateral triangle and a
#: cross of two bars (the last three upright, or turned by a random angle).
SHAPES = ("circle", "square", "triangle", "cross")

#: The most pixels :func:`shapes` makes (n * size * size): 100 MB of float64.
MAX_PIXELS = 12_500_000


def _distance(kind, dx, dy, radius, angle):
    """A signed distance-like function of the shape ``kind`` centred at 0 with
    circumradius ``radius`` and turned by ``angle``, at the offsets ``(dx, dy)``:
    <= 0 inside, > 0 outside, and as large as the Euclidean distance along the edges'
    normals (the stroke of an outline is the band ``-width <= d <= 0``). All arrays
    broadcast (images x rows x columns)."""
    if kind == "circle":
        return np.hypot(dx, dy) - radius
    cos, sin = np.cos(angle), np.sin(angle)
    u, v = cos * dx + sin * dy, cos * dy - sin * dx
    if kind == "square":                  # inradius R / sqrt(2)
        return np.maximum(np.abs(u), np.abs(v)) - radius / math.sqrt(2)
    if kind == "triangle":                # the largest of three half-planes; inradius R / 2
        return np.maximum.reduce([
            np.cos(a) * u + np.sin(a) * v
            for a in (np.pi / 2, np.pi / 2 + 2 * np.pi / 3, np.pi / 2 + 4 * np.pi / 3)
        ]) - radius / 2
    # cross: two bars of half-width b and half-length sqrt(R^2 - b^2)
    b = 0.22 * radius
    half = np.sqrt(radius**2 - b**2)
    bar_u = np.maximum(np.abs(u) - half, np.abs(v) - b)
    bar_v = np.maximum(np.abs(v) - half, np.abs(u) - b)
    return np.minimum(bar_u, bar_v)


def _render(labels, classes, size, fill, rng, rotate=False):
    """Noise-free images (len(labels) x size x size) of the shapes ``labels`` name,
    each with a random circumradius, centre, angle, stroke width, fill and intensity
    drawn from ``rng`` (in that order, one array each; the angles are drawn in either
    case and used only with ``rotate``, so both give the same sizes and positions);
    the ink stays at least half a pixel inside the outermost pixel centres."""
    n = labels.size
    grid = np.arange(size, dtype=np.float64)
    radius = rng.uniform(0.25, 0.45, n) * size
    # centres: the circumscribed circle stays >= 0.5 px inside the outermost pixel
    # centres, so the border rows and columns are never inked
    low, high = radius + 0.5, size - 1.5 - radius
    cx = low + rng.random(n) * (high - low)
    cy = low + rng.random(n) * (high - low)
    angle = rng.uniform(0.0, 2 * np.pi, n)
    if not rotate:
        angle = np.zeros(n)
    width = rng.uniform(1.0, 2.0, n) * size / 16
    filled = rng.random(n) < fill
    intensity = rng.uniform(0.5, 1.0, n)
    images = np.zeros((n, size, size))
    for label, kind in enumerate(classes):
        idx = np.flatnonzero(labels == label)
        # each image's numbers as a column (images x 1 x 1) against the pixel grid
        r, x, y, a, w, f, v = (arr[idx, None, None] for arr in
                               (radius, cx, cy, angle, width, filled, intensity))
        d = _distance(kind, grid[None, None, :] - x, grid[None, :, None] - y, r, a)
        images[idx] = ((d <= 0) & (f | (d >= -w))) * v
    return images


def shapes(
    n: int = 1500,
    size: int = 16,
    classes=("circle", "square", "triangle"),
    noise: float = 0.1,
    seed: int = 0,
    test_fraction: float = 0.2,
    fill: float = 0.5,
    standardize: bool = True,
    rotate: bool = False,
) -> Split:
    """A seeded synthetic image set: ``n`` grey ``size`` x ``size`` images, each of one
    shape, split into train and test. Introduced in chapter "A CNN with ReLU and
    dropout", which trains its convolutional network on it.

    ``classes`` names the shapes, label i for ``classes[i]``, from :data:`SHAPES`
    (``"circle"``, ``"square"``, ``"triangle"``, ``"cross"``; at least two, no
    repeats). Each image draws its shape's size (circumradius 25 % to 45 % of
    ``size``), centre (the whole shape inside the image, its outermost rows and
    columns left blank), angle (with ``rotate``, squares, triangles and crosses are
    turned by a random angle; by default they stand upright: a square's sides
    horizontal and vertical, a triangle on its base), stroke
    width (1 to 2 pixels at size 16, scaled with the size), whether it is filled
    (with probability ``fill``, else an outline) and its intensity (0.5 to 1 on a
    background of 0), then Gaussian pixel noise of standard deviation ``noise`` is
    added. Pixels are sampled at their centres (no anti-aliasing), with numpy only.

    The classes are balanced: their sizes differ by at most one, and the test set
    takes ``round(test_fraction * (n // len(classes)))`` images of every class. The
    images come in a seeded random order. Rows are the images flattened row by row
    (``X`` is ``n`` x ``size * size``, float64; ``y`` int64), and the split's
    ``image_shape`` is ``(1, size, size)``, so :meth:`Split.images` gives them back as
    (N, 1, H, W). With ``standardize`` each pixel is centred and scaled by the
    training mean and standard deviation, as :func:`digits` does. The same arguments
    give the same arrays on every machine.
    """
    n = _validate.integer("n", n, low=1, high=10**6)
    size = _validate.integer("size", size, low=8, high=128)
    if isinstance(classes, str) or not isinstance(classes, (list, tuple)):
        raise TypeError(f"classes must be a list of shape names from {list(SHAPES)}, "
                        f"got {type(classes).__name__}")
    for name in classes:
        _validate.choice("each entry of classes", name, SHAPES)
    if len(classes) < 2 or len(set(classes)) != len(classes):
        raise ValueError(f"classes must name at least 2 distinct shapes from "
                         f"{list(SHAPES)}, got {list(classes)}")
    classes = tuple(classes)
    noise = _validate.real("noise", noise, low=0.0, high=10.0)
    seed = _validate.integer("seed", seed, low=0, high=2**32 - 1)
    test_fraction = _validate.real("test_fraction", test_fraction, low=0.0, high=1.0,
                                   low_open=True, high_open=True)
    fill = _validate.real("fill", fill, low=0.0, high=1.0)
    standardize = _validate.boolean("standardize", standardize)
    rotate = _validate.boolean("rotate", rotate)
    k = len(classes)
    if n < 2 * k:
        raise ValueError(f"n must be at least 2 per class, {2 * k} for {k} classes "
                         f"(one training and one test image each), got {n}")
    if n * size * size > MAX_PIXELS:
        raise ValueError(f"n * size * size must be at most {MAX_PIXELS:,} pixels, got "
                         f"n={n}, size={size}")
    per_class = n // k
    n_test = round(test_fraction * per_class)
    if not 1 <= n_test <= per_class - 1:
        raise ValueError(
            f"test_fraction={test_fraction:g} leaves the "
            f"{'test' if n_test < 1 else 'training'} set of a class empty "
            f"({per_class} images per class): use a value between "
            f"{math.ceil(0.51 / per_class * 1000) / 1000:.3f} and "
            f"{math.floor((1 - 0.51 / per_class) * 1000) / 1000:.3f}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % k)
    X = _render(labels, classes, size, fill, rng, rotate).reshape(n, size * size)
    if noise:
        X += noise * rng.standard_normal(X.shape)
    test = np.zeros(n, dtype=bool)
    for label in range(k):          # the first n_test of each class, in random order
        test[np.flatnonzero(labels == label)[:n_test]] = True
    X_train, X_test = X[~test], X[test]
    if standardize:
        X_train, X_test = _standardized(X_train, X_test)
    return Split(X_train, labels[~test].astype(np.int64), X_test,
                 labels[test].astype(np.int64), n_classes=k,
                 image_shape=(1, size, size), class_names=classes)
