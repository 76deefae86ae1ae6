"""lib.dropout: numpy dropout against torch.nn.Dropout, the paper's convention, Monte-Carlo
prediction and the linear-regression penalty (chapter "Dropout").

Every statistical test uses fixed seeds, so it is deterministic; its tolerance is five
standard errors of what it averages, so it would fail on a wrong rate or scale."""

import numpy as np
import pytest
import torch
from torch import nn

from lib import dropout, nets

torch.set_num_threads(1)


def _x(shape, seed=0):
    """Nonzero inputs of both signs: a zero output is a dropped unit."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


# ---------------------------------------------------------------- the mask


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_mask_drops_a_binomial_fraction(p):
    n = 100_000
    keep = dropout.mask(n, p, np.random.default_rng(1))
    assert keep.dtype == bool and keep.shape == (n,)
    assert abs((~keep).mean() - p) < 5 * np.sqrt(p * (1 - p) / n)


def test_mask_shape_and_seed():
    a = dropout.mask((3, 4, 5), 0.3, np.random.default_rng(2))
    b = dropout.mask((3, 4, 5), 0.3, np.random.default_rng(2))
    c = dropout.mask((3, 4, 5), 0.3, np.random.default_rng(3))
    assert a.shape == (3, 4, 5)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_p_zero_keeps_everything_and_draws_nothing():
    rng = np.random.default_rng(4)
    state = rng.bit_generator.state
    x = _x((6, 7))
    out, keep = dropout.dropout(x, 0.0, rng, return_mask=True)
    assert np.array_equal(out, x) and keep.all()
    assert dropout.mask(5, 0.0, rng).all()
    assert rng.bit_generator.state == state
    out[0, 0] = 99.0
    assert x[0, 0] != 99.0                              # a copy, not x itself


# ---------------------------------------------------------------- against torch


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_same_expected_value_as_torch_dropout(p):
    x = _x(40, seed=5)
    draws = 4000
    rng = np.random.default_rng(6)
    ours = np.stack([dropout.dropout(x, p, rng) for _ in range(draws)])
    torch.manual_seed(6)
    layer = nn.Dropout(p).train()
    xt = torch.as_tensor(x)
    theirs = torch.stack([layer(xt) for _ in range(draws)]).numpy()
    se = np.abs(x) * np.sqrt(p / (1 - p) / draws)   # sd of x * m / (1 - p), over sqrt(n)
    assert np.all(np.abs(ours.mean(axis=0) - x) < 5 * se)
    assert np.all(np.abs(theirs.mean(axis=0) - x) < 5 * se)
    assert np.all(np.abs(ours.mean(axis=0) - theirs.mean(axis=0)) < 5 * np.sqrt(2) * se)
    # the same values: 0 or x / (1 - p), for both
    for out in (ours, theirs):
        kept = out != 0
        np.testing.assert_allclose(out[kept], np.broadcast_to(x / (1 - p), out.shape)[kept])
    # the same dropped fraction, within a binomial tolerance
    n = ours.size
    for out in (ours, theirs):
        assert abs((out == 0).mean() - p) < 5 * np.sqrt(p * (1 - p) / n)


def test_eval_mode_is_the_identity_like_torch():
    x = _x((5, 6), seed=7)
    out, keep = dropout.dropout(x, 0.5, training=False, return_mask=True)
    assert np.array_equal(out, x) and keep.all()
    assert dropout.dropout(x, 0.5, np.random.default_rng(0), training=False) is not x
    xt = torch.as_tensor(x)
    assert torch.equal(nn.Dropout(0.5).eval()(xt), xt)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.7])
def test_same_mask_same_output_and_gradient_as_torch_autograd(p):
    x = _x((8, 9), seed=8)
    g = np.random.default_rng(9).normal(size=x.shape)
    # torch's own dropout: its output is x * m / (1 - p) with m its mask, and its
    # gradient of sum(out * g) is g * m / (1 - p)
    torch.manual_seed(10)
    xt = torch.tensor(x, requires_grad=True)
    out_t = nn.functional.dropout(xt, p, training=True)
    (grad_t,) = torch.autograd.grad((out_t * torch.as_tensor(g)).sum(), xt)
    m_t = (out_t != 0).numpy()
    np.testing.assert_allclose(out_t.detach().numpy(), x * m_t / (1 - p), rtol=1e-12)
    np.testing.assert_allclose(grad_t.numpy(), g * m_t / (1 - p), rtol=1e-12)
    # ours, with our mask: the same output as torch computing x * m / (1 - p), and our
    # function's gradient (it is linear in x: out = x * c, with c = dropout(1) under
    # the same seed, and c the same for any x) the same as torch's autograd
    out, m = dropout.dropout(x, p, np.random.default_rng(11), return_mask=True)
    xt = torch.tensor(x, requires_grad=True)
    ref = xt * torch.as_tensor(m) / (1 - p)
    (grad_ref,) = torch.autograd.grad((ref * torch.as_tensor(g)).sum(), xt)
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12, atol=0)
    c = dropout.dropout(np.ones_like(x), p, np.random.default_rng(11))
    x2 = _x(x.shape, seed=12)
    np.testing.assert_allclose(dropout.dropout(x2, p, np.random.default_rng(11)), x2 * c,
                               rtol=1e-12)
    np.testing.assert_allclose(g * c, grad_ref.numpy(), rtol=1e-12)


def test_dropout_accepts_a_tensor_and_returns_numpy():
    out = dropout.dropout(torch.ones(3, 4, requires_grad=True), 0.5,
                          np.random.default_rng(0))
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    assert set(np.unique(out)) <= {0.0, 2.0}


# ---------------------------------------------------------------- the paper's convention


@pytest.mark.parametrize("q", [0.5, 0.8])
def test_paper_training_output_expects_test_output(q):
    x = _x(30, seed=13)
    draws = 4000
    rng = np.random.default_rng(14)
    outs = np.stack([dropout.paper_dropout(x, q, rng) for _ in range(draws)])
    test = dropout.paper_dropout(x, q, training=False)
    np.testing.assert_allclose(test, x * q)
    se = np.abs(x) * np.sqrt(q * (1 - q) / draws)
    assert np.all(np.abs(outs.mean(axis=0) - test) < 5 * se)
    kept = outs != 0
    np.testing.assert_allclose(outs[kept], np.broadcast_to(x, outs.shape)[kept])
    assert abs(kept.mean() - q) < 5 * np.sqrt(q * (1 - q) / outs.size)


def test_paper_test_weights_scale_by_the_retention_probability():
    W = _x((4, 3), seed=15)
    np.testing.assert_allclose(dropout.paper_test_weights(W, 0.8), 0.8 * W)
    np.testing.assert_allclose(dropout.paper_test_weights(W, 1.0), W)
    # outgoing weights times q at test time = inputs times q (paper_dropout's test mode)
    x = _x(3, seed=16)
    np.testing.assert_allclose(dropout.paper_test_weights(W, 0.6) @ x,
                               W @ dropout.paper_dropout(x, 0.6, training=False))


@pytest.mark.parametrize("q", [0.5, 0.8, 1.0])
def test_the_two_conventions_give_the_same_network(q):
    W = _x((5, 7), seed=17)
    W_inv, p = dropout.paper_to_inverted(W, q)
    assert p == pytest.approx(1 - q)
    for seed in range(5):
        x = _x(7, seed=18 + seed)
        # training: the same mask (the same seed) gives the same layer output
        paper, m1 = dropout.paper_dropout(x, q, np.random.default_rng(seed),
                                          return_mask=True)
        inverted, m2 = dropout.dropout(x, p, np.random.default_rng(seed), return_mask=True)
        assert np.array_equal(m1, m2)
        np.testing.assert_allclose(W @ paper, W_inv @ inverted, rtol=1e-12)
        # test time: paper's scaled weights = the inverted layer's own weights
        np.testing.assert_allclose(dropout.paper_test_weights(W, q) @ x,
                                   W_inv @ dropout.dropout(x, p, training=False),
                                   rtol=1e-12)


# ---------------------------------------------------------------- Monte-Carlo prediction


def _net(p=0.5, seed=0):
    torch.manual_seed(seed)
    return nets.mlp([6, 10, 10, 3], dropout=p, input_dropout=0.2 if p else 0.0)


X6 = np.random.default_rng(19).normal(size=(9, 6))


@pytest.mark.parametrize("mode", [True, False])
def test_mc_predict_shape_rows_and_mode_restored(mode):
    model = _net()
    model.train(mode)
    torch.manual_seed(0)
    out = dropout.mc_predict(model, X6, 7)
    assert isinstance(out, np.ndarray) and out.shape == (9, 3)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-12)
    assert model.training is mode
    assert all(m.training is mode for m in model.modules())


def test_mc_predict_is_the_mean_of_k_seeded_train_mode_passes():
    model = _net().eval()
    Xt = torch.as_tensor(X6)
    torch.manual_seed(3)
    out1 = dropout.mc_predict(model, X6, 1)
    torch.manual_seed(3)
    out5 = dropout.mc_predict(model, Xt, 5)
    model.train()
    torch.manual_seed(3)
    with torch.no_grad():
        passes = [torch.softmax(model(Xt), dim=1).numpy() for _ in range(5)]
    model.eval()
    np.testing.assert_allclose(out1, passes[0], rtol=1e-12)
    np.testing.assert_allclose(out5, np.mean(passes, axis=0), rtol=1e-12)
    with torch.no_grad():
        eval_probs = torch.softmax(model(Xt), dim=1).numpy()
    assert not np.allclose(out1, eval_probs)              # dropout was on


def test_mc_predict_without_dropout_is_the_eval_softmax():
    model = _net(p=0.0)
    Xt = torch.as_tensor(X6)
    with torch.no_grad():
        want = torch.softmax(model(Xt), dim=1).numpy()
    np.testing.assert_allclose(dropout.mc_predict(model, X6, 4), want, rtol=1e-12)


def test_mc_predict_restores_the_mode_when_the_model_fails():
    model = _net().eval()
    with pytest.raises(ValueError, match="features"):
        dropout.mc_predict(model, np.zeros((2, 5)), 3)
    model = nn.Sequential(nn.Linear(6, 3), nn.Dropout(0.5), nn.Unflatten(1, (3, 1)),
                          nn.Linear(7, 1)).double().eval()
    with pytest.raises(RuntimeError):
        dropout.mc_predict(model, X6, 2)
    assert not model.training


# ---------------------------------------------------------------- linear regression


def _regression(seed=20):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(15, 4)) * np.array([0.5, 1.0, 2.0, 3.0])
    w = rng.normal(size=4)
    y = X @ w + rng.normal(size=15)
    return X, w + 0.3, y


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_linear_penalty_against_a_monte_carlo_average(p):
    X, w, y = _regression()
    rng = np.random.default_rng(21)
    draws = 20_000
    losses = np.array([np.sum((y - dropout.dropout(X, p, rng) @ w) ** 2)
                       for _ in range(draws)])
    want = np.sum((y - X @ w) ** 2) + dropout.linear_penalty(X, w, p)
    se = losses.std(ddof=1) / np.sqrt(draws)
    assert abs(losses.mean() - want) < 5 * se
    # and it is not the plain loss: the penalty is many standard errors away from 0
    assert dropout.linear_penalty(X, w, p) > 20 * se


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_linear_penalty_equals_the_papers_form(p):
    # Srivastava et al. 2014, section 9.1: with retention q and no scaling,
    # E ||y - (R * X) w~||^2 = ||y - q X w~||^2 + q (1 - q) ||Gamma w~||^2,
    # Gamma = diag(X^T X)^(1/2); with w~ = w / q it is ours with p = 1 - q
    X, w, y = _regression(22)
    q = 1 - p
    w_paper = w / q
    gamma = np.sqrt(np.diag(X.T @ X))
    paper = np.sum((y - q * X @ w_paper) ** 2) + q * (1 - q) * np.sum((gamma * w_paper) ** 2)
    ours = np.sum((y - X @ w) ** 2) + dropout.linear_penalty(X, w, p)
    assert paper == pytest.approx(ours, rel=1e-12)
    # the paper's form against its own Monte-Carlo average (paper_dropout, no scaling)
    rng = np.random.default_rng(23)
    draws = 20_000
    losses = np.array([np.sum((y - dropout.paper_dropout(X, q, rng) @ w_paper) ** 2)
                       for _ in range(draws)])
    assert abs(losses.mean() - paper) < 5 * losses.std(ddof=1) / np.sqrt(draws)


def test_linear_penalty_is_zero_without_dropout_and_grows_with_p():
    X, w, _ = _regression()
    assert dropout.linear_penalty(X, w, 0.0) == 0.0
    values = [dropout.linear_penalty(X, w, p) for p in (0.1, 0.3, 0.5, 0.9)]
    assert values == sorted(values)


# ---------------------------------------------------------------- errors


def test_p_one_is_refused_with_the_reason():
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\).*divide"):
        dropout.dropout(np.ones(3), 1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"p_retain must be in \(0, 1\]"):
        dropout.paper_dropout(np.ones(3), 0.0, np.random.default_rng(0))


@pytest.mark.parametrize("rng", [None, 0, np.random.RandomState(0)])
def test_a_missing_or_wrong_generator_says_what_to_pass(rng):
    with pytest.raises(TypeError, match=r"rng .*default_rng\(seed\)"):
        dropout.dropout(np.ones(3), 0.5, rng)
    with pytest.raises(TypeError, match=r"rng .*default_rng\(seed\)"):
        dropout.mask(3, 0.5, rng)


def test_evaluation_and_p_zero_need_no_generator():
    x = np.ones((2, 2))
    assert np.array_equal(dropout.dropout(x, 0.5, training=False), x)
    assert np.array_equal(dropout.dropout(x, 0.0), x)
    assert np.array_equal(dropout.paper_dropout(x, 1.0), x)
    np.testing.assert_allclose(dropout.paper_dropout(x, 0.5, training=False), 0.5 * x)
