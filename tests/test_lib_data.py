"""lib.data.digits: sizes, stratification, no leakage, standardisation, seeding."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from lib import data

# tiny models: extra threads only contend with the other xdist worker (and can be
# many times slower when two processes spin on two cores)
torch.set_num_threads(1)


@pytest.fixture(scope="module")
def sk():
    bunch = load_digits()
    return bunch.data.astype(np.float64), bunch.target.astype(np.int64)


@pytest.fixture(scope="module")
def raw():
    return data.digits(seed=0, standardize=False)


@pytest.fixture(scope="module")
def std():
    return data.digits(seed=0)


def _indices(rows, sk_X):
    """The row numbers in sklearn's array of each row (the 1,797 rows are all distinct)."""
    lookup = {r.tobytes(): i for i, r in enumerate(sk_X)}
    assert len(lookup) == len(sk_X)
    return np.array([lookup[r.tobytes()] for r in rows])


def test_sizes_and_types(std):
    assert isinstance(std, data.Split)
    n_train, n_test = len(std.y_train), len(std.y_test)
    assert n_train + n_test == 1797
    assert std.X_train.shape == (n_train, 64) and std.X_test.shape == (n_test, 64)
    assert n_test / 1797 == pytest.approx(0.2, abs=0.005)
    assert std.n_classes == 10 and std.n_features == 64
    assert std.X_train.dtype == np.float64 and std.X_test.dtype == np.float64
    assert std.y_train.dtype == np.int64 and std.y_test.dtype == np.int64


@pytest.mark.parametrize("fraction", [0.2, 0.1, 0.5])
def test_stratified(fraction, sk):
    split = data.digits(test_fraction=fraction, seed=3, standardize=False)
    counts = np.bincount(sk[1], minlength=10)
    test_counts = np.bincount(split.y_test, minlength=10)
    train_counts = np.bincount(split.y_train, minlength=10)
    np.testing.assert_array_equal(test_counts + train_counts, counts)
    assert np.all(np.abs(test_counts - fraction * counts) <= 1)


def test_rows_are_a_partition_of_sklearns_digits(raw, sk):
    sk_X, sk_y = sk
    train_idx = _indices(raw.X_train, sk_X)
    test_idx = _indices(raw.X_test, sk_X)
    assert not set(train_idx) & set(test_idx)
    np.testing.assert_array_equal(np.sort(np.concatenate([train_idx, test_idx])), np.arange(1797))
    # each row keeps its own label
    np.testing.assert_array_equal(raw.y_train, sk_y[train_idx])
    np.testing.assert_array_equal(raw.y_test, sk_y[test_idx])


def test_split_is_shuffled(raw, sk):
    # neither part is in sklearn's order (which would sort test examples by class)
    train_idx = _indices(raw.X_train, sk[0])
    assert not np.all(np.diff(train_idx) > 0)
    assert not np.all(np.diff(raw.y_test) >= 0)


def test_standardised_with_training_statistics_only(raw, std):
    mean = raw.X_train.mean(axis=0)
    sd = raw.X_train.std(axis=0)
    varying = sd > 0
    assert varying.sum() > 50 and (~varying).sum() >= 1  # the digits have blank corner pixels
    np.testing.assert_allclose(std.X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(std.X_train[:, varying].std(axis=0), 1.0, rtol=1e-12)
    # a pixel constant in training is only centred (all zero), never divided by 0
    np.testing.assert_array_equal(std.X_train[:, ~varying], 0.0)
    assert np.isfinite(std.X_test).all()
    # test rows are transformed with the *training* mean and std (no leakage)
    want = (raw.X_test - mean) / np.where(varying, sd, 1.0)
    np.testing.assert_allclose(std.X_test, want, rtol=1e-12, atol=1e-12)
    assert not np.allclose(std.X_test.mean(axis=0)[varying], 0.0, atol=1e-3)
    np.testing.assert_array_equal(std.y_train, raw.y_train)
    np.testing.assert_array_equal(std.y_test, raw.y_test)


def test_unstandardised_pixels_are_0_to_16(raw):
    for X in (raw.X_train, raw.X_test):
        assert X.min() == 0 and X.max() == 16
        np.testing.assert_array_equal(X, np.round(X))


def test_same_seed_same_arrays(std):
    again = data.digits(seed=0)
    for name in ("X_train", "y_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(again, name), getattr(std, name))


def test_defaults_are_fraction_0_2_seed_0():
    a = data.digits()
    b = data.digits(test_fraction=0.2, seed=0, standardize=True)
    np.testing.assert_array_equal(a.X_test, b.X_test)


def test_different_seed_different_split(raw, sk):
    other = data.digits(seed=1, standardize=False)
    a = set(_indices(raw.X_test, sk[0]))
    b = set(_indices(other.X_test, sk[0]))
    assert len(a) == len(b)
    assert a != b
    assert len(a & b) < 0.5 * len(a)  # close to 20% overlap for independent splits


def test_tensors(std):
    tensors = std.tensors()
    assert len(tensors) == 4
    X_train, y_train, X_test, y_test = tensors
    assert all(isinstance(t, torch.Tensor) for t in tensors)
    assert X_train.dtype == torch.float64 and X_test.dtype == torch.float64
    assert y_train.dtype == torch.int64 and y_test.dtype == torch.int64
    np.testing.assert_array_equal(X_train.numpy(), std.X_train)
    np.testing.assert_array_equal(y_test.numpy(), std.y_test)
    assert X_train.shape == std.X_train.shape


def test_split_is_frozen(std):
    with pytest.raises(AttributeError):
        std.X_train = None


# ------------------------------------------------ points in a cube, a ball, a Gaussian
@pytest.mark.parametrize("region", data.REGIONS)
def test_points_shape_dtype_and_seeding(region):
    pts = data.points(200, 7, region, seed=3)
    assert pts.shape == (200, 7) and pts.dtype == np.float64
    assert np.array_equal(pts, data.points(200, 7, region, seed=3))
    assert not np.array_equal(pts, data.points(200, 7, region, seed=4))


def test_cube_points_are_uniform_in_the_unit_cube():
    pts = data.points(20_000, 5, "cube")
    assert pts.min() >= 0 and pts.max() < 1
    assert np.allclose(pts.mean(axis=0), 0.5, atol=0.01)
    assert np.allclose(pts.var(axis=0), 1 / 12, atol=0.005)


@pytest.mark.parametrize("d", [1, 2, 3, 10])
def test_ball_points_are_uniform_in_the_unit_ball(d):
    pts = data.points(20_000, d, "ball", seed=1)
    radius = np.linalg.norm(pts, axis=1)
    assert radius.max() <= 1.0
    # uniform in volume: P(radius <= r) = r^d
    for r in (0.5, 0.8, 0.95):
        assert abs(np.mean(radius <= r) - r ** d) < 0.015
    assert np.allclose(pts.mean(axis=0), 0.0, atol=0.02)


def test_gaussian_points_are_standard_normal():
    pts = data.points(20_000, 4, "gaussian", seed=2)
    assert np.allclose(pts.mean(axis=0), 0.0, atol=0.03)
    assert np.allclose(pts.std(axis=0), 1.0, atol=0.03)


def test_points_refuses_too_many_numbers():
    with pytest.raises(ValueError, match="n \\* d"):
        data.points(10**6, 1000)


# ---------------------------------------------------------------- the overfitting chapter


def test_sine_is_bishops_recipe_and_seeded():
    c = data.sine(n=10, noise=0.3, n_test=100, seed=4)
    np.testing.assert_array_equal(c.x_train, np.linspace(0, 1, 10))
    np.testing.assert_array_equal(c.x_test, np.linspace(0, 1, 100))
    # the noise is Gaussian of the stated size, new on the test points
    rng = np.random.default_rng(4)
    noise_train, noise_test = rng.standard_normal(10), rng.standard_normal(100)
    np.testing.assert_allclose(c.t_train - np.sin(2 * np.pi * c.x_train), 0.3 * noise_train)
    np.testing.assert_allclose(c.t_test - np.sin(2 * np.pi * c.x_test), 0.3 * noise_test)
    again = data.sine(n=10, noise=0.3, n_test=100, seed=4)
    np.testing.assert_array_equal(c.t_test, again.t_test)
    assert not np.array_equal(c.t_train, data.sine(n=10, seed=5).t_train)
    exact = data.sine(n=3, noise=0.0, seed=0)
    np.testing.assert_allclose(exact.t_train, np.sin(2 * np.pi * np.array([0, 0.5, 1])),
                               atol=1e-15)
    big = data.sine(n=5000, noise=0.3, seed=1)
    residual = big.t_train - np.sin(2 * np.pi * big.x_train)
    assert abs(residual.std() - 0.3) < 0.01 and abs(residual.mean()) < 0.02


def test_subset_takes_the_classes_in_turn(std):
    s = data.subset(std, 50, seed=3)
    np.testing.assert_array_equal(np.bincount(s.y_train, minlength=10), [5] * 10)
    assert s.X_test is std.X_test and s.y_test is std.y_test
    # its rows are rows of the training set, with their own labels
    rows = {r.tobytes(): label for r, label in zip(std.X_train, std.y_train)}
    assert all(rows[r.tobytes()] == label for r, label in zip(s.X_train, s.y_train))
    assert len({r.tobytes() for r in s.X_train}) == 50
    counts = np.bincount(data.subset(std, 23, seed=0).y_train, minlength=10)
    assert counts.sum() == 23 and counts.max() - counts.min() == 1
    np.testing.assert_array_equal(data.subset(std, 50, seed=3).X_train, s.X_train)
    assert not np.array_equal(data.subset(std, 50, seed=4).X_train, s.X_train)
    assert data.subset(std, std.y_train.size, seed=1).y_train.size == std.y_train.size


def test_validation_holds_out_part_of_the_training_set_only(std):
    v = data.validation(std, 200, seed=1)
    assert v.y_train.size == std.y_train.size - 200 and v.y_test.size == 200
    counts = np.bincount(v.y_test, minlength=10)
    assert counts.max() - counts.min() <= 1
    kept = {r.tobytes() for r in v.X_train}
    held = {r.tobytes() for r in v.X_test}
    assert not kept & held
    assert kept | held == {r.tobytes() for r in std.X_train}
    assert not held & {r.tobytes() for r in std.X_test}       # never the test set
    small = data.validation(data.subset(std, 50, seed=0), 10, seed=0)
    np.testing.assert_array_equal(np.bincount(small.y_test), [1] * 10)
    np.testing.assert_array_equal(np.bincount(small.y_train), [4] * 10)


def test_validation_needs_two_examples(std):
    one = data.subset(std, 1)
    with pytest.raises(ValueError, match="split must hold at least 2"):
        data.validation(one, 1)


def test_digits_file_is_sklearns_load_digits(sk):
    X, y = data._digits_file()
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert np.array_equal(X, sk[0]) and np.array_equal(y, sk[1])
