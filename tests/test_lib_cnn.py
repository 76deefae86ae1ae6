"""lib.nets.cnn and lib.train.fit_many on CNNs (chapter "A CNN with ReLU and dropout"):
shapes against torch's forward pass, parameter counts, where the dropout layers go,
bad calls, and batched training equal to one model at a time."""

import numpy as np
import pytest
import torch
from torch import nn

from lib import conv, data, nets, train

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def shapes():
    return data.shapes(300, seed=0)


def _flat_size(input_shape, filters, k, p, pool):
    c, h, w = input_shape
    for f in filters:
        h, w = conv.output_size(h, k, 1, p), conv.output_size(w, k, 1, p)
        if pool > 1:
            h, w = conv.output_size(h, pool, pool), conv.output_size(w, pool, pool)
        c = f
    return c * h * w


CONFIGS = [
    dict(),
    dict(input_shape=(1, 8, 8), filters=4, classes=10),
    dict(input_shape=(1, 8, 8), filters=(6, 12), kernel_size=3, padding=0, pool=1,
         hidden=20, classes=10),
    dict(input_shape=(3, 16, 12), filters=(5, 7), kernel_size=5, padding=2, pool=2,
         hidden=8, classes=4, pooling="avg"),
    dict(input_shape=(1, 24, 24), filters=(8,), kernel_size=5, padding=0, pool=3,
         classes=3, activation="tanh"),
    dict(input_shape=(2, 9, 9), filters=(3, 3), kernel_size=2, padding=0, pool=2,
         classes=2, activation="leaky_relu", slope=0.1),
]


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_output_shape_and_parameter_count(kwargs):
    torch.manual_seed(0)
    model = nets.cnn(**kwargs)
    args = {**dict(input_shape=(1, 16, 16), filters=(8, 16), kernel_size=3, padding=1,
                   pool=2, hidden=0, classes=3), **kwargs}
    filters = args["filters"] if isinstance(args["filters"], tuple) else (args["filters"],)
    c, h, w = args["input_shape"]
    X = torch.randn(5, c * h * w, dtype=torch.float64)
    out = model(X)
    assert out.shape == (5, args["classes"])
    # images in, the same numbers out
    torch.testing.assert_close(model(X.view(5, c, h, w)), out, rtol=0, atol=0)
    # the flattened size the Linear layer takes is the one output_size predicts
    flat = _flat_size(args["input_shape"], filters, args["kernel_size"],
                      args["padding"], args["pool"])
    features = nn.Sequential(*[mod for mod in model
                               if not isinstance(mod, (nn.Linear, nn.Dropout))])
    cut = [i for i, mod in enumerate(model) if isinstance(mod, nn.Flatten)][0]
    assert model[: cut + 1](X).shape == (5, flat)
    assert nets.linear_layers(model)[0].in_features == flat
    del features
    # parameters by hand: k*k*c_in*f + f per conv layer, then the dense layers
    k = args["kernel_size"]
    count = sum(k * k * a * b + b for a, b in zip((c, *filters[:-1]), filters))
    dense = [flat, *([args["hidden"]] if args["hidden"] else []), args["classes"]]
    count += sum(a * b + b for a, b in zip(dense[:-1], dense[1:]))
    assert nets.count_parameters(model) == count
    assert next(model.parameters()).dtype == torch.float64


def test_the_default_network_layer_by_layer():
    torch.manual_seed(0)
    model = nets.cnn()
    kinds = [type(mod).__name__ for mod in model]
    assert kinds == ["ToImages", "Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU",
                     "MaxPool2d", "Flatten", "Linear"]
    assert nets.count_parameters(model) == (9 * 8 + 8) + (9 * 8 * 16 + 16) + (
        16 * 4 * 4 * 3 + 3)


@pytest.mark.parametrize("placement, hidden, want", [
    ("none", 10, ["Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d",
                  "Flatten", "Linear", "ReLU", "Linear"]),
    ("conv", 10, ["Conv2d", "ReLU", "MaxPool2d", "Dropout2d", "Conv2d", "ReLU",
                  "MaxPool2d", "Dropout2d", "Flatten", "Linear", "ReLU", "Linear"]),
    ("dense", 10, ["Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d",
                   "Flatten", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]),
    ("dense", 0, ["Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d",
                  "Flatten", "Dropout", "Linear"]),
    ("both", 0, ["Conv2d", "ReLU", "MaxPool2d", "Dropout2d", "Conv2d", "ReLU",
                 "MaxPool2d", "Dropout2d", "Flatten", "Dropout", "Linear"]),
])
def test_dropout_layers_go_where_placement_says(placement, hidden, want):
    rate = 0.0 if placement == "none" else 0.3
    model = nets.cnn(hidden=hidden, dropout=rate, placement=placement)
    assert [type(mod).__name__ for mod in model][1:] == want
    for mod in model:
        if isinstance(mod, (nn.Dropout, nn.Dropout2d)):
            assert mod.p == rate


def test_a_pair_of_rates_with_both_and_rate_zero_keeps_the_layers():
    model = nets.cnn(dropout=(0.1, 0.4), placement="both", hidden=6)
    assert [m.p for m in model if isinstance(m, nn.Dropout2d)] == [0.1, 0.1]
    assert [m.p for m in model if isinstance(m, nn.Dropout)] == [0.4, 0.4]
    zero = nets.cnn(dropout=0.0, placement="conv")
    assert sum(isinstance(m, nn.Dropout2d) for m in zero) == 2


def test_dropout_does_not_change_the_initial_weights_and_is_off_in_eval():
    torch.manual_seed(3)
    plain = nets.cnn(hidden=10)
    torch.manual_seed(3)
    dropped = nets.cnn(hidden=10, dropout=0.5, placement="both")
    for p, q in zip(plain.parameters(), dropped.parameters(), strict=True):
        assert torch.equal(p, q)
    X = torch.randn(7, 256, dtype=torch.float64)
    plain.eval()
    dropped.eval()
    torch.testing.assert_close(dropped(X), plain(X), rtol=0, atol=0)
    dropped.train()
    torch.manual_seed(0)
    assert not torch.allclose(dropped(X), plain(X))


def test_dropout2d_drops_whole_feature_maps():
    torch.manual_seed(0)
    model = nets.cnn(filters=8, dropout=0.5, placement="conv")
    model.train()
    maps = model[:5](torch.randn(50, 256, dtype=torch.float64))   # after Dropout2d
    per_map = maps.flatten(2)
    zero = (per_map == 0).all(dim=2)
    # a dropped map is all zeros; a kept one scaled by 2 and (after ReLU) not all zero
    assert 0.35 < zero.double().mean().item() < 0.65
    assert [type(m).__name__ for m in model[:5]][-1] == "Dropout2d"


@pytest.mark.parametrize("init", ["default", "xavier", "kaiming"])
def test_init_schemes_set_the_conv_weights_spread(init):
    torch.manual_seed(0)
    model = nets.cnn(filters=(64, 64), init=init, input_shape=(3, 16, 16))
    conv2 = model[4]
    assert isinstance(conv2, nn.Conv2d)
    fan_in, fan_out = 64 * 9, 64 * 9
    want = nets.init_std(init, fan_in, fan_out)
    assert conv2.weight.std().item() == pytest.approx(want, rel=0.05)
    if init != "default":
        assert torch.all(conv2.bias == 0)


@pytest.mark.parametrize("kwargs, arg", [
    ({"input_shape": (16, 16)}, "input_shape"),
    ({"input_shape": (1, 0, 16)}, "input_shape"),
    ({"input_shape": "1x16x16"}, "input_shape"),
    ({"filters": ()}, "filters"),
    ({"filters": (4, 4, 4)}, "filters"),
    ({"filters": 0}, "filters"),
    ({"filters": (4, 2.5)}, "filters"),
    ({"kernel_size": 0}, "kernel_size"),
    ({"kernel_size": 20, "padding": 0}, "kernel_size"),     # larger than the image
    ({"kernel_size": 9, "padding": 0, "pool": 1}, "kernel_size"),  # second block: 8 < 9
    ({"pool": 5}, "pool"),                                   # 16 -> 3 -> nothing
    ({"pool": 0}, "pool"),
    ({"padding": -1}, "padding"),
    ({"hidden": -1}, "hidden"),
    ({"classes": 1}, "classes"),
    ({"activation": "prelu"}, "activation"),
    ({"activation": "maxout"}, "activation"),
    ({"activation": "softmax"}, "activation"),
    ({"dropout": 0.5}, "placement"),                          # no place for it
    ({"dropout": 1.0, "placement": "dense"}, "dropout"),
    ({"dropout": -0.1, "placement": "dense"}, "dropout"),
    ({"dropout": (0.1, 0.2), "placement": "conv"}, "dropout"),
    ({"dropout": (0.1, 1.2), "placement": "both"}, "dropout"),
    ({"placement": "input"}, "placement"),
    ({"pooling": "min"}, "pooling"),
    ({"init": "he"}, "init"),
    ({"bias": "ones"}, "bias"),
    ({"slope": 0.1}, "slope"),                                # relu takes none
    ({"dtype": torch.float16}, "dtype"),
    ({"filters": (10**5, 10**5)}, "weights"),
])
def test_bad_calls_are_refused_by_name(kwargs, arg):
    with pytest.raises((ValueError, TypeError), match=arg):
        nets.cnn(**kwargs)


def test_fit_and_evaluate_take_the_flat_rows(shapes):
    torch.manual_seed(0)
    model = nets.cnn(input_shape=shapes.image_shape, classes=3)
    history = train.fit(model, shapes.X_train, shapes.y_train, epochs=3, lr=0.05,
                        batch_size=32, test=(shapes.X_test, shapes.y_test))
    assert history.loss[-1] < history.loss[0]
    with pytest.raises(ValueError, match="takes 256"):
        train.fit(model, shapes.X_train[:, :64], shapes.y_train, epochs=1, lr=0.1)


# ------------------------------------------------------------ fit_many on CNNs


def _cnns(count, torch_seed=0, **kwargs):
    out = []
    for i in range(count):
        torch.manual_seed(torch_seed + i)
        out.append(nets.cnn(**{"filters": (4, 6), "hidden": 8, **kwargs}))
    return out


@pytest.mark.parametrize("kwargs", [
    {"lr": [0.05, 0.1, 0.2]},
    {"lr": 0.1, "batch_size": 64, "seed": 3},
    {"lr": 0.05, "batch_size": 64, "seed": [3, 4, 5], "momentum": 0.9},
    {"lr": [0.01, 0.003, 0.001], "batch_size": 50, "optimizer": "adam",
     "seed": [1, 2, 3], "weight_decay": [0.0, 1e-3, 1e-2]},
], ids=["full-batch", "mini-batch", "momentum-seed-per-model", "adam-decay"])
@pytest.mark.parametrize("arch", [{}, {"pooling": "avg", "activation": "sigmoid",
                                       "filters": 5, "hidden": 0}])
def test_fit_many_on_cnns_equals_fit_one_at_a_time(shapes, kwargs, arch):
    X, y = shapes.X_train[:200], shapes.y_train[:200]
    test = (shapes.X_test, shapes.y_test)
    together, alone = _cnns(3, **arch), _cnns(3, **arch)
    histories = train.fit_many(together, X, y, epochs=3, test=test, **kwargs)
    for i, (a, b, h) in enumerate(zip(together, alone, histories, strict=True)):
        one = {k: (v[i] if isinstance(v, list) else v) for k, v in kwargs.items()}
        ref = train.fit(b, X, y, epochs=3, test=test, **one)
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            assert torch.allclose(p, q, rtol=0, atol=1e-10)
        np.testing.assert_allclose(h.loss, ref.loss, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(h.test_loss, ref.test_loss, rtol=1e-10, atol=1e-12)
        assert h.train_acc == ref.train_acc and h.test_acc == ref.test_acc
    if not arch:
        assert histories[0].loss[-1] < histories[0].loss[0]


@pytest.mark.parametrize("kwargs", [{}, {"batch_size": 40, "seed": [3, 4]}])
def test_fit_many_on_cnns_with_one_set_per_model(shapes, kwargs):
    X = np.stack([shapes.X_train[:120], shapes.X_train[120:240]])
    y = np.stack([shapes.y_train[:120], shapes.y_train[120:240]])
    together, alone = _cnns(2), _cnns(2)
    histories = train.fit_many(together, X, y, epochs=2, lr=0.1, **kwargs)
    for i, (a, b, h) in enumerate(zip(together, alone, histories, strict=True)):
        one = {k: (v[i] if isinstance(v, list) else v) for k, v in kwargs.items()}
        ref = train.fit(b, X[i], y[i], epochs=2, lr=0.1, **one)
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            assert torch.allclose(p, q, rtol=0, atol=1e-10)
        np.testing.assert_allclose(h.loss, ref.loss, rtol=1e-10)
    assert histories[0].loss[0] != histories[1].loss[0]


def _recorder(seen):
    def record(h):
        seen.append(h.detach().clone())
        return h
    return nets.Elementwise(record, "record")


def test_fit_many_dropout2d_rate_per_model(shapes):
    # after Dropout2d, a feature map of a model is dropped (all zero) with its own
    # rate; a map after ReLU and pooling is hardly ever all zero by itself
    rates = [0.0, 0.2, 0.5, 0.8]
    built = []
    for i, p in enumerate(rates):
        torch.manual_seed(i)
        built.append(nets.cnn(filters=(8, 6), hidden=8, dropout=p, placement="conv"))
    seen = []
    where = [j for j, mod in enumerate(built[0]) if isinstance(mod, nn.Dropout2d)][0]
    models = [nn.Sequential(*m[: where + 1], _recorder(seen), *m[where + 1:])
              for m in built]
    X, y = shapes.X_train[:240], shapes.y_train[:240]
    train.fit_many(models, X, y, epochs=1, lr=0.01, batch_size=240, history=False)
    maps = seen[0]                                        # examples x 4*8 x 8 x 8
    assert maps.shape == (240, 32, 8, 8)
    dropped = (maps.flatten(2) == 0).all(dim=2).double().view(240, 4, 8).mean(dim=(0, 2))
    n = 240 * 8
    for p, share in zip(rates, dropped.tolist(), strict=True):
        assert abs(share - p) < 5 * np.sqrt(p * (1 - p) / n) + 0.01, (p, share)
    # the models' masks differ where their rates are equal too: one draw each
    same = [nets.cnn(filters=(8, 6), hidden=8, dropout=0.5, placement="conv")
            for _ in range(2)]
    seen.clear()
    models = [nn.Sequential(*m[: where + 1], _recorder(seen), *m[where + 1:])
              for m in same]
    train.fit_many(models, X, y, epochs=1, lr=0.01, batch_size=240, history=False)
    drop = (seen[0].flatten(2) == 0).all(dim=2).view(240, 2, 8)
    assert 0.4 < drop.double().mean().item() < 0.6
    assert not torch.equal(drop[:, 0], drop[:, 1])


def test_fit_many_rate_zero_dropout_layers_train_as_without_them(shapes):
    X, y = shapes.X_train[:200], shapes.y_train[:200]
    plain = _cnns(2)
    zero = _cnns(2, dropout=0.0, placement="both")
    h1 = train.fit_many(plain, X, y, epochs=2, lr=0.1, batch_size=50)
    h2 = train.fit_many(zero, X, y, epochs=2, lr=0.1, batch_size=50)
    for a, b in zip(h1, h2, strict=True):
        np.testing.assert_allclose(a.loss, b.loss, rtol=1e-12)


def test_fit_many_with_dropout_on_cnns_is_seeded_and_learns(shapes):
    X, y = shapes.X_train, shapes.y_train
    runs = []
    for _ in range(2):
        models = _cnns(3, dropout=(0.1, 0.5), placement="both")
        models[1][4].p = 0.0                       # each model its own conv rate
        torch.manual_seed(7)
        runs.append(train.fit_many(models, X, y, epochs=3, lr=0.05, momentum=0.9,
                                   batch_size=32, seed=[0, 1, 2]))
    for a, b in zip(*runs, strict=True):
        assert a.loss == b.loss
        assert a.loss[-1] < a.loss[0]


def test_fit_many_refuses_image_layers_out_of_place():
    base = nets.cnn(filters=4)
    with pytest.raises(ValueError, match="acts on images"):
        train.fit_many([nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(),
                                      nn.Linear(2, 2))], np.zeros((4, 9)),
                       np.zeros(4, dtype=int), epochs=1, lr=0.1)
    with pytest.raises(ValueError, match="ends with images"):
        train.fit_many([nn.Sequential(*base[:4])], np.zeros((4, 256)),
                       np.zeros(4, dtype=int), epochs=1, lr=0.1)
    with pytest.raises(ValueError, match="differs from models"):
        train.fit_many([nets.cnn(filters=4), nets.cnn(filters=5)], np.zeros((4, 256)),
                       np.zeros(4, dtype=int), epochs=1, lr=0.1)
    with pytest.raises(ValueError, match="zero padding"):
        bad = nets.cnn(filters=4)
        bad[1].padding_mode = "reflect"
        train.fit_many([bad], np.zeros((4, 256)), np.zeros(4, dtype=int), epochs=1,
                       lr=0.1)


@pytest.mark.parametrize("rates", [[0.0, 0.5], [0.3, 0.3]])
def test_fit_many_plain_dropout_on_images_drops_pixels_at_each_models_rate(shapes,
                                                                           rates):
    seen = []
    models = []
    for i, p in enumerate(rates):
        torch.manual_seed(i)
        models.append(nn.Sequential(
            nets.ToImages((1, 16, 16)), nn.Conv2d(1, 4, 3, dtype=torch.float64),
            nn.Sigmoid(), nn.Dropout(p), _recorder(seen), nn.Flatten(),
            nn.Linear(4 * 14 * 14, 3, dtype=torch.float64)))
    X, y = shapes.X_train[:100], shapes.y_train[:100]
    train.fit_many(models, X, y, epochs=1, lr=0.01, history=False)
    maps = seen[0].view(100, 2, -1)                   # sigmoid: no zero by itself
    for i, p in enumerate(rates):
        share = (maps[:, i] == 0).double().mean().item()
        assert abs(share - p) < 0.02, (p, share)
    if rates[0] == rates[1]:                          # one draw per model
        assert not torch.equal(maps[:, 0] == 0, maps[:, 1] == 0)
