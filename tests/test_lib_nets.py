"""lib.nets: the MLP's structure and its initialisations against facts.md's formulas."""

import math

import pytest
import torch
from torch import nn

from lib import nets

# tiny models: extra threads only contend with the other xdist worker (and can be
# many times slower when two processes spin on two cores)
torch.set_num_threads(1)

ACT_TYPES = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU}


def _build(*args, seed=0, **kwargs):
    torch.manual_seed(seed)
    return nets.mlp(*args, **kwargs)


@pytest.mark.parametrize("activation", list(ACT_TYPES))
@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_mlp_layer_sequence(activation, dropout):
    widths = [6, 5, 4, 3, 2]
    model = _build(widths, activation=activation, dropout=dropout)
    assert isinstance(model, nn.Sequential)
    per_hidden = 3 if dropout > 0 else 2
    assert len(model) == (len(widths) - 2) * per_hidden + 1
    expected = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        expected.append((nn.Linear, n_in, n_out))
        if i < len(widths) - 2:
            expected.append((ACT_TYPES[activation], None, None))
            if dropout > 0:
                expected.append((nn.Dropout, None, None))
    for module, (kind, n_in, n_out) in zip(model, expected, strict=True):
        assert type(module) is kind
        if kind is nn.Linear:
            assert (module.in_features, module.out_features) == (n_in, n_out)
        if kind is nn.Dropout:
            assert module.p == dropout
    # the output layer is a bare Linear: logits for a cross-entropy loss
    assert isinstance(model[-1], nn.Linear)
    n_dropout = sum(isinstance(m, nn.Dropout) for m in model)
    assert n_dropout == (len(widths) - 2 if dropout > 0 else 0)


def test_leaky_relu_module_uses_default_slope():
    model = _build([3, 4, 2], activation="leaky_relu")
    assert model[1].negative_slope == 0.01


def test_two_widths_is_a_single_linear_layer():
    model = _build([64, 10], dropout=0.5)
    assert len(model) == 1 and isinstance(model[0], nn.Linear)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_output_shape_and_dtype(dtype):
    model = _build([8, 16, 16, 3], dtype=dtype)
    assert all(p.dtype == dtype for p in model.parameters())
    out = model(torch.zeros(5, 8, dtype=dtype))
    assert out.shape == (5, 3)
    assert out.dtype == dtype


def test_default_dtype_is_float64():
    model = _build([4, 3, 2])
    assert all(p.dtype == torch.float64 for p in model.parameters())


def test_widths_accepts_any_iterable_of_ints():
    a = _build((4, 3, 2), seed=5)
    b = _build(iter([4, 3, 2]), seed=5)
    assert [m.weight.shape for m in nets.linear_layers(a)] == [(3, 4), (2, 3)]
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)


@pytest.mark.parametrize("init", nets.INITS)
def test_same_torch_seed_same_weights(init):
    a = _build([10, 7, 3], init=init, seed=3)
    b = _build([10, 7, 3], init=init, seed=3)
    c = _build([10, 7, 3], init=init, seed=4)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert not torch.equal(a[0].weight, c[0].weight)


def test_init_std_formulas():
    # facts.md: default U[-1/sqrt(n), 1/sqrt(n)] has variance 1/(3n); Xavier
    # Var W = 2/(n_in + n_out); Kaiming std = sqrt(2/fan_in)
    assert nets.init_std("default", 300, 7) == pytest.approx(1 / 30)
    assert nets.init_std("xavier", 300, 100) == pytest.approx(math.sqrt(2 / 400))
    assert nets.init_std("kaiming", 200, 7) == pytest.approx(0.1)
    # U[-a, a] has std a / sqrt(3): a = 1/sqrt(12) gives 1/6
    assert nets.init_std("default", 12, 1) == pytest.approx(1 / 6)
    assert nets.init_std("default", 300, 7) == nets.init_std("default", 300, 9999)
    assert nets.init_std("kaiming", 300, 7) == nets.init_std("kaiming", 300, 9999)
    assert nets.init_std("xavier", 300, 7) != nets.init_std("xavier", 300, 9999)


# wide, non-square layers so that a scheme confusing fan_in and fan_out would show
WIDE = [256, 1024, 128]


@pytest.mark.parametrize("init", nets.INITS)
def test_empirical_weight_std_matches_init_std(init):
    model = _build(WIDE, init=init, dtype=torch.float64, seed=11)
    layers = nets.linear_layers(model)
    assert len(layers) == 2
    for layer in layers:
        w = layer.weight.detach()
        fan_out, fan_in = w.shape
        want = nets.init_std(init, fan_in, fan_out)
        assert w.std().item() == pytest.approx(want, rel=0.03), (init, fan_in, fan_out)
        assert abs(w.mean().item()) < 0.02 * want


def test_default_init_is_uniform_with_bound_one_over_sqrt_fan_in():
    model = _build(WIDE, init="default", seed=2)
    for layer in nets.linear_layers(model):
        bound = 1 / math.sqrt(layer.in_features)
        for p in (layer.weight, layer.bias):
            p = p.detach()
            assert p.abs().max().item() <= bound
        # a uniform sample this large reaches close to its bound
        assert layer.weight.abs().max().item() > 0.99 * bound
        assert layer.bias.abs().max().item() > 0.5 * bound  # biases are drawn, not zero


def test_xavier_is_uniform_with_facts_bound():
    model = _build(WIDE, init="xavier", seed=2)
    for layer in nets.linear_layers(model):
        bound = math.sqrt(6 / (layer.in_features + layer.out_features))
        w = layer.weight.detach().abs()
        assert w.max().item() <= bound
        assert w.max().item() > 0.99 * bound


def test_kaiming_is_gaussian_not_uniform():
    model = _build(WIDE, init="kaiming", seed=2)
    w = model[0].weight.detach()
    std = math.sqrt(2 / 256)
    # a Gaussian has tails beyond sqrt(3) std (where a uniform of that std ends)
    assert w.abs().max().item() > 3.5 * std
    frac_within_1sd = (w.abs() < std).double().mean().item()
    assert frac_within_1sd == pytest.approx(0.6827, abs=0.01)


@pytest.mark.parametrize("init", ["xavier", "kaiming"])
def test_biases_zero_for_xavier_and_kaiming(init):
    model = _build([20, 30, 10], init=init, seed=1)
    for layer in nets.linear_layers(model):
        assert torch.count_nonzero(layer.bias) == 0


def test_linear_layers_in_order():
    model = _build([9, 8, 7, 6, 5], dropout=0.2)
    layers = nets.linear_layers(model)
    assert [(m.in_features, m.out_features) for m in layers] == [(9, 8), (8, 7), (7, 6), (6, 5)]
    assert all(a is b for a, b in zip(layers, [m for m in model if isinstance(m, nn.Linear)]))


def test_linear_layers_finds_nested_layers():
    inner = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 5))
    model = nn.Sequential(nn.Linear(2, 3), inner, nn.Linear(5, 1))
    shapes = [(m.in_features, m.out_features) for m in nets.linear_layers(model)]
    assert shapes == [(2, 3), (3, 4), (4, 5), (5, 1)]
    assert nets.linear_layers(nn.Sequential(nn.ReLU())) == []


# ------------------------------------------------ slopes and PReLU (dying-ReLU chapter)


@pytest.mark.parametrize("slope", [0.0, 0.1, 0.3])
def test_leaky_relu_slope_reaches_the_module(slope):
    model = _build([4, 3, 3, 2], activation="leaky_relu", slope=slope)
    leaky = [m for m in model if isinstance(m, nn.LeakyReLU)]
    assert len(leaky) == 2 and all(m.negative_slope == slope for m in leaky)


def test_prelu_has_one_slope_per_hidden_unit_initialised_at_a_quarter():
    model = _build([4, 5, 3, 2], activation="prelu")
    prelus = [m for m in model if isinstance(m, nn.PReLU)]
    assert [m.weight.shape[0] for m in prelus] == [5, 3]
    assert all(torch.all(m.weight == 0.25) and m.weight.dtype == torch.float64
               for m in prelus)
    model = _build([4, 5, 2], activation="prelu", slope=0.1)
    assert torch.all(model[1].weight == 0.1)


def test_prelu_computes_max_plus_slope_times_min():
    model = _build([3, 4, 2], activation="prelu", slope=0.2)
    x = torch.randn(50, 3, dtype=torch.float64)
    pre = model[0](x)
    expected = torch.clamp(pre, min=0) + 0.2 * torch.clamp(pre, max=0)
    assert torch.allclose(model[1](pre), expected)


def test_slope_for_an_activation_without_one_is_refused():
    for activation in ["relu", "sigmoid", torch.tanh]:
        with pytest.raises(ValueError, match="slope"):
            nets.mlp([4, 3, 2], activation=activation, slope=0.1)


# ---------------------------------------------------------------- bias and gain (chapter 3)


@pytest.mark.parametrize("init", list(nets.INITS))
def test_bias_is_set_the_same_way_for_every_init(init):
    zeros = _build([20, 30, 10], init=init, bias="zeros")
    const = _build([20, 30, 10], init=init, bias=-0.5)
    uniform = _build([20, 30, 10], init=init, bias="uniform")
    for z, c, u in zip(*(nets.linear_layers(m) for m in (zeros, const, uniform))):
        assert torch.count_nonzero(z.bias) == 0
        assert torch.all(c.bias == -0.5)
        bound = 1 / math.sqrt(u.in_features)
        assert u.bias.abs().max() <= bound and u.bias.std() > 0.3 * bound


@pytest.mark.parametrize("init", list(nets.INITS))
def test_bias_does_not_change_the_weights(init):
    a = _build([20, 30, 10], init=init, bias="zeros", seed=3)
    b = _build([20, 30, 10], init=init, bias="uniform", seed=3)
    for la, lb in zip(nets.linear_layers(a), nets.linear_layers(b)):
        assert torch.equal(la.weight, lb.weight)


def test_bias_none_keeps_each_schemes_companion():
    default = _build([20, 30, 10], seed=4)
    same = _build([20, 30, 10], seed=4, bias="uniform")
    for la, lb in zip(nets.linear_layers(default), nets.linear_layers(same)):
        assert torch.equal(la.bias, lb.bias) and torch.count_nonzero(la.bias) > 0
    for init in ("xavier", "kaiming"):
        for layer in nets.linear_layers(_build([20, 30, 10], init=init)):
            assert torch.count_nonzero(layer.bias) == 0


@pytest.mark.parametrize("init", list(nets.INITS))
@pytest.mark.parametrize("gain", [0.25, 4.0])
def test_gain_multiplies_every_weight(init, gain):
    plain = _build([20, 30, 10], init=init, bias="zeros", seed=5)
    scaled = _build([20, 30, 10], init=init, bias="zeros", seed=5, gain=gain)
    for lp, ls in zip(nets.linear_layers(plain), nets.linear_layers(scaled)):
        assert torch.allclose(ls.weight, gain * lp.weight, rtol=1e-12, atol=0)
        assert torch.equal(ls.bias, lp.bias)


# ---------------------------------------------------------------- input dropout (chapter 7)

def test_input_dropout_comes_first_and_hidden_dropout_after_each_activation():
    model = nets.mlp([8, 6, 5, 3], dropout=0.5, input_dropout=0.2)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Dropout", "Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout",
                     "Linear"]
    assert model[0].p == 0.2 and model[3].p == 0.5 and model[6].p == 0.5


def test_input_dropout_zero_adds_no_layer_and_keeps_the_weights():
    torch.manual_seed(3)
    plain = nets.mlp([8, 6, 3])
    torch.manual_seed(3)
    dropped = nets.mlp([8, 6, 3], input_dropout=0.3)
    torch.manual_seed(3)
    zero = nets.mlp([8, 6, 3], input_dropout=0.0)
    assert [type(m) for m in zero] == [type(m) for m in plain]
    for a, b in zip(plain.parameters(), dropped.parameters(), strict=True):
        assert torch.equal(a, b)


def test_input_dropout_drops_inputs_in_training_only():
    torch.manual_seed(0)
    model = nets.mlp([1000, 2], input_dropout=0.25)
    x = torch.ones(4, 1000, dtype=torch.float64)
    model.train()
    out = model[0](x)
    assert abs((out == 0).double().mean().item() - 0.25) < 5 * (0.25 * 0.75 / 4000) ** 0.5
    assert torch.allclose(out[out != 0], torch.tensor(1 / 0.75, dtype=torch.float64))
    model.eval()
    assert torch.equal(model[0](x), x)


# ---------------------------------------------------------------- maxout (chapter 8)

def _maxout(n_in, n_out, k, seed=0, **kwargs):
    torch.manual_seed(seed)
    return nets.Maxout(n_in, n_out, k, **kwargs)


def test_maxout_forward_by_hand():
    # 2 inputs, 2 units of 3 pieces: unit-major rows, unit u's piece j is row u*3 + j
    layer = _maxout(2, 2, 3)
    with torch.no_grad():
        layer.linear.weight.copy_(torch.tensor(
            [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0],      # unit 0
             [2.0, -1.0], [0.5, 0.5], [0.0, 0.0]],      # unit 1
            dtype=torch.float64))
        layer.linear.bias.copy_(torch.tensor([0.0, 0.0, 0.0, 0.0, 0.0, -0.25],
                                             dtype=torch.float64))
    x = torch.tensor([[1.0, 2.0], [-1.0, -3.0], [0.5, -0.5]], dtype=torch.float64)
    # row 1: unit 0 max(1, 2, -3) = 2, unit 1 max(0, 1.5, -0.25) = 1.5
    # row 2: unit 0 max(-1, -3, 4) = 4, unit 1 max(1, -2, -0.25) = 1
    # row 3: unit 0 max(0.5, -0.5, 0) = 0.5, unit 1 max(1.5, 0, -0.25) = 1.5
    expected = torch.tensor([[2.0, 1.5], [4.0, 1.0], [0.5, 1.5]], dtype=torch.float64)
    assert torch.equal(layer(x), expected)
    # the same from the pieces, computed independently
    z = x @ layer.linear.weight.T + layer.linear.bias
    by_loop = torch.stack([torch.stack([z[:, u * 3 + j] for j in range(3)]).max(0).values
                           for u in range(2)], dim=1)
    assert torch.equal(layer(x), by_loop)


def test_maxout_with_a_zero_piece_is_relu_bit_for_bit():
    layer = _maxout(7, 5, 2, seed=3)
    with torch.no_grad():
        layer.linear.weight[1::2] = 0.0        # every unit's second piece: 0
        layer.linear.bias[1::2] = 0.0
    x = torch.randn(200, 7, dtype=torch.float64) * 3
    first = layer.linear(x)[:, 0::2]           # every unit's first piece
    assert torch.equal(layer(x), torch.relu(first))
    assert (first < 0).any() and (first > 0).any()    # both sides seen
    # and a ReLU layer with the first pieces' weights gives the same, to rounding
    # (a matrix product of another shape may round differently)
    relu = nn.Sequential(nn.Linear(7, 5, dtype=torch.float64), nn.ReLU())
    with torch.no_grad():
        relu[0].weight.copy_(layer.linear.weight[0::2])
        relu[0].bias.copy_(layer.linear.bias[0::2])
    assert torch.allclose(layer(x), relu(x), rtol=0, atol=1e-13)


def test_maxout_gradient_reaches_only_the_winning_piece():
    layer = _maxout(3, 4, 3, seed=1)
    x = torch.randn(1, 3, dtype=torch.float64)
    layer(x).sum().backward()
    z = layer.linear(x).detach().view(4, 3)
    winner = z.argmax(dim=1)
    grad_w = layer.linear.weight.grad.view(4, 3, 3)      # unit, piece, input
    grad_b = layer.linear.bias.grad.view(4, 3)
    for u in range(4):
        for j in range(3):
            if j == winner[u]:
                assert torch.equal(grad_w[u, j], x[0]) and grad_b[u, j] == 1.0
            else:
                assert not grad_w[u, j].any() and grad_b[u, j] == 0.0


def test_maxout_layer_sizes_dtype_and_repr():
    layer = _maxout(6, 4, 3, dtype=torch.float32)
    assert (layer.linear.in_features, layer.linear.out_features) == (6, 12)
    assert layer.linear.weight.dtype == torch.float32
    assert layer(torch.zeros(5, 6)).shape == (5, 4)
    assert "k=3" in repr(layer) and "n_out=4" in repr(layer)


def test_mlp_maxout_layout():
    model = _build([8, 6, 5, 3], activation="maxout", pieces=3, dropout=0.5,
                   input_dropout=0.2)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Dropout", "Maxout", "Dropout", "Maxout", "Dropout", "Linear"]
    assert [(m.n_in, m.n_out, m.k) for m in model if isinstance(m, nets.Maxout)] == [
        (8, 6, 3), (6, 5, 3)]
    assert [(lin.in_features, lin.out_features) for lin in nets.linear_layers(model)] == [
        (8, 18), (6, 15), (5, 3)]
    assert model(torch.zeros(2, 8, dtype=torch.float64)).shape == (2, 3)
    plain = _build([8, 6, 3], activation="maxout")
    assert [type(m).__name__ for m in plain] == ["Maxout", "Linear"]
    assert plain[0].k == nets.DEFAULT_PIECES == 2


def test_mlp_maxout_pieces_only_for_maxout():
    with pytest.raises(ValueError, match="pieces"):
        nets.mlp([4, 5, 3], activation="relu", pieces=2)
    with pytest.raises(ValueError, match="pieces"):
        nets.mlp([4, 5, 3], activation="maxout", pieces=1)


@pytest.mark.parametrize("init", list(nets.INITS))
def test_mlp_maxout_init_acts_on_the_inner_linear(init):
    # the same draws as a ReLU network whose hidden Linear has n * pieces rows
    maxout = _build([20, 30, 10], activation="maxout", pieces=4, init=init, gain=2.0,
                    bias=0.1, seed=4)
    relu = _build([20, 120, 10], init=init, gain=2.0, bias=0.1, seed=4)
    a, b = maxout[0].linear, relu[0]
    assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
    std = 2.0 * nets.init_std(init, 20, 120)
    assert abs(a.weight.std().item() / std - 1) < 0.05
    assert torch.all(a.bias == 0.1)


def test_count_parameters():
    relu = _build([64, 40, 10])
    assert nets.count_parameters(relu) == 65 * 40 + 41 * 10
    maxout = _build([64, 20, 10], activation="maxout", pieces=2, dropout=0.5)
    assert nets.count_parameters(maxout) == 65 * 20 * 2 + 21 * 10
    prelu = _build([4, 5, 3], activation="prelu")
    assert nets.count_parameters(prelu) == 5 * 5 + 6 * 3 + 5
    shared = nn.Linear(3, 3)
    assert nets.count_parameters(nn.Sequential(shared, nn.ReLU(), shared)) == 12


# ---------------------------------------------------------------- dropout variants (chapter 8)

@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_gaussian_dropout_has_mean_one_and_the_variance_of_bernoulli_dropout(p):
    torch.manual_seed(3)
    n = 200_000
    layer = nets.GaussianDropout(p)
    factor = layer(torch.ones(n, dtype=torch.float64))
    var = p / (1 - p)                                  # inverted Bernoulli dropout's
    assert abs(float(factor.mean()) - 1) < 5 * math.sqrt(var / n)
    # the sample variance of a normal: standard error var * sqrt(2 / (n - 1))
    assert abs(float(factor.var()) - var) < 5 * var * math.sqrt(2 / (n - 1))
    bernoulli = nn.Dropout(p)(torch.ones(n, dtype=torch.float64))
    assert abs(float(bernoulli.var()) - var) < 0.05 * var
    assert layer.sigma == pytest.approx(math.sqrt(var))


def test_gaussian_dropout_is_the_identity_in_eval_mode_and_at_rate_zero():
    x = torch.randn(7, 5, dtype=torch.float64)
    layer = nets.GaussianDropout(0.5).eval()
    assert torch.equal(layer(x), x)
    state = torch.get_rng_state()
    assert torch.equal(nets.GaussianDropout(0.0)(x), x)
    assert torch.equal(torch.get_rng_state(), state)          # drew nothing
    assert "p=0.5" in repr(layer)


@pytest.mark.parametrize("p", [0.3, 0.7])
def test_dropconnect_drops_weights_with_probability_p_and_keeps_the_mean(p):
    torch.manual_seed(4)
    layer = nets.DropConnectLinear(50, 40, p)
    x = torch.eye(50, dtype=torch.float64)             # row i reads column i of W
    seen = []
    for _ in range(200):
        seen.append(layer(x) - layer.bias)             # (W * mask / (1 - p)).T
    seen = torch.stack(seen)
    W = layer.weight.detach().T
    dropped = float((seen == 0).double().mean())
    n = seen.numel()
    assert abs(dropped - p) < 5 * math.sqrt(p * (1 - p) / n)
    kept = seen != 0
    assert torch.allclose(seen[kept], (W / (1 - p)).expand_as(seen)[kept])
    # the mean over passes approaches W: the mean of 200 draws of W * B / (1 - p)
    mean = seen.mean(dim=0)
    se = W.abs() * math.sqrt(p / (1 - p) / 200)
    assert bool(((mean - W).abs() <= 5 * se + 1e-12).all())
    # one mask per forward call: every example of a batch sees the same weights
    out = layer(torch.ones(3, 50, dtype=torch.float64))
    assert torch.equal(out[0], out[1]) and torch.equal(out[1], out[2])


def test_dropconnect_is_the_mean_linear_in_eval_mode_and_at_rate_zero():
    torch.manual_seed(5)
    plain = nn.Linear(6, 4, dtype=torch.float64)
    torch.manual_seed(5)
    layer = nets.DropConnectLinear(6, 4, 0.5)
    assert torch.equal(layer.weight, plain.weight) and torch.equal(layer.bias, plain.bias)
    x = torch.randn(9, 6, dtype=torch.float64)
    assert torch.equal(layer.eval()(x), plain(x))
    zero = nets.DropConnectLinear(6, 4, 0.0)
    state = torch.get_rng_state()
    assert torch.equal(zero(x), nn.functional.linear(x, zero.weight, zero.bias))
    assert torch.equal(torch.get_rng_state(), state)
    assert "p=0.5" in repr(layer) and isinstance(layer, nn.Linear)


def test_mlp_builds_the_variants_in_place_of_dropout_and_linear():
    torch.manual_seed(0)
    base = nets.mlp([8, 6, 6, 3], dropout=0.5, input_dropout=0.2)
    torch.manual_seed(0)
    gauss = nets.mlp([8, 6, 6, 3], dropout=0.5, input_dropout=0.2, noise="gaussian")
    torch.manual_seed(0)
    dc = nets.mlp([8, 6, 6, 3], dropconnect=0.4)
    assert [type(m).__name__ for m in gauss] == [
        "GaussianDropout", "Linear", "ReLU", "GaussianDropout", "Linear", "ReLU",
        "GaussianDropout", "Linear"]
    assert [m.p for m in gauss if isinstance(m, nets.GaussianDropout)] == [0.2, 0.5, 0.5]
    assert [type(m).__name__ for m in dc] == [
        "DropConnectLinear", "ReLU", "DropConnectLinear", "ReLU", "Linear"]
    assert all(m.p == 0.4 for m in dc if isinstance(m, nets.DropConnectLinear))
    for model in (gauss, dc):                       # the same initial weights
        for a, b in zip(nets.linear_layers(model), nets.linear_layers(base), strict=True):
            assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
    assert nets.count_parameters(dc) == nets.count_parameters(base)
