"""The book's offline data sets. Nothing here downloads anything.

Introduced in chapter "Sigmoid and the vanishing gradient" (the digits splits); later
chapters add their own data here. Every function is seeded: the same arguments give
the same arrays on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = bunch.data.astype(np.float64)
    y = bunch.target.astype(np.int64)
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
