"""lib.poly: polynomial least squares and ridge fits, Bishop's RMS error."""

import numpy as np
import pytest

from lib import data, poly


def test_features_are_the_powers_lowest_first():
    x = np.array([0.0, 0.5, 2.0])
    np.testing.assert_array_equal(poly.features(x, 2), [[1, 0, 0], [1, 0.5, 0.25],
                                                         [1, 2, 4]])
    assert poly.features(x, 0).shape == (3, 1)


def test_least_squares_recovers_a_polynomial_and_interpolates():
    x = np.linspace(0, 1, 10)
    w_true = np.array([0.3, -1.0, 2.0, 0.5])
    w = poly.fit(x, poly.predict(w_true, x), 3)
    np.testing.assert_allclose(w, w_true, atol=1e-9)
    c = data.sine(n=10, seed=0)
    w9 = poly.fit(c.x_train, c.t_train, 9)             # 10 coefficients, 10 points
    assert poly.rms_error(w9, c.x_train, c.t_train) < 1e-9
    # the normal equations give the same answer where they are well conditioned
    Phi = poly.features(c.x_train, 3)
    np.testing.assert_allclose(poly.fit(c.x_train, c.t_train, 3),
                               np.linalg.solve(Phi.T @ Phi, Phi.T @ c.t_train),
                               rtol=1e-8)


def test_ridge_is_the_closed_form_and_minimises_bishops_error():
    c = data.sine(n=10, seed=2)
    for order, lam in [(9, np.exp(-18)), (3, 0.1), (0, 5.0)]:
        Phi = poly.features(c.x_train, order)
        closed = np.linalg.solve(Phi.T @ Phi + lam * np.eye(order + 1), Phi.T @ c.t_train)
        w = poly.fit(c.x_train, c.t_train, order, lam)
        np.testing.assert_allclose(w, closed, rtol=1e-6, atol=1e-6 * np.abs(w).max())

        def error(v, Phi=Phi, lam=lam):
            r = Phi @ v - c.t_train
            return 0.5 * r @ r + 0.5 * lam * v @ v

        rng = np.random.default_rng(order)
        for _ in range(20):            # any small step away raises E(w)
            assert error(w + 1e-3 * rng.standard_normal(w.size)) > error(w)
    # the penalty shrinks the coefficients, the more the larger lam
    norms = [np.linalg.norm(poly.fit(c.x_train, c.t_train, 9, lam))
             for lam in [0.0, np.exp(-18), 1e-3, 1.0]]
    assert all(a > b for a, b in zip(norms, norms[1:]))


def test_underdetermined_fit_is_the_least_norm_interpolant():
    x, t = np.array([0.0, 0.5, 1.0]), np.array([1.0, -1.0, 0.5])
    w = poly.fit(x, t, 6)
    np.testing.assert_allclose(poly.predict(w, x), t, atol=1e-12)
    np.testing.assert_allclose(w, np.linalg.pinv(poly.features(x, 6)) @ t, atol=1e-10)


def test_rms_error_by_hand():
    x, t = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 4.0])
    # y = 1 + x: errors 0, 1, 1 -> sqrt(2/3)
    assert poly.rms_error([1.0, 1.0], x, t) == pytest.approx(np.sqrt(2 / 3))
    assert poly.rms_error([1.0, 0.0, 0.75], x, t) == pytest.approx(np.sqrt(0.75**2 / 3))
