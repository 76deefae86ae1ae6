"""The book's offline data sets. Nothing here downloads anything.

Introduced in chapter "Sigmoid and the vanishing gradient" (the digits splits); later
chapters add their own data here. Every function is seeded: the same arguments give
the same arrays on every machine.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lib import _validate


@dataclass(frozen=True)
class Split:
    """A train/test split: float64 features, int64 labels, and the class count."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int

    @property
    def n_features(self) -> int:
        """Number of input features (64 for the 8 x 8 digits)."""
        return self.X_train.shape[1]

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
        mean = X_train.mean(axis=0)
        std = X_train.std(axis=0)
        std[std == 0] = 1.0
        X_train = (X_train - mean) / std
        X_test = (X_test - mean) / std
    return Split(X_train, y[train_idx], X_test, y[test_idx], n_classes=10)


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
    return Split(split.X_train[idx], split.y_train[idx], split.X_test, split.y_test,
                 split.n_classes)


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
    return Split(split.X_train[kept], split.y_train[kept], split.X_train[held],
                 split.y_train[held], split.n_classes)
