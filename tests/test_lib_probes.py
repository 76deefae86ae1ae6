"""lib.probes: gradient norms against hand-computed back-propagation, activation statistics
on hand-made arrays and tiny models with known outputs."""

import numpy as np
import pytest
import torch
from torch import nn

from lib import activations, nets, probes

# tiny models: extra threads only contend with the other xdist worker (and can be
# many times slower when two processes spin on two cores)
torch.set_num_threads(1)


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _onehot(y, k):
    out = np.zeros((y.size, k))
    out[np.arange(y.size), y] = 1.0
    return out


def _set(linear, W, b):
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(W, dtype=linear.weight.dtype))
        linear.bias.copy_(torch.tensor(b, dtype=linear.bias.dtype))


W1 = np.array([[0.5, -1.0], [2.0, 0.25]])
B1 = np.array([0.1, -0.3])
X1 = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, -3.0]])
Y1 = np.array([0, 1, 1])


def _one_layer():
    model = nn.Sequential(nn.Linear(2, 2, dtype=torch.float64))
    _set(model[0], W1, B1)
    return model


def test_grad_norms_one_layer_by_hand():
    # mean cross-entropy: dL/dW = (softmax(XW^T + b) - onehot(y))^T X / n
    p = _softmax(X1 @ W1.T + B1)
    grad_w = (p - _onehot(Y1, 2)).T @ X1 / len(Y1)
    want = np.sqrt((grad_w**2).sum())
    got = probes.grad_norms(_one_layer(), X1, Y1)
    assert isinstance(got, np.ndarray) and got.shape == (1,)
    assert got[0] == pytest.approx(want, rel=1e-12)


def test_grad_norms_accepts_tensors_and_numpy_alike():
    model = _one_layer()
    a = probes.grad_norms(model, X1, Y1)
    b = probes.grad_norms(model, torch.tensor(X1), torch.tensor(Y1))
    c = probes.grad_norms(model, X1.astype(np.float32), Y1.astype(np.int32))
    np.testing.assert_allclose(a, b, rtol=1e-15)
    np.testing.assert_allclose(a, c, rtol=1e-6)


def test_grad_norms_two_layers_by_hand_input_to_output():
    rng = np.random.default_rng(0)
    Wa, ba = rng.normal(size=(4, 3)), rng.normal(size=4)
    Wb, bb = rng.normal(size=(2, 4)), rng.normal(size=2)
    X = rng.normal(size=(7, 3))
    y = rng.integers(0, 2, size=7)
    model = nn.Sequential(
        nn.Linear(3, 4, dtype=torch.float64), nn.Tanh(), nn.Linear(4, 2, dtype=torch.float64)
    )
    _set(model[0], Wa, ba)
    _set(model[2], Wb, bb)
    # forward and backward in numpy
    pre = X @ Wa.T + ba
    h = np.tanh(pre)
    delta_out = (_softmax(h @ Wb.T + bb) - _onehot(y, 2)) / len(y)
    grad_b = delta_out.T @ h
    delta_hidden = (delta_out @ Wb) * (1 - h**2)
    grad_a = delta_hidden.T @ X
    want = [np.linalg.norm(grad_a), np.linalg.norm(grad_b)]
    np.testing.assert_allclose(probes.grad_norms(model, X, y), want, rtol=1e-12)


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_grad_norms_leaves_grad_and_mode_alone(mode):
    torch.manual_seed(0)
    model = nets.mlp([5, 6, 3], dropout=0.5)
    model.train(mode == "train")
    X = torch.randn(8, 5, dtype=torch.float64)
    y = torch.arange(8) % 3
    sentinel = torch.full_like(model[0].weight, 7.0)
    model[0].weight.grad = sentinel.clone()
    probes.grad_norms(model, X, y)
    assert torch.equal(model[0].weight.grad, sentinel)
    assert model[0].bias.grad is None and model[-1].weight.grad is None
    assert all(m.training == (mode == "train") for m in model.modules())


def test_grad_norms_ignores_dropout():
    torch.manual_seed(1)
    model = nets.mlp([5, 6, 6, 3], dropout=0.5)
    model.train()
    X = torch.randn(20, 5, dtype=torch.float64)
    y = torch.arange(20) % 3
    a = probes.grad_norms(model, X, y)
    b = probes.grad_norms(model, X, y)
    no_dropout = nn.Sequential(*[m for m in model if not isinstance(m, nn.Dropout)])
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, probes.grad_norms(no_dropout, X, y), rtol=1e-14)
    assert a.shape == (3,) and (a > 0).all()


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu"])
def test_hidden_outputs_pairs(activation):
    torch.manual_seed(2)
    model = nets.mlp([5, 7, 6, 3], activation=activation, dropout=0.5)
    model.train()
    X = np.random.default_rng(3).normal(size=(11, 5))
    pairs = probes.hidden_outputs(model, X)
    assert len(pairs) == 2
    assert [(p.shape, o.shape) for p, o in pairs] == [((11, 7), (11, 7)), ((11, 6), (11, 6))]
    fn, _ = activations.get(activation)
    for pre, out in pairs:
        assert isinstance(pre, np.ndarray) and isinstance(out, np.ndarray)
        np.testing.assert_allclose(out, fn(pre), rtol=1e-12, atol=1e-15)
    # pre-activations are the Linear layers' outputs, with dropout off
    layers = nets.linear_layers(model)
    W0, b0 = layers[0].weight.detach().numpy(), layers[0].bias.detach().numpy()
    W1_, b1_ = layers[1].weight.detach().numpy(), layers[1].bias.detach().numpy()
    np.testing.assert_allclose(pairs[0][0], X @ W0.T + b0, rtol=1e-12)
    np.testing.assert_allclose(pairs[1][0], pairs[0][1] @ W1_.T + b1_, rtol=1e-12)
    assert model.training and all(m.training for m in model.modules())


def test_hidden_outputs_no_hidden_layer_and_eval_mode_kept():
    model = nets.mlp([4, 2])
    model.eval()
    assert probes.hidden_outputs(model, np.zeros((3, 4))) == []
    assert not model.training


def test_hidden_outputs_returns_copies():
    torch.manual_seed(0)
    model = nets.mlp([3, 4, 2], activation="relu")
    X = torch.randn(5, 3, dtype=torch.float64)
    pre, out = probes.hidden_outputs(model, X)[0]
    pre[:] = 123.0
    again = probes.hidden_outputs(model, X)[0][0]
    assert not np.any(again == 123.0)


def test_zero_fraction_known_answers():
    assert probes.zero_fraction([[0.0, 1.0], [0.0, -0.0]]) == 0.75
    assert probes.zero_fraction(np.array([1e-300, -1e-300, 2.0])) == 0.0
    assert probes.zero_fraction(np.zeros((2, 3))) == 1.0
    assert probes.zero_fraction([0, 0, 0, 5]) == 0.75


def test_dead_fraction_known_answers():
    assert probes.dead_fraction([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]]) == pytest.approx(1 / 3)
    assert probes.dead_fraction(np.zeros((4, 2))) == 1.0
    assert probes.dead_fraction(np.eye(3)) == 0.0
    # a unit that is zero on all but one example is alive
    out = np.zeros((100, 4))
    out[57, 2] = 0.1
    assert probes.dead_fraction(out) == 0.75


def test_saturated_fraction_known_answers():
    sig = [0.005, 0.5, 0.995, 0.02]
    assert probes.saturated_fraction(sig, "sigmoid") == 0.5
    assert probes.saturated_fraction(sig, "sigmoid", tol=0.03) == 0.75
    assert probes.saturated_fraction(sig, "sigmoid", tol=0.001) == 0.0
    tanh = np.array([[-0.995, 0.0], [0.995, 0.6]])
    assert probes.saturated_fraction(tanh, "tanh") == 0.5
    assert probes.saturated_fraction(tanh, "tanh", tol=0.499) == 0.75
    # near 0 is not saturation for tanh
    assert probes.saturated_fraction([0.001, -0.001], "tanh") == 0.0
    assert probes.saturated_fraction([0.0, 5.0, 100.0], "relu") == 0.0
    assert probes.saturated_fraction([0.0, 5.0, 100.0], "leaky_relu") == 0.0


def _relu_model():
    # unit 0 copies x0, unit 1 copies x1, unit 2 is negative everywhere (dead)
    model = nn.Sequential(
        nn.Linear(2, 3, dtype=torch.float64), nn.ReLU(), nn.Linear(3, 2, dtype=torch.float64)
    )
    _set(model[0], [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]], [0.0, 0.0, -10.0])
    return model


X_STATS = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 0.0], [2.0, 2.0]])


def test_activation_stats_relu_by_hand():
    stats = probes.activation_stats(_relu_model(), X_STATS)
    assert len(stats) == 1
    s = stats[0]
    assert set(s) == {"mean", "std", "saturated", "zero", "dead"}
    out = np.array([[1, 2, 0], [3, 0, 0], [0, 0, 0], [2, 2, 0]], dtype=float)
    assert s["mean"] == pytest.approx(10 / 12)
    assert s["std"] == pytest.approx(np.sqrt(((out - 10 / 12) ** 2).mean()))
    assert s["zero"] == pytest.approx(7 / 12)
    assert s["dead"] == pytest.approx(1 / 3)
    assert s["saturated"] == 0.0
    assert all(isinstance(v, float) for v in s.values())


def test_activation_stats_sigmoid_and_tanh_by_hand():
    # layer 1: sigmoid of (100 x, 0); layer 2: tanh of (first unit of layer 1 x 0.5)
    model = nn.Sequential(
        nn.Linear(1, 2, dtype=torch.float64), nn.Sigmoid(),
        nn.Linear(2, 1, dtype=torch.float64), nn.Tanh(),
        nn.Linear(1, 2, dtype=torch.float64),
    )
    _set(model[0], [[100.0], [0.0]], [0.0, 0.0])
    _set(model[2], [[20.0, 0.0]], [-10.0])
    X = np.array([[1.0], [-1.0], [0.001]])
    stats = probes.activation_stats(model, X)
    assert len(stats) == 2
    # sigmoid outputs: unit 0 = (1, 0, 0.525), unit 1 = 0.5 everywhere
    assert stats[0]["saturated"] == pytest.approx(2 / 6)
    assert stats[0]["dead"] == 0.0
    assert stats[0]["mean"] == pytest.approx((1 + 0 + 1 / (1 + np.exp(-0.1)) + 1.5) / 6, abs=1e-12)
    # tanh of (20 * s - 10): s = 1 -> tanh(10), s = 0 -> tanh(-10), s = 0.525 -> about 0.5
    assert stats[1]["saturated"] == pytest.approx(2 / 3)
    assert stats[1]["zero"] == 0.0
    # tanh(20 * 0.525 - 10) = 0.46 stays below 1 - 0.49; sigmoid's 0.525 exceeds 1 - 0.499
    assert probes.activation_stats(model, X, tol=0.49)[1]["saturated"] == pytest.approx(2 / 3)
    assert probes.activation_stats(model, X, tol=0.499)[0]["saturated"] == pytest.approx(3 / 6)


def test_activation_stats_skips_dropout_and_keeps_mode():
    torch.manual_seed(4)
    model = nets.mlp([4, 8, 8, 2], activation="relu", dropout=0.5)
    model.train()
    X = torch.randn(30, 4, dtype=torch.float64)
    a = probes.activation_stats(model, X)
    b = probes.activation_stats(model, X)
    assert a == b and len(a) == 2
    pairs = probes.hidden_outputs(model, X)
    for s, (_, out) in zip(a, pairs, strict=True):
        assert s["zero"] == pytest.approx(np.mean(out == 0))
        assert s["mean"] == pytest.approx(out.mean())
    assert model.training


# ---------------------------------------------------------------- dead units (dying-ReLU chapter)


def test_dead_units_by_hand():
    # unit 0 is <= 0 on every example (0 on one of them): dead; unit 1 is positive once
    model = nn.Sequential(nn.Linear(2, 2, dtype=torch.float64), nn.ReLU(),
                          nn.Linear(2, 2, dtype=torch.float64))
    _set(model[0], [[0.0, -1.0], [1.0, 0.0]], [0.0, -0.5])
    X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    (dead,) = probes.dead_units(model, X)
    np.testing.assert_array_equal(dead, [True, False])
    out = probes.hidden_outputs(model, X)[0][1]
    assert probes.dead_fraction(out) == dead.mean()


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "prelu"])
def test_dead_units_looks_at_pre_activations_for_every_activation(activation):
    torch.manual_seed(0)
    model = nets.mlp([3, 4, 4, 2], activation=activation)
    with torch.no_grad():
        model[2].bias[[0, 2]] = -100.0          # two units of layer 2 far below 0
        model[2].bias[[1, 3]] = 100.0           # and two far above
        model[0].bias[:] = 100.0                # layer 1 always on
    X = np.random.default_rng(0).normal(size=(30, 3))
    dead = probes.dead_units(model, X)
    assert [d.shape for d in dead] == [(4,), (4,)]
    assert dead[1][0] and dead[1][2]
    assert not dead[0].any() and not dead[1][1] and not dead[1][3]


def test_dead_unit_gets_exactly_zero_gradient():
    torch.manual_seed(0)
    model = nets.mlp([3, 5, 2])
    with torch.no_grad():
        model[0].bias[1] = -100.0
    X = torch.randn(40, 3, dtype=torch.float64)
    y = torch.randint(0, 2, (40,))
    assert probes.dead_units(model, X)[0].tolist() == [False, True, False, False, False]
    loss = nn.functional.cross_entropy(model(X), y)
    g_w, g_b = torch.autograd.grad(loss, [model[0].weight, model[0].bias])
    assert torch.all(g_w[1] == 0) and g_b[1] == 0
    assert torch.all(g_w[0] != 0)


# ---------------------------------------------------------------- backprop_norms, activation_spread


def _two_layer(activation=nn.Tanh):
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4, dtype=torch.float64), activation(),
                         nn.Linear(4, 2, dtype=torch.float64))


X2 = np.array([[1.0, -2.0, 0.5], [0.3, 0.1, -1.0], [2.0, 0.0, 1.5], [-0.7, 1.2, 0.4]])
Y2 = np.array([0, 1, 1, 0])


def test_backprop_norms_by_hand():
    model = _two_layer()
    W1 = model[0].weight.detach().numpy()
    b1 = model[0].bias.detach().numpy()
    W2 = model[2].weight.detach().numpy()
    b2 = model[2].bias.detach().numpy()
    a1 = X2 @ W1.T + b1
    h1 = np.tanh(a1)
    logits = h1 @ W2.T + b2
    d_out = _softmax(logits) - _onehot(Y2, 2)          # d loss_i / d logits, per example
    d_a1 = (d_out @ W2) * (1 - h1**2)                  # back through W2 and tanh'
    want = [np.sqrt(np.mean(np.sum(d**2, axis=1))) for d in (d_a1, d_out)]
    np.testing.assert_allclose(probes.backprop_norms(model, X2, Y2), want, rtol=1e-12)


def test_backprop_norms_does_not_depend_on_the_number_of_examples():
    model = _two_layer()
    once = probes.backprop_norms(model, X2, Y2)
    twice = probes.backprop_norms(model, np.vstack([X2, X2]), np.concatenate([Y2, Y2]))
    np.testing.assert_allclose(once, twice, rtol=1e-12)


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_backprop_norms_leaves_grad_mode_and_dropout_alone(mode):
    torch.manual_seed(0)
    model = nets.mlp([3, 8, 2], activation="relu", dropout=0.5)
    getattr(model, mode)()
    first = probes.backprop_norms(model, X2, Y2)
    assert all(p.grad is None for p in model.parameters())
    assert model.training == (mode == "train")
    np.testing.assert_array_equal(first, probes.backprop_norms(model, X2, Y2))
    with torch.no_grad():   # works inside no_grad too
        np.testing.assert_array_equal(first, probes.backprop_norms(model, X2, Y2))


def test_activation_spread_by_hand():
    model = _two_layer(nn.Sigmoid)
    with torch.no_grad():
        a1 = model[0](torch.tensor(X2))
        h1 = torch.sigmoid(a1).numpy()
        logits = model(torch.tensor(X2)).numpy()
    want = [h1.std(axis=0).mean(), logits.std(axis=0).mean()]
    np.testing.assert_allclose(probes.activation_spread(model, X2), want, rtol=1e-12)


def test_activation_spread_ignores_what_does_not_depend_on_the_input():
    model = _two_layer()
    with torch.no_grad():
        model[0].weight.zero_()
        model[0].bias.copy_(torch.tensor([3.0, -1.0, 0.5, 2.0]))   # fixed, different units
    spread = probes.activation_spread(model, X2)
    assert spread[0] == 0 and spread[1] == 0
    assert probes.activation_stats(model, X2)[0]["std"] > 0.5       # the overall std is not


def test_activation_spread_shrinks_through_a_deep_sigmoid_net():
    torch.manual_seed(0)
    model = nets.mlp([3] + [16] * 6 + [2], activation="sigmoid", bias="zeros")
    spread = probes.activation_spread(model, np.random.default_rng(0).normal(size=(50, 3)))
    assert spread.size == 7 and np.all(np.diff(spread[:-1]) < 0)


def test_active_share_and_nearly_dead_by_hand():
    # one hidden layer of 3 units with identity weights: unit j's pre-activation is
    # column j of X (bias 0), so the shares can be read off X
    model = nets.mlp([3, 3, 2])
    with torch.no_grad():
        model[0].weight.copy_(torch.eye(3, dtype=torch.float64))
        model[0].bias.zero_()
    X = np.zeros((200, 3))
    X[:, 0] = 1.0                     # active everywhere
    X[:1, 1] = 1.0                    # active on 1 of 200 rows (0.5%)
    X[:, 2] = -1.0                    # dead
    (share,) = probes.active_share(model, X)
    assert share.tolist() == [1.0, 0.005, 0.0]
    (near,) = probes.nearly_dead_units(model, X)
    assert near.tolist() == [False, True, True]
    (near,) = probes.nearly_dead_units(model, X, below=0.005)   # strictly fewer
    assert near.tolist() == [False, False, True]
    (dead,) = probes.dead_units(model, X)
    assert np.array_equal(dead, share == 0)


def test_a_diverged_model_has_no_dead_units_but_an_error():
    # a run that diverged leaves nan pre-activations: such units are neither dead nor
    # alive. active_share marks them nan (so a probe during training survives the epoch it
    # diverged in), dead_units and nearly_dead_units refuse with a sentence
    model = nets.mlp([3, 3, 2])
    with torch.no_grad():
        model[0].weight.copy_(torch.eye(3, dtype=torch.float64))
        model[0].bias.zero_()
        model[0].weight[1, 1] = float("nan")
        model[0].weight[2, 2] = -float("inf")       # -inf still has a sign: dead
    X = np.ones((5, 3))
    (share,) = probes.active_share(model, X)
    assert share[0] == 1.0 and np.isnan(share[1]) and share[2] == 0.0
    for probe in (probes.dead_units, probes.nearly_dead_units):
        with pytest.raises(ValueError, match=r"hidden layer 1 are nan.*diverged"):
            probe(model, X)
    with torch.no_grad():
        model[0].weight[1, 1] = 1.0
    np.testing.assert_array_equal(probes.dead_units(model, X)[0], [False, False, True])


def test_dead_units_refuses_an_empty_data_set():
    # on no examples every unit would be "dead": refused instead
    model = nets.mlp([3, 3, 2])
    for probe in (probes.dead_units, probes.nearly_dead_units, probes.active_share):
        with pytest.raises(ValueError, match="at least one example"):
            probe(model, np.zeros((0, 3)))


# ---------------------------------------------------------------- maxout, noise (chapter 8)

def _maxout_net():
    torch.manual_seed(0)
    return nets.mlp([6, 5, 4, 3], activation="maxout", pieces=3, dropout=0.5)


def _maxout_data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(20, 6)), np.arange(20) % 3


def test_probes_see_every_maxout_hidden_layer():
    model, (X, y) = _maxout_net(), _maxout_data()
    pairs = probes.hidden_outputs(model, X)
    assert [out.shape for _, out in pairs] == [(20, 5), (20, 4)]
    with torch.no_grad():
        h1 = model[0](torch.as_tensor(X))
        h2 = model[2](h1)                            # Maxout, Dropout, Maxout, ...
    np.testing.assert_array_equal(pairs[0][1], h1.numpy())
    np.testing.assert_array_equal(pairs[1][1], h2.numpy())
    np.testing.assert_array_equal(pairs[1][0], pairs[1][1])
    assert probes.activation_spread(model, X).shape == (3,)     # 2 hidden + logits
    norms = probes.backprop_norms(model, X, y)
    assert norms.shape == (3,) and np.all(norms > 0)
    assert len(probes.grad_norms(model, X, y)) == 3
    stats = probes.activation_stats(model, X)
    assert len(stats) == 2 and all(np.isnan(s["dead"]) and np.isnan(s["zero"])
                                   for s in stats)
    assert stats[0]["mean"] == pytest.approx(float(pairs[0][1].mean()))


def test_backprop_norms_of_maxout_reach_the_pieces_by_autograd():
    # the first layer's error, by hand: the gradient of the summed loss with respect
    # to the inner Linear's output (all pieces), RMS over the examples
    model, (X, y) = _maxout_net(), _maxout_data()
    model.eval()
    Xt = torch.as_tensor(X)
    z = model[0].linear(Xt).detach().requires_grad_()
    h = nets._max_over_pieces(z, model[0].n_out, model[0].k)
    for layer in model[1:]:
        h = layer(h)
    loss = nn.functional.cross_entropy(h, torch.as_tensor(y), reduction="sum")
    (g,) = torch.autograd.grad(loss, z)
    want = (g.norm() / len(X) ** 0.5).item()
    assert probes.backprop_norms(model, X, y)[0] == pytest.approx(want, rel=1e-12)
    # only the winning piece of each unit gets an error
    assert int((g.reshape(20, 5, 3) != 0).sum(dim=2).max()) <= 1


@pytest.mark.parametrize("probe", ["dead_units", "active_share", "nearly_dead_units"])
def test_dead_unit_probes_refuse_maxout_by_name(probe):
    X, _ = _maxout_data()
    with pytest.raises(ValueError, match="Maxout.*never dead"):
        getattr(probes, probe)(_maxout_net(), X)


def test_probes_skip_gaussian_dropout_as_dropout():
    torch.manual_seed(0)
    gauss = nets.mlp([6, 5, 4, 3], dropout=0.5, input_dropout=0.2, noise="gaussian",
                     dropconnect=0.3)
    torch.manual_seed(0)
    plain = nets.mlp([6, 5, 4, 3])
    X, y = _maxout_data()
    for a, b in zip(probes.hidden_outputs(gauss, X), probes.hidden_outputs(plain, X),
                    strict=True):
        np.testing.assert_array_equal(a[1], b[1])
    assert len(probes.activation_stats(gauss, X)) == 2
    np.testing.assert_allclose(probes.backprop_norms(gauss, X, y),
                               probes.backprop_norms(plain, X, y), rtol=1e-12)
