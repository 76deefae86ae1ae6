"""lib.train: deterministic, seeded training loops and their histories."""

import copy
import math

import numpy as np
import pytest
import torch
from torch import nn

from lib import data, nets, probes, train

# tiny models: extra threads only contend with the other xdist worker (and can be
# many times slower when two processes spin on two cores)
torch.set_num_threads(1)


@pytest.fixture(scope="module")
def digits():
    return data.digits(seed=0)


def _run(split, *, torch_seed=0, widths=(64, 32, 10), dropout=0.0, **kwargs):
    torch.manual_seed(torch_seed)
    model = nets.mlp(list(widths), activation="relu", dropout=dropout)
    kwargs.setdefault("epochs", 5)
    kwargs.setdefault("lr", 0.1)
    history = train.fit(model, split.X_train, split.y_train, **kwargs)
    return model, history


def _same(h1, h2):
    return (
        h1.loss == h2.loss
        and h1.train_acc == h2.train_acc
        and h1.test_acc == h2.test_acc
        and h1.probes == h2.probes
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"batch_size": 100, "seed": 7},
        {"batch_size": 64, "optimizer": "adam", "lr": 0.01},
        {"momentum": 0.9, "batch_size": 256},
    ],
    ids=["full-batch", "mini-batch", "adam", "momentum"],
)
def test_fit_is_deterministic(digits, kwargs):
    m1, h1 = _run(digits, **kwargs)
    m2, h2 = _run(digits, **kwargs)
    assert _same(h1, h2)
    for p1, p2 in zip(m1.parameters(), m2.parameters(), strict=True):
        assert torch.equal(p1, p2)


def test_fit_with_dropout_is_deterministic_under_the_same_torch_seed(digits):
    h1 = _run(digits, dropout=0.5, batch_size=200)[1]
    h2 = _run(digits, dropout=0.5, batch_size=200)[1]
    assert _same(h1, h2)


def test_batch_order_depends_on_seed(digits):
    h1 = _run(digits, batch_size=100, seed=1, epochs=2)[1]
    h2 = _run(digits, batch_size=100, seed=2, epochs=2)[1]
    assert h1.loss[0] == h2.loss[0]  # same initial model
    assert h1.loss[1:] != h2.loss[1:]


def test_mini_batches_differ_from_full_batch(digits):
    full = _run(digits, epochs=2)[1]
    mini = _run(digits, epochs=2, batch_size=50)[1]
    assert full.loss[0] == mini.loss[0]
    # 29 steps per epoch instead of 1: much further along
    assert mini.loss[2] < full.loss[2] - 0.1


def test_history_lengths_and_initial_entry(digits):
    model_seed = 3
    torch.manual_seed(model_seed)
    fresh = nets.mlp([64, 32, 10])
    loss0, acc0 = train.evaluate(fresh, digits.X_train, digits.y_train)
    _, h = _run(digits, torch_seed=model_seed, epochs=4,
                test=(digits.X_test, digits.y_test))
    assert h.epochs == 4
    assert len(h.loss) == len(h.train_acc) == len(h.test_acc) == 5
    # entry 0 is measured before any training
    assert h.loss[0] == loss0 and h.train_acc[0] == acc0
    assert all(isinstance(v, float) for v in h.loss + h.train_acc + h.test_acc)
    assert all(0.0 <= a <= 1.0 for a in h.train_acc + h.test_acc)


def test_zero_epochs_only_measures(digits):
    torch.manual_seed(0)
    model = nets.mlp([64, 10])
    before = [p.clone() for p in model.parameters()]
    h = train.fit(model, digits.X_train, digits.y_train, epochs=0, lr=0.1)
    assert h.epochs == 0 and len(h.loss) == 1
    for p, q in zip(model.parameters(), before, strict=True):
        assert torch.equal(p, q)


def test_loss_decreases_and_accuracy_rises_on_digits(digits):
    _, h = _run(digits, epochs=10, lr=0.5, test=(digits.X_test, digits.y_test))
    assert all(b < a for a, b in zip(h.loss, h.loss[1:]))
    assert h.loss[-1] < 0.5 * h.loss[0]
    # ten classes: about 10% at the start, far above chance after training
    assert h.train_acc[0] < 0.3
    assert h.train_acc[-1] > 0.7
    assert h.test_acc[-1] > 0.6


def test_recorded_loss_matches_evaluate_after_training(digits):
    model, h = _run(digits, epochs=3, test=(digits.X_test, digits.y_test))
    loss, acc = train.evaluate(model, digits.X_train, digits.y_train)
    assert h.loss[-1] == loss and h.train_acc[-1] == acc
    assert h.test_acc[-1] == train.evaluate(model, digits.X_test, digits.y_test)[1]


def test_no_test_means_no_test_accuracy(digits):
    _, h = _run(digits, epochs=2)
    assert h.test_acc == []


def test_probes_recorded_each_epoch(digits):
    calls = []

    def count(model):
        calls.append(model.training)
        return len(calls)

    def first_norm(model):
        return float(probes.grad_norms(model, digits.X_train, digits.y_train)[0])

    _, h = _run(digits, epochs=3, probes={"count": count, "grad0": first_norm})
    assert set(h.probes) == {"count", "grad0"}
    assert h.probes["count"] == [1, 2, 3, 4]
    assert len(h.probes["grad0"]) == 4
    assert len(set(h.probes["grad0"])) == 4  # the weights changed between epochs
    assert all(g > 0 for g in h.probes["grad0"])


def test_on_epoch_called_once_per_epoch(digits):
    seen = []

    def on_epoch(epoch, history):
        seen.append((epoch, len(history.loss)))

    _, h = _run(digits, epochs=4, on_epoch=on_epoch)
    assert seen == [(1, 2), (2, 3), (3, 4), (4, 5)]


def test_lr_matters(digits):
    slow = _run(digits, epochs=3, lr=0.001)[1]
    fast = _run(digits, epochs=3, lr=0.1)[1]
    assert slow.loss[0] == fast.loss[0]
    assert fast.loss[-1] < slow.loss[-1]


def test_accepts_torch_tensors(digits):
    X, y, _, _ = digits.tensors()
    h_np = _run(digits, epochs=2)[1]
    torch.manual_seed(0)
    model = nets.mlp([64, 32, 10])
    h_t = train.fit(model, X, y, epochs=2, lr=0.1)
    assert h_np.loss == h_t.loss


def test_float32_model_trains(digits):
    torch.manual_seed(0)
    model = nets.mlp([64, 16, 10], dtype=torch.float32)
    h = train.fit(model, digits.X_train, digits.y_train, epochs=3, lr=0.1)
    assert h.loss[-1] < h.loss[0]
    assert model[0].weight.dtype == torch.float32


def test_evaluate_by_hand():
    model = nn.Sequential(nn.Linear(2, 3, dtype=torch.float64))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]))
        model[0].bias.zero_()
    X = np.array([[2.0, 0.0], [0.0, 3.0], [-1.0, -1.0], [1.0, 0.0]])
    y = np.array([0, 1, 2, 1])
    logits = X @ np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]).T
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    want_loss = -logp[np.arange(4), y].mean()
    loss, acc = train.evaluate(model, X, y)
    assert loss == pytest.approx(want_loss, rel=1e-12)
    assert acc == 0.75  # the last row predicts class 0


@pytest.mark.parametrize("mode", [True, False])
def test_evaluate_restores_mode_and_turns_dropout_off(mode):
    torch.manual_seed(0)
    model = nets.mlp([5, 50, 3], dropout=0.5)
    model.train(mode)
    X = torch.randn(40, 5, dtype=torch.float64)
    y = torch.arange(40) % 3
    a = train.evaluate(model, X, y)
    b = train.evaluate(model, X, y)
    assert a == b  # no dropout noise
    assert model.training is mode
    assert all(m.training is mode for m in model.modules())
    assert all(p.grad is None for p in model.parameters())


# ---------------------------------------------------------------- fit_many (dying-ReLU chapter)


def _models(n, activation="relu", dropout=0.0, widths=(64, 16, 16, 10)):
    torch.manual_seed(0)
    return [nets.mlp(list(widths), activation=activation, dropout=dropout)
            for _ in range(n)]


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "prelu", "tanh"])
@pytest.mark.parametrize("optimizer,lrs", [("sgd", [0.3, 0.05]), ("adam", [0.01, 0.002])])
def test_fit_many_equals_fit_one_model_at_a_time(digits, activation, optimizer, lrs):
    together = _models(2, activation)
    alone = _models(2, activation)
    kwargs = dict(epochs=2, optimizer=optimizer, batch_size=100, seed=3,
                  test=(digits.X_test, digits.y_test),
                  probes={"w": lambda m: m[0].weight.sum().item()})
    histories = train.fit_many(together, digits.X_train, digits.y_train, lr=lrs, **kwargs)
    for a, b, lr, h in zip(together, alone, lrs, histories):
        ref = train.fit(b, digits.X_train, digits.y_train, lr=lr, **kwargs)
        for p, q in zip(a.parameters(), b.parameters()):
            assert torch.allclose(p, q, rtol=0, atol=1e-12)
        np.testing.assert_allclose(h.loss, ref.loss, rtol=1e-10)
        assert h.train_acc == ref.train_acc and h.test_acc == ref.test_acc
        np.testing.assert_allclose(h.probes["w"], ref.probes["w"], rtol=1e-10)
        assert not a.training


def test_fit_many_one_lr_for_all_and_full_batch(digits):
    models = [_models(1)[0] for _ in range(3)]          # three copies of one model
    histories = train.fit_many(models, digits.X_train, digits.y_train, epochs=3, lr=0.2)
    # identical initial weights, same lr, same batches: identical models
    assert histories[0].loss == histories[1].loss == histories[2].loss
    assert histories[0].epochs == 3 and histories[0].loss[-1] < histories[0].loss[0]


def test_fit_many_is_deterministic_and_trains_with_dropout(digits):
    runs = []
    for _ in range(2):
        torch.manual_seed(1)
        models = _models(2, dropout=0.5)
        runs.append(train.fit_many(models, digits.X_train, digits.y_train, epochs=2,
                                   lr=0.1, batch_size=128))
    assert [h.loss for h in runs[0]] == [h.loss for h in runs[1]]
    assert runs[0][0].loss[-1] < runs[0][0].loss[0]


def test_fit_many_refuses_models_it_cannot_stack(digits):
    X, y = digits.X_train, digits.y_train
    with pytest.raises(ValueError, match="models"):
        train.fit_many(_models(1) + _models(1, widths=(64, 8, 10)), X, y, epochs=1, lr=0.1)
    with pytest.raises(ValueError, match="models"):
        train.fit_many([nn.Sequential(nn.Linear(64, 10), nn.BatchNorm1d(10))], X, y,
                       epochs=1, lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        train.fit_many(_models(2), X, y, epochs=1, lr=[0.1, 0.2, 0.3])


# ---------------------------------------------------------------- seeds (chapter 3)


def test_fit_many_with_one_seed_per_model_equals_fit_with_that_seed(digits):
    together = _models(3)
    alone = _models(3)
    kwargs = dict(epochs=2, lr=0.2, batch_size=100, test=(digits.X_test, digits.y_test))
    histories = train.fit_many(together, digits.X_train, digits.y_train, seed=[5, 6, 7],
                               **kwargs)
    for a, b, s, h in zip(together, alone, [5, 6, 7], histories):
        ref = train.fit(b, digits.X_train, digits.y_train, seed=s, **kwargs)
        for p, q in zip(a.parameters(), b.parameters()):
            assert torch.allclose(p, q, rtol=0, atol=1e-12)
        np.testing.assert_allclose(h.loss, ref.loss, rtol=1e-10)
        assert h.test_acc == ref.test_acc


def _net():
    return nets.mlp([64, 16, 10], activation="tanh", bias="zeros")


def test_fit_seeds_builds_and_trains_one_model_per_seed(digits):
    runs = train.fit_seeds(_net, [0, 3], digits.X_train, digits.y_train, epochs=2, lr=0.2,
                           batch_size=100, test=(digits.X_test, digits.y_test))
    assert runs.seeds == [0, 3] and len(runs.models) == len(runs.histories) == 2
    for s, model, h in zip([0, 3], runs.models, runs.histories):
        torch.manual_seed(s)
        ref_model = _net()
        ref = train.fit(ref_model, digits.X_train, digits.y_train, epochs=2, lr=0.2,
                        batch_size=100, seed=s, test=(digits.X_test, digits.y_test))
        np.testing.assert_allclose(h.loss, ref.loss, rtol=1e-10)
        for p, q in zip(model.parameters(), ref_model.parameters()):
            assert torch.allclose(p, q, rtol=0, atol=1e-12)
    # different seeds, different networks
    assert not torch.equal(runs.models[0][0].weight, runs.models[1][0].weight)


def test_seed_runs_summaries(digits):
    runs = train.fit_seeds(_net, [1, 2, 4], digits.X_train, digits.y_train, epochs=3,
                           lr=0.2, batch_size=200, test=(digits.X_test, digits.y_test))
    curves = runs.curves("test_acc")
    assert curves.shape == (3, 4)
    final = runs.final("test_acc")
    np.testing.assert_array_equal(final, [h.test_acc[-1] for h in runs.histories])
    text = runs.summary("test_acc", digits=2)
    assert text == (f"{final.mean():.2f} ({final.min():.2f} to {final.max():.2f}, "
                    "3 seeds)")
    # a longer run read at an earlier epoch is the shorter run: same batches, same steps
    short = train.fit_seeds(_net, [1, 2, 4], digits.X_train, digits.y_train, epochs=2,
                            lr=0.2, batch_size=200, test=(digits.X_test, digits.y_test))
    np.testing.assert_array_equal(runs.final("test_acc", epoch=2), short.final())
    assert runs.summary(epoch=2) == short.summary()
    np.testing.assert_array_equal(runs.final("loss", epoch=0), runs.curves("loss")[:, 0])
    for bad, error in [(4, ValueError), (-1, ValueError), (1.5, TypeError)]:
        with pytest.raises(error, match="epoch"):
            runs.final("test_acc", epoch=bad)
    no_test = train.fit_seeds(_net, [1], digits.X_train, digits.y_train, epochs=1, lr=0.1)
    with pytest.raises(ValueError, match="test"):
        no_test.final("test_acc")
    with pytest.raises(ValueError, match="metric"):
        runs.curves("accuracy")


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [({"seeds": [0, 0]}, "distinct"), ({"seeds": []}, "seeds"), ({"seeds": 3}, "seeds"),
     ({"seeds": [0, -1]}, "seeds"), ({"build": None}, "build"), ({"seed": 3}, "seed")],
)
def test_fit_seeds_bad_calls(digits, kwargs, word):
    call = {"build": _net, "seeds": [0, 1], "X": digits.X_train, "y": digits.y_train,
            "epochs": 1, "lr": 0.1, **kwargs}
    with pytest.raises((TypeError, ValueError), match=word):
        train.fit_seeds(**call)


# ---------------------------------------------------------------- the overfitting chapter


def test_test_loss_is_recorded_with_the_test_accuracy(digits):
    model, h = _run(digits, epochs=3, test=(digits.X_test, digits.y_test))
    assert len(h.test_loss) == len(h.test_acc) == 4
    assert h.test_loss[-1] == pytest.approx(
        train.evaluate(model, digits.X_test, digits.y_test)[0], rel=1e-12)
    assert _run(digits, epochs=2)[1].test_loss == []
    many = train.fit_many(_models(2), digits.X_train, digits.y_train, epochs=2, lr=0.1,
                          test=(digits.X_test, digits.y_test))
    runs = train.SeedRuns([0, 1], _models(2), many)
    assert runs.curves("test_loss").shape == (2, 3)


@pytest.mark.parametrize("optimizer,momentum", [("sgd", 0.0), ("sgd", 0.9), ("adam", 0.0)])
def test_weight_decay_is_torchs_l2_added_to_the_gradient(digits, optimizer, momentum):
    lr, decay = (0.05, 0.01) if optimizer == "sgd" else (0.01, 0.05)
    torch.manual_seed(0)
    ours = nets.mlp([64, 16, 10])
    by_hand = nets.mlp([64, 16, 10])
    by_hand.load_state_dict(ours.state_dict())
    train.fit(ours, digits.X_train, digits.y_train, epochs=4, lr=lr, optimizer=optimizer,
              momentum=momentum, weight_decay=decay, batch_size=256, seed=2)
    # the same steps with the penalty decay/2 * sum(p**2) added to the loss
    opt = (torch.optim.SGD(by_hand.parameters(), lr=lr, momentum=momentum)
           if optimizer == "sgd" else torch.optim.Adam(by_hand.parameters(), lr=lr))
    gen = torch.Generator().manual_seed(2)
    X, y = digits.tensors()[:2]
    for _ in range(4):
        for idx in torch.randperm(len(X), generator=gen).split(256):
            opt.zero_grad()
            penalty = sum((p**2).sum() for p in by_hand.parameters())
            loss = nn.functional.cross_entropy(by_hand(X[idx]), y[idx]) + decay / 2 * penalty
            loss.backward()
            opt.step()
    for p, q in zip(ours.parameters(), by_hand.parameters()):
        assert torch.allclose(p, q, rtol=0, atol=1e-10)


def test_weight_decay_shrinks_the_weights(digits):
    norms = []
    for decay in [0.0, 0.01, 0.1]:
        model, _ = _run(digits, epochs=10, lr=0.1, weight_decay=decay)
        norms.append(sum(p.norm() ** 2 for p in model.parameters()).item())
    assert norms[0] > norms[1] > norms[2]


@pytest.mark.parametrize("optimizer,momentum,lrs", [("sgd", 0.9, [0.05, 0.02]),
                                                    ("adam", 0.0, [0.01, 0.002])])
def test_fit_many_with_momentum_and_decay_equals_fit(digits, optimizer, momentum, lrs):
    together, alone = _models(2), _models(2)
    decays = [0.02, 0.0]
    kwargs = dict(epochs=3, optimizer=optimizer, momentum=momentum, batch_size=128,
                  seed=5, test=(digits.X_test, digits.y_test))
    histories = train.fit_many(together, digits.X_train, digits.y_train, lr=lrs,
                               weight_decay=decays, **kwargs)
    for a, b, lr, decay, h in zip(together, alone, lrs, decays, histories):
        ref = train.fit(b, digits.X_train, digits.y_train, lr=lr, weight_decay=decay,
                        **kwargs)
        for p, q in zip(a.parameters(), b.parameters()):
            assert torch.allclose(p, q, rtol=0, atol=1e-10)
        np.testing.assert_allclose(h.test_loss, ref.test_loss, rtol=1e-9)
        assert h.test_acc == ref.test_acc


def test_early_stopping_epoch():
    curve = [1.0, 0.8, 0.6, 0.65, 0.7, 0.5, 0.9, 1.0]
    assert train.early_stopping_epoch(curve) == 5                 # no patience: the minimum
    assert train.early_stopping_epoch(curve, patience=2) == 2     # stops at epoch 4
    assert train.early_stopping_epoch(curve, patience=3) == 5     # sees the later dip
    assert train.early_stopping_epoch([1.0, 0.5, 0.5, 0.4], patience=2) == 3
    assert train.early_stopping_epoch([1.0, 0.5, 0.5, 0.5], patience=2) == 1  # first of a tie
    assert train.early_stopping_epoch([0.3, 0.4, 0.5], patience=1) == 0
    assert train.early_stopping_epoch(np.array([2.0])) == 0


# ---------------------------------------------------------------- dropout (chapter 7)

def _dropout_nets(rates, *, input_rates=None, widths=(64, 32, 10)):
    """Models of one initial weights that differ only in their dropout rates (a rate
    of 0 is an nn.Dropout(0.0) layer: mlp leaves such a layer out, fit_many needs it)."""
    input_rates = input_rates or [0.0] * len(rates)
    models = []
    for p, q in zip(rates, input_rates, strict=True):
        torch.manual_seed(0)
        model = nets.mlp(list(widths), dropout=0.5,
                         input_dropout=0.5 if any(input_rates) else 0.0)
        for i, module in enumerate(model):
            if isinstance(module, nn.Dropout):
                module.p = q if i == 0 and any(input_rates) else p
        models.append(model)
    return models


def _zeroed_fraction(models, layer, X, y, **kwargs):
    """Train ``models`` side by side for one epoch and return, per model, the fraction
    of exact zeros that come out of the Dropout at index ``layer`` during training. A
    recording identity (nets.Elementwise) is inserted after that layer in every model:
    fit_many calls models[0]'s modules on all models stacked (models x examples x
    features), and calls them as modules, so it sees every model's output."""
    seen = []

    def record(h):
        if torch.is_grad_enabled():        # the training pass, not the evaluations
            seen.append((h == 0).double().mean(dim=(1, 2)).tolist())
        return h

    models = [nn.Sequential(*model[:layer + 1], nets.Elementwise(record, "record"),
                            *model[layer + 1:]) for model in models]
    train.fit_many(models, X, y, epochs=1, lr=0.05, **kwargs)
    return np.array(seen).mean(axis=0)


def test_fit_many_honours_each_models_dropout_rate(digits):
    # issue 20: fit_many read the rate from models[0] only, so every model was trained
    # with 0.0 here; ReLU outputs are zero for about half the units already, so the
    # measure is the zeros after dropout minus those of the model without it
    rates = [0.0, 0.2, 0.5, 0.8]
    models = _dropout_nets(rates)
    zeros = _zeroed_fraction(models, 2, digits.X_train[:500],     # Linear, ReLU, Dropout
                             digits.y_train[:500], batch_size=500)
    relu_zeros = zeros[0]
    for p, z in zip(rates, zeros, strict=True):
        # a unit is zero if ReLU made it so or dropout dropped it (independently)
        want = relu_zeros + (1 - relu_zeros) * p
        n = 500 * 32
        assert abs(z - want) < 5 * np.sqrt(p * (1 - p) / n) + 0.02, (p, z, want)


def test_fit_many_honours_each_models_input_dropout_rate(digits):
    X = digits.X_train[:400]
    X = np.where(X == 0, 1e-3, X)                     # no zero pixels before dropout
    rates = [0.0, 0.1, 0.3]
    models = _dropout_nets([0.0] * 3, input_rates=rates)
    zeros = _zeroed_fraction(models, 0, X, digits.y_train[:400], batch_size=400)
    n = X.size
    for p, z in zip(rates, zeros, strict=True):
        assert abs(z - p) < 5 * np.sqrt(p * (1 - p) / n) + 1e-12, (p, z)


def test_fit_many_rate_zero_trains_as_without_dropout(digits):
    # an nn.Dropout(0.0) among models with other rates: the same history as the same
    # network without the layer, trained alone
    X, y = digits.X_train[:300], digits.y_train[:300]
    kwargs = {"epochs": 3, "lr": 0.1, "batch_size": 100, "seed": 3,
              "test": (digits.X_test, digits.y_test)}
    models = _dropout_nets([0.0, 0.5])
    with_layer = train.fit_many(models, X, y, **kwargs)[0]
    torch.manual_seed(0)
    plain = nets.mlp([64, 32, 10])
    without = train.fit_many([plain], X, y, **kwargs)[0]
    for metric in ("loss", "train_acc", "test_loss", "test_acc"):
        np.testing.assert_allclose(getattr(with_layer, metric), getattr(without, metric),
                                   rtol=1e-10, atol=1e-12)


def test_fit_many_models_with_one_rate_train_as_before(digits):
    # where all models share their rates: the same result after the same torch seed
    X, y = digits.X_train[:200], digits.y_train[:200]
    kwargs = {"epochs": 2, "lr": 0.1, "batch_size": 50}
    torch.manual_seed(11)
    h_many = train.fit_many(_dropout_nets([0.5, 0.5]), X, y, **kwargs)
    torch.manual_seed(11)
    h_again = train.fit_many(_dropout_nets([0.5, 0.5]), X, y, **kwargs)
    assert _same(h_many[0], h_again[0]) and _same(h_many[1], h_again[1])
    # each model draws its own masks: same weights, same batches, different runs
    assert h_many[0].loss[1:] != h_many[1].loss[1:]


def test_fit_many_input_dropout_masks_differ_between_models(digits):
    X, y = digits.X_train[:200], digits.y_train[:200]
    models = _dropout_nets([0.0, 0.0], input_rates=[0.2, 0.2])
    train.fit_many(models, X, y, epochs=1, lr=0.1, batch_size=50)
    assert not torch.equal(models[0][1].weight, models[1][1].weight)


def test_fit_many_refuses_models_that_differ_in_more_than_dropout():
    torch.manual_seed(0)
    relu, tanh = nets.mlp([4, 5, 3]), nets.mlp([4, 5, 3], activation="tanh")
    with pytest.raises(ValueError, match=r"models\[1\] differs .* layer 1"):
        train.fit_many([relu, tanh], np.zeros((2, 4)), np.array([0, 1]), epochs=1,
                       lr=0.1)
    a = nets.mlp([4, 5, 3], activation="leaky_relu")
    b = nets.mlp([4, 5, 3], activation="leaky_relu", slope=0.3)
    with pytest.raises(ValueError, match="only Dropout rates may differ"):
        train.fit_many([a, b], np.zeros((2, 4)), np.array([0, 1]), epochs=1, lr=0.1)
    with pytest.raises(ValueError, match="layers"):
        train.fit_many([nets.mlp([4, 5, 3]), nn.Sequential(*nets.mlp([4, 5, 3]),
                                                             nn.ReLU())],
                       np.zeros((2, 4)), np.array([0, 1]), epochs=1, lr=0.1)


# ---------------------------------------------------------------- maxout and max-norm (chapter 8)

def _maxout_models(n, pieces=3, widths=(64, 16, 16, 10), dropout=0.0):
    torch.manual_seed(0)
    return [nets.mlp(list(widths), activation="maxout", pieces=pieces, dropout=dropout)
            for _ in range(n)]


def _hidden_row_norms(model):
    """Norms of every row of every Linear layer but the last: what max_norm bounds."""
    return torch.cat([torch.linalg.vector_norm(layer.weight, dim=1)
                      for layer in nets.linear_layers(model)[:-1]])


def _assert_same_training(together, alone, histories, refs, atol=1e-10):
    for a, b, h, ref in zip(together, alone, histories, refs, strict=True):
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            assert torch.allclose(p, q, rtol=0, atol=atol)
        np.testing.assert_allclose(h.loss, ref.loss, rtol=1e-9)
        np.testing.assert_allclose(h.test_loss, ref.test_loss, rtol=1e-9)
        assert h.train_acc == ref.train_acc and h.test_acc == ref.test_acc


@pytest.mark.parametrize("optimizer,momentum,lrs", [("sgd", 0.9, [0.1, 0.02]),
                                                    ("adam", 0.0, [0.01, 0.002])])
def test_fit_many_equals_fit_on_maxout_models(digits, optimizer, momentum, lrs):
    together, alone = _maxout_models(2), _maxout_models(2)
    kwargs = dict(epochs=3, optimizer=optimizer, momentum=momentum, batch_size=100,
                  seed=3, test=(digits.X_test, digits.y_test))
    histories = train.fit_many(together, digits.X_train, digits.y_train, lr=lrs, **kwargs)
    refs = [train.fit(b, digits.X_train, digits.y_train, lr=lr, **kwargs)
            for b, lr in zip(alone, lrs)]
    _assert_same_training(together, alone, histories, refs)
    assert refs[0].test_acc[-1] > 0.8                      # the maxout networks learn


@pytest.mark.parametrize("maxout", [False, True], ids=["relu", "maxout"])
def test_fit_many_equals_fit_with_max_norm_and_momentum_per_model(digits, maxout):
    # a grid's worth: each model its own lr, momentum and radius (None: unconstrained)
    make = (lambda n: _maxout_models(n, pieces=2)) if maxout else _models
    together, alone = make(4), make(4)
    lrs, momenta, radii = [0.3, 0.1, 0.3, 0.05], [0.9, 0.0, 0.5, 0.95], [0.5, 1.0, None, 2]
    kwargs = dict(epochs=3, batch_size=128, seed=5, test=(digits.X_test, digits.y_test))
    histories = train.fit_many(together, digits.X_train, digits.y_train, lr=lrs,
                               momentum=momenta, max_norm=radii, **kwargs)
    refs = [train.fit(b, digits.X_train, digits.y_train, lr=lr, momentum=mom,
                      max_norm=c, **kwargs)
            for b, lr, mom, c in zip(alone, lrs, momenta, radii)]
    _assert_same_training(together, alone, histories, refs)
    for model, c in zip(together, radii):
        if c is not None:
            assert _hidden_row_norms(model).max() <= c + 1e-12
    assert _hidden_row_norms(together[2]).max() > 0.5    # the constraint did bind


@pytest.mark.parametrize("maxout", [False, True], ids=["relu", "maxout"])
def test_max_norm_bounds_every_hidden_row_and_only_those(digits, maxout):
    c = 0.6
    runs = {}
    for radius in (None, c):
        torch.manual_seed(1)
        model = nets.mlp([64, 32, 32, 10], activation="maxout" if maxout else "relu",
                         dropout=0.5)
        train.fit(model, digits.X_train, digits.y_train, epochs=5, lr=0.05, momentum=0.9,
                  batch_size=64, max_norm=radius)
        runs[radius] = model
    assert _hidden_row_norms(runs[None]).max() > c          # the test can fail
    assert _hidden_row_norms(runs[c]).max() <= c + 1e-12
    out = nets.linear_layers(runs[c])[-1].weight             # the output layer is free
    assert torch.linalg.vector_norm(out, dim=1).max() > c


def test_max_norm_projects_long_rows_onto_the_ball_and_keeps_the_rest():
    # one step from weights with some long rows: rows within the ball are exactly
    # those of the run without the constraint, longer ones are scaled to norm c,
    # their direction kept; biases and the output layer are untouched
    X = np.random.default_rng(0).normal(size=(20, 6))
    y = np.arange(20) % 3
    models = []
    for _ in range(2):
        torch.manual_seed(0)
        model = nets.mlp([6, 8, 8, 3])
        with torch.no_grad():
            model[0].weight[:4] *= 10.0                    # rows of norm well above 1
        models.append(model)
    free, bound = models
    train.fit(free, X, y, epochs=1, lr=0.01)
    train.fit(bound, X, y, epochs=1, lr=0.01, max_norm=1.0)
    n_long = []
    for a, b in zip(nets.linear_layers(free)[:-1], nets.linear_layers(bound)[:-1]):
        norms = torch.linalg.vector_norm(a.weight, dim=1)
        long = norms > 1.0
        n_long.append(int(long.sum()))
        assert torch.equal(b.weight[~long], a.weight[~long])
        assert torch.allclose(b.weight[long], a.weight[long] / norms[long, None],
                              rtol=1e-14, atol=0)
        assert torch.equal(b.bias, a.bias)
    assert n_long == [4, 0]
    assert torch.equal(free[-1].weight, bound[-1].weight)
    assert torch.equal(free[-1].bias, bound[-1].bias)


def test_max_norm_needs_a_hidden_layer():
    torch.manual_seed(0)
    X, y = np.zeros((4, 3)), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="max_norm .* no hidden layer"):
        train.fit(nets.mlp([3, 2]), X, y, epochs=1, lr=0.1, max_norm=3.0)
    with pytest.raises(ValueError, match="max_norm .* no hidden layer"):
        train.fit_many([nets.mlp([3, 2]), nets.mlp([3, 2])], X, y, epochs=1, lr=0.1,
                       max_norm=[3.0, None])
    train.fit_many([nets.mlp([3, 2]), nets.mlp([3, 2])], X, y, epochs=1, lr=0.1,
                   max_norm=[None, None])


def test_fit_refuses_maxout_layers_that_do_not_chain():
    model = nn.Sequential(nets.Maxout(4, 5, 2), nn.Linear(6, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="Maxout layer gives 5 features"):
        train.fit(model, np.zeros((2, 4)), np.array([0, 1]), epochs=1, lr=0.1)


def test_fit_many_refuses_maxout_models_with_other_pieces():
    torch.manual_seed(0)
    a = nets.mlp([4, 5, 3], activation="maxout", pieces=2)
    b = nets.mlp([4, 5, 3], activation="maxout", pieces=3)
    with pytest.raises(ValueError, match="models"):
        train.fit_many([a, b], np.zeros((2, 4)), np.array([0, 1]), epochs=1, lr=0.1)


def test_fit_many_maxout_with_per_model_dropout_and_max_norm(digits):
    # maxout models with dropout rates 0 and 0.5 (and a constraint) side by side: the
    # rate-0 model trains as the same maxout network without dropout, trained by fit
    X, y = digits.X_train[:300], digits.y_train[:300]
    kwargs = {"epochs": 3, "lr": 0.1, "momentum": 0.5, "batch_size": 100, "seed": 3,
              "max_norm": 1.5, "test": (digits.X_test, digits.y_test)}
    models = _maxout_models(2, pieces=3, widths=(64, 32, 10), dropout=0.5)
    models[0][1].p = 0.0
    assert [type(m).__name__ for m in models[0]] == ["Maxout", "Dropout", "Linear"]
    histories = train.fit_many(models, X, y, **kwargs)
    torch.manual_seed(0)
    plain = nets.mlp([64, 32, 10], activation="maxout", pieces=3)
    ref = train.fit(plain, X, y, **kwargs)
    for metric in ("loss", "train_acc", "test_loss", "test_acc"):
        np.testing.assert_allclose(getattr(histories[0], metric), getattr(ref, metric),
                                   rtol=1e-10, atol=1e-12)
    assert not torch.equal(models[0][0].linear.weight, models[1][0].linear.weight)
    assert _hidden_row_norms(models[1]).max() <= 1.5 + 1e-12


def test_fit_seeds_passes_max_norm_and_momentum_through(digits):
    def build():
        return nets.mlp([64, 16, 10], activation="maxout", pieces=2, dropout=0.5)

    X, y = digits.X_train[:200], digits.y_train[:200]
    kwargs = dict(epochs=2, lr=0.2, momentum=0.9, batch_size=50)
    bound = train.fit_seeds(build, [0, 1, 2], X, y, max_norm=0.8, **kwargs)
    free = train.fit_seeds(build, [0, 1, 2], X, y, **kwargs)
    for a, b in zip(bound.models, free.models, strict=True):
        assert _hidden_row_norms(a).max() <= 0.8 + 1e-12
        assert _hidden_row_norms(b).max() > 0.8              # the test can fail


# ---------------------------------------------------------------- dropout variants (chapter 8)

def _variant_nets(rates, *, kind, widths=(64, 32, 10)):
    """Models of one initial weights differing only in their GaussianDropout or
    DropConnect rates (a rate of 0 is a layer that draws nothing)."""
    models = []
    for p in rates:
        torch.manual_seed(0)
        if kind == "gaussian":
            model = nets.mlp(list(widths), dropout=0.5, noise="gaussian")
            for module in model:
                if isinstance(module, nets.GaussianDropout):
                    module.p = p
        else:
            model = nets.mlp(list(widths), dropconnect=0.5)
            for module in model:
                if isinstance(module, nets.DropConnectLinear):
                    module.p = p
        models.append(model)
    return models


@pytest.mark.parametrize("kind", ["gaussian", "dropconnect"])
def test_fit_many_equals_fit_where_the_variants_rates_are_zero(digits, kind):
    X, y = digits.X_train[:300], digits.y_train[:300]
    kwargs = {"epochs": 3, "lr": 0.1, "momentum": 0.5, "batch_size": 100, "seed": 3,
              "test": (digits.X_test, digits.y_test)}
    models = _variant_nets([0.0, 0.5], kind=kind)
    torch.manual_seed(11)
    histories = train.fit_many(models, X, y, **kwargs)
    torch.manual_seed(0)
    plain = nets.mlp([64, 32, 10])
    ref = train.fit(plain, X, y, **kwargs)
    for metric in ("loss", "train_acc", "test_loss", "test_acc"):
        np.testing.assert_allclose(getattr(histories[0], metric), getattr(ref, metric),
                                   rtol=1e-10, atol=1e-12)
    for a, b in zip(models[0].parameters(), plain.parameters(), strict=True):
        assert torch.allclose(a, b, rtol=0, atol=1e-10)
    assert not torch.equal(models[0][0].weight, models[1][0].weight)   # noise was on
    # all rates 0: the models train exactly as fit, and the generator is not touched
    zeros = _variant_nets([0.0, 0.0], kind=kind)
    state = torch.get_rng_state()
    train.fit_many(zeros, X, y, **kwargs)
    assert torch.equal(torch.get_rng_state(), state)
    for a, b in zip(zeros[1].parameters(), plain.parameters(), strict=True):
        assert torch.allclose(a, b, rtol=0, atol=1e-10)


def test_fit_many_draws_gaussian_noise_with_each_models_variance(digits):
    # the factor h_out / h_in of every entry, recorded in training: mean 1 and
    # variance p / (1 - p) per model (5-sigma bounds on the sample moments)
    rates = [0.0, 0.2, 0.5, 0.8]
    models = _variant_nets(rates, kind="gaussian")
    seen_in, seen_out = [], []

    def record(store):
        def fn(h):
            if torch.is_grad_enabled():
                store.append(h.detach().clone())
            return h
        return fn

    wrapped = [nn.Sequential(*mdl[:2], nets.Elementwise(record(seen_in), "in"),
                             mdl[2], nets.Elementwise(record(seen_out), "out"), *mdl[3:])
               for mdl in models]
    torch.manual_seed(2)
    train.fit_many(wrapped, digits.X_train[:400], digits.y_train[:400], epochs=1,
                   lr=0.05, batch_size=100)
    h_in, h_out = torch.cat(seen_in, dim=1), torch.cat(seen_out, dim=1)
    for i, p in enumerate(rates):
        alive = h_in[i] > 1e-3                       # ReLU outputs that are not 0
        factor = (h_out[i][alive] / h_in[i][alive]).double()
        n, var = factor.numel(), p / (1 - p)
        if p == 0:
            assert torch.equal(factor, torch.ones_like(factor))
            continue
        assert abs(float(factor.mean()) - 1) < 5 * math.sqrt(var / n)
        assert abs(float(factor.var()) - var) < 5 * var * math.sqrt(2 / (n - 1))


def test_fit_many_drops_each_models_share_of_weights(digits):
    # DropConnect: the share of weights each model drops per step, read from the
    # uniform numbers fit_many draws for the stacked masks (torch.rand wrapped)
    rates = [0.0, 0.3, 0.7]
    models = _variant_nets(rates, kind="dropconnect", widths=(64, 16, 10))
    torch.manual_seed(6)
    X, y = digits.X_train[:100], digits.y_train[:100]
    dropped = {i: [] for i in range(len(rates))}
    original = torch.rand

    def counting_rand(*args, **kwargs):
        u = original(*args, **kwargs)
        if u.ndim == 3 and u.shape[0] == len(rates):       # the stacked weight masks
            for i, p in enumerate(rates):
                dropped[i].append(float((u[i] < p).double().mean()))
        return u

    torch.rand = counting_rand
    try:
        train.fit_many(models, X, y, epochs=2, lr=0.05, batch_size=50)
    finally:
        torch.rand = original
    assert len(dropped[0]) == 2 * 2           # 2 epochs x 2 steps, one hidden layer
    for i, p in enumerate(rates):
        n = len(dropped[i]) * 64 * 16         # the hidden layer's weights per draw
        assert abs(np.mean(dropped[i]) - p) < 5 * math.sqrt(p * (1 - p) / n) + 1e-12


def test_fit_many_refuses_a_variant_next_to_plain_dropout(digits):
    gauss = _variant_nets([0.5], kind="gaussian")[0]
    torch.manual_seed(0)
    plain = nets.mlp([64, 32, 10], dropout=0.5)
    with pytest.raises(ValueError, match="models\\[1\\] differs from models\\[0\\]"):
        train.fit_many([gauss, plain], digits.X_train[:50], digits.y_train[:50],
                       epochs=1, lr=0.1)


# ---------------------------------------------------------------- one set per model (chapter 8)

def _own_sets(digits, m, n):
    """``m`` random subsets of ``n`` training digits, stacked: X (m, n, 64), y (m, n)."""
    rng = np.random.default_rng(4)
    idx = np.stack([rng.choice(digits.y_train.size, n, replace=False) for _ in range(m)])
    return digits.X_train[idx], digits.y_train[idx]


@pytest.mark.parametrize("kwargs", [
    {"momentum": 0.9},
    {"momentum": 0.9, "batch_size": 64, "seed": 3},
    {"momentum": 0.9, "batch_size": 64, "seed": [3, 4, 5]},
    {"optimizer": "adam", "lr": 0.01, "batch_size": 50, "seed": 3},
    {"optimizer": "adam", "lr": 0.01, "batch_size": 50, "seed": [3, 4, 5]},
], ids=["full-batch", "mini-one-seed", "mini-seed-per-model", "adam-one-seed",
        "adam-seed-per-model"])
def test_fit_many_with_one_set_per_model_equals_each_model_alone(digits, kwargs):
    X, y = _own_sets(digits, 3, 300)
    kwargs = {"epochs": 3, "lr": 0.1, "test": (digits.X_test, digits.y_test),
              "probes": {"w": lambda m: m[0].weight.sum().item()}, **kwargs}
    together, alone = _models(3), _models(3)
    histories = train.fit_many(together, X, y, **kwargs)
    for i, (a, b, h) in enumerate(zip(together, alone, histories, strict=True)):
        seed = kwargs.get("seed", 0)
        one = {**kwargs, "seed": seed[i] if isinstance(seed, list) else seed}
        ref = train.fit_many([b], X[i], y[i], **one)[0]
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            assert torch.allclose(p, q, rtol=0, atol=1e-12)
        for metric in ("loss", "test_loss"):
            np.testing.assert_allclose(getattr(h, metric), getattr(ref, metric),
                                       rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(h.probes["w"], ref.probes["w"], rtol=1e-10)
        assert h.train_acc == ref.train_acc and h.test_acc == ref.test_acc
    # the same initial weights, other sets: other runs (each model saw its own set)
    assert histories[0].loss[0] != histories[1].loss[0]
    assert histories[0].loss[-1] < histories[0].loss[0]


@pytest.mark.parametrize("kwargs", [{}, {"batch_size": 64, "seed": 3},
                                    {"batch_size": 64, "seed": [3, 4]}],
                         ids=["full-batch", "mini-one-seed", "mini-seed-per-model"])
def test_fit_many_with_the_same_set_for_every_model_equals_one_shared_set(digits,
                                                                          kwargs):
    X, y = digits.X_train[:300], digits.y_train[:300]
    kwargs = {"epochs": 2, "lr": 0.1, "momentum": 0.5, **kwargs}
    shared = train.fit_many(_models(2), X, y, **kwargs)
    stacked = train.fit_many(_models(2), np.stack([X, X]), np.stack([y, y]), **kwargs)
    for a, b in zip(shared, stacked, strict=True):
        np.testing.assert_allclose(a.loss, b.loss, rtol=1e-12)
        assert a.train_acc == b.train_acc


def test_fit_many_one_set_per_model_with_dropout_trains_and_is_seeded(digits):
    X, y = _own_sets(digits, 2, 200)
    runs = []
    for _ in range(2):
        torch.manual_seed(8)
        runs.append(train.fit_many(_models(2, dropout=0.5), X, y, epochs=2, lr=0.1,
                                   batch_size=50, seed=[1, 2]))
    assert [h.loss for h in runs[0]] == [h.loss for h in runs[1]]
    assert runs[0][1].loss[-1] < runs[0][1].loss[0]


@pytest.mark.parametrize("change,error,match", [
    (lambda X, y: (X[:2], y[:2]), ValueError, r"X is 3-D.*len\(models\) = 3.*got 2"),
    (lambda X, y: (X, y[:, :10]), ValueError, r"y must be 2-D \(models x examples\)"),
    (lambda X, y: (X, y[0]), ValueError, r"y must be 2-D.*\(3, 40\)"),
    (lambda X, y: (X, np.where(np.arange(3)[:, None] == 1, 10, y)), ValueError,
     r"y\[1\] must hold class labels from 0 to 9"),
    (lambda X, y: (X, y.astype(float)), TypeError, r"y\[0\] must hold integer"),
    (lambda X, y: (np.where(np.arange(3)[:, None, None] == 2, np.nan, X), y),
     ValueError, r"X\[2\] must hold finite numbers"),
    (lambda X, y: (X[:, :, :60], y), ValueError,
     r"X\[0\] has 60 features per row, but the model's first layer takes 64"),
    (lambda X, y: (X[:, :0], y[:, :0]), ValueError, r"X\[0\] must hold at least one"),
], ids=["sets", "labels", "labels-1d", "range", "float-labels", "nan", "features",
        "empty"])
def test_fit_many_refuses_bad_sets_by_name(digits, change, error, match):
    X, y = change(*_own_sets(digits, 3, 40))
    with pytest.raises(error, match=match):
        train.fit_many(_models(3), X, y, epochs=1, lr=0.1)


# ------------------------------------------------------- one shared dropout rate (chapter 8)

def _recorded_dropout(p, X, m=3, **kwargs):
    """Train ``m`` models of one input-dropout rate ``p`` (shared: fit_many's shared
    path) for one epoch on ``X``; return what came out of the input Dropout in
    training, models x examples x features."""
    seen = []

    def record(h):
        if torch.is_grad_enabled():
            seen.append(h.detach().clone())
        return h

    models = [nn.Sequential(model[0], nets.Elementwise(record, "record"), *model[1:])
              for model in _dropout_nets([0.0] * m, input_rates=[p] * m)]
    y = np.arange(X.shape[0]) % 10
    train.fit_many(models, X, y, epochs=1, lr=0.05, **kwargs)
    return torch.cat(seen, dim=1)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_fit_many_shared_rate_keeps_its_share_and_the_mean(p):
    torch.manual_seed(3)
    h = _recorded_dropout(p, np.ones((400, 64)), batch_size=200)
    kept = h != 0
    n = h.numel()
    assert abs(float(kept.double().mean()) - (1 - p)) < 5 * math.sqrt(p * (1 - p) / n)
    # inverted dropout: kept entries are 1 / (1 - p), so the mean stays 1
    assert torch.allclose(h[kept], torch.full_like(h[kept], 1 / (1 - p)), rtol=1e-15)
    assert abs(float(h.mean()) - 1) < 5 * math.sqrt(p / (1 - p) / n)
    # every model draws its own mask
    assert not torch.equal(kept[0], kept[1])


def test_fit_many_shared_rate_zero_draws_nothing(digits):
    X, y = digits.X_train[:200], digits.y_train[:200]
    for batch_size in (None, 50):
        models = []
        for _ in range(2):
            torch.manual_seed(0)
            models.append(nn.Sequential(nn.Dropout(0.0), *nets.mlp([64, 32, 10]),
                                        nn.Dropout(0.0), nn.Linear(10, 10).double()))
        state = torch.random.get_rng_state()
        train.fit_many(models, X, y, epochs=2, lr=0.1, batch_size=batch_size)
        assert torch.equal(torch.random.get_rng_state(), state)
    # and a shared rate > 0 does draw
    train.fit_many(_dropout_nets([0.5, 0.5]), X, y, epochs=1, lr=0.1)
    assert not torch.equal(torch.random.get_rng_state(), state)


@pytest.mark.parametrize("rates", [[0.5, 0.5], [0.3, 0.3], [0.5, 0.2]],
                         ids=["shared-0.5", "shared-0.3", "per-model"])
def test_fit_many_dropout_mask_is_the_uniform_draw_kept_where_at_least_p(digits, rates):
    # one step of two models (input Dropout, then one Linear layer) against fit on
    # the input masked by hand from the same torch seed: one uniform per entry of the
    # stacked (models x examples x features) input, kept where >= model i's rate and
    # scaled by 1 / (1 - rate); a shared rate draws as the per-model rates do
    X, y = digits.X_train[:200], digits.y_train[:200]
    models = []
    for p in rates:
        torch.manual_seed(0)
        models.append(nn.Sequential(nn.Dropout(p), nn.Linear(64, 10).double()))
    alone = [nn.Sequential(copy.deepcopy(model[1])) for model in models]
    torch.manual_seed(21)
    train.fit_many(models, X, y, epochs=1, lr=0.5)
    after = torch.random.get_rng_state()
    torch.manual_seed(21)
    u = torch.rand((len(rates), *X.shape), dtype=torch.float64)
    assert torch.equal(torch.random.get_rng_state(), after)      # that draw, no other
    for i, (a, p) in enumerate(zip(alone, rates, strict=True)):
        masked = torch.from_numpy(X) * (u[i] >= p) / (1 - p)
        train.fit(a, masked, y, epochs=1, lr=0.5)
        for q, r in zip(a[0].parameters(), models[i][1].parameters(), strict=True):
            assert torch.allclose(q, r, rtol=0, atol=1e-12)


def test_fit_many_without_history_trains_the_same_and_records_nothing(digits):
    X, y = digits.X_train[:60], digits.y_train[:60]

    def nets_():
        out = []
        for s in (0, 1):
            torch.manual_seed(s)
            out.append(nets.mlp([64, 12, 10], dropout=0.5))
        return out

    kept, bare = nets_(), nets_()
    torch.manual_seed(5)
    hists = train.fit_many(kept, X, y, epochs=4, lr=0.1, momentum=0.9)
    torch.manual_seed(5)
    assert train.fit_many(bare, X, y, epochs=4, lr=0.1, momentum=0.9,
                          history=False) is None
    for a, b in zip(kept, bare):       # same draws, same training
        assert not b.training
        for pa, pb in zip(a.parameters(), b.parameters()):
            assert torch.equal(pa, pb)
    assert len(hists[0].loss) == 5


@pytest.mark.parametrize("extra", [{"test": "pair"}, {"probes": {"n": lambda m: 0}}])
def test_fit_many_without_history_refuses_test_and_probes(digits, extra):
    X, y = digits.X_train[:20], digits.y_train[:20]
    if "test" in extra:
        extra = {"test": (X, y)}
    with pytest.raises(ValueError, match="history=False"):
        train.fit_many([nets.mlp([64, 8, 10])], X, y, epochs=1, lr=0.1,
                       history=False, **extra)
    with pytest.raises(ValueError, match="history"):
        train.fit_many([nets.mlp([64, 8, 10])], X, y, epochs=1, lr=0.1, history="no")


# ------------------------------------------------ fit_many's optimizer_state (chapter 9)
@pytest.mark.parametrize("optimizer,momentum,lr", [("adam", 0.0, 0.01), ("sgd", 0.9, 0.1)])
def test_optimizer_state_continues_training_across_calls(digits, optimizer, momentum, lr):
    # full batch: no shuffle, so two calls of 2 epochs are one call of 4 exactly when
    # the optimizer's state is carried over, and not when it starts afresh
    kwargs = dict(optimizer=optimizer, momentum=momentum, lr=lr, history=False)
    X, y = digits.X_train[:300], digits.y_train[:300]
    once, twice, afresh = _models(2), _models(2), _models(2)
    train.fit_many(once, X, y, epochs=4, **kwargs)
    state = {}
    train.fit_many(twice, X, y, epochs=2, optimizer_state=state, **kwargs)
    assert state["steps"] == 2 and state["optimizer"] == optimizer and state["models"] == 2
    train.fit_many(twice, X, y, epochs=2, optimizer_state=state, **kwargs)
    assert state["steps"] == 4
    for _ in range(2):
        train.fit_many(afresh, X, y, epochs=2, **kwargs)
    for a, b, c in zip(once, twice, afresh):
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            assert torch.allclose(p, q, rtol=0, atol=1e-12)
        assert max((p - r).abs().max().item()
                   for p, r in zip(a.parameters(), c.parameters())) > 1e-4


def test_optimizer_state_counts_mini_batch_steps(digits):
    state = {}
    train.fit_many(_models(1), digits.X_train[:250], digits.y_train[:250], epochs=3,
                   lr=0.01, optimizer="adam", batch_size=100, history=False,
                   optimizer_state=state)
    assert state["steps"] == 9                         # 3 batches (100, 100, 50) x 3


@pytest.mark.parametrize("state, kwargs, words", [
    ([], {}, "optimizer_state must be a dict"),
    ({"steps": 1}, {}, "empty or the dict an earlier fit_many"),
    ("adam", {}, "optimizer_state must be a dict"),
    (None, {"optimizer": "sgd"}, "optimizer='adam'"),
    (None, {"n": 3}, "other models"),
])
def test_optimizer_state_bad_calls(digits, state, kwargs, words):
    X, y = digits.X_train[:100], digits.y_train[:100]
    if state is None:                       # a state an adam call on 2 models filled
        state = {}
        train.fit_many(_models(2), X, y, epochs=1, lr=0.01, optimizer="adam",
                       history=False, optimizer_state=state)
    kept = copy.copy(state)
    models = _models(kwargs.pop("n", 2))
    with pytest.raises((TypeError, ValueError), match=words):
        train.fit_many(models, X, y, epochs=1, lr=0.01, history=False,
                       optimizer=kwargs.get("optimizer", "adam"), optimizer_state=state)
    assert state == kept if isinstance(state, list | str) else state.keys() == kept.keys()


def test_history_test_records_only_the_test_set_and_trains_the_same(digits):
    X, y = digits.X_train[:300], digits.y_train[:300]
    test = (digits.X_test, digits.y_test)
    full, lean = _models(2, dropout=0.5), _models(2, dropout=0.5)
    kwargs = dict(epochs=3, lr=0.05, batch_size=50, seed=[1, 2], test=test,
                  probes={"w": lambda m: m[0].weight.sum().item()})
    torch.manual_seed(4)
    ref = train.fit_many(full, X, y, **kwargs)
    torch.manual_seed(4)
    got = train.fit_many(lean, X, y, history="test", **kwargs)
    for h, r in zip(got, ref, strict=True):
        assert h.loss == [] and h.train_acc == [] and h.epochs == 3
        assert h.test_acc == r.test_acc and h.test_loss == r.test_loss
        assert h.probes["w"] == r.probes["w"]
    for a, b in zip(full, lean, strict=True):
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            assert torch.equal(p, q)


@pytest.mark.parametrize("kwargs, words", [
    ({"history": "test"}, "pass test="),
    ({"history": "train"}, "True, False or 'test'"),
    ({"history": 1}, "history must be True or False"),
])
def test_history_bad_values(digits, kwargs, words):
    with pytest.raises((TypeError, ValueError), match=words):
        train.fit_many(_models(1), digits.X_train[:50], digits.y_train[:50], epochs=1,
                       lr=0.1, **kwargs)
