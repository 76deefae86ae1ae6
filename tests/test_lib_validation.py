"""Every public function of lib answers a wrong call with ValueError or TypeError whose
message names the argument (CONTRIBUTING.md: a student's wrong call gets a sentence, not a stack
of internals). Each function has a good baseline call; each bad call changes one argument
of it, so a test can only pass because of that argument."""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from lib import activations, conv, data, nets, plots, poly, probes, seed, train, widgets  # noqa: E402

# tiny models: extra threads only contend with the other xdist worker (and can be
# many times slower when two processes spin on two cores)
torch.set_num_threads(1)

X = np.random.default_rng(0).normal(size=(6, 4))
Y = np.array([0, 1, 2, 0, 1, 2])


def _model(dropout=0.0):
    torch.manual_seed(0)
    return nets.mlp([4, 5, 3], activation="sigmoid", dropout=dropout)


def _split():
    return data.digits()


def _history():
    return train.History(loss=[2.0, 1.0], train_acc=[0.1, 0.5], test_acc=[0.1, 0.4])


def _figure_axes():
    return plots.figure(ncols=2)[1]  # an array of two Axes, not an Axes


# name -> (function, factory of good keyword arguments)
GOOD = {
    "activations.get": (activations.get, lambda: {"name": "relu"}),
    "seed.seed_everything": (seed.seed_everything, lambda: {"seed": 0}),
    "data.digits": (
        data.digits, lambda: {"test_fraction": 0.2, "seed": 0, "standardize": True}
    ),
    "nets.init_std": (nets.init_std, lambda: {"scheme": "xavier", "fan_in": 3, "fan_out": 2}),
    "nets.mlp": (
        nets.mlp,
        lambda: {"widths": [4, 5, 3], "activation": "relu", "init": "kaiming",
                 "dropout": 0.5, "dtype": torch.float32},
    ),
    "nets.linear_layers": (nets.linear_layers, lambda: {"model": _model()}),
    "train.evaluate": (train.evaluate, lambda: {"model": _model(), "X": X, "y": Y}),
    "train.fit": (
        train.fit,
        lambda: {"model": _model(), "X": X, "y": Y, "epochs": 1, "lr": 0.1,
                 "optimizer": "sgd", "momentum": 0.5, "batch_size": 2, "seed": 0,
                 "test": (X, Y), "probes": {"n": lambda m: 1},
                 "on_epoch": lambda epoch, history: None},
    ),
    "probes.grad_norms": (probes.grad_norms, lambda: {"model": _model(), "X": X, "y": Y}),
    "probes.hidden_outputs": (probes.hidden_outputs, lambda: {"model": _model(0.5), "X": X}),
    "probes.saturated_fraction": (
        probes.saturated_fraction,
        lambda: {"outputs": [[0.5, 0.999]], "activation": "sigmoid", "tol": 0.01},
    ),
    "probes.zero_fraction": (probes.zero_fraction, lambda: {"outputs": [[0.0, 1.0]]}),
    "probes.dead_fraction": (probes.dead_fraction, lambda: {"outputs": [[0.0, 1.0]]}),
    "probes.activation_stats": (
        probes.activation_stats, lambda: {"model": _model(), "X": X, "tol": 0.01}
    ),
    "plots.figure": (
        plots.figure,
        lambda: {"ncols": 2, "nrows": 1, "width": 7.0, "height": 3.0, "layout": "fixed"}
    ),
    "plots.plot_lines": (
        plots.plot_lines,
        lambda: {"x": [0.0, 1.0, 2.0], "series": {"relu": [0, 1, 2], "other": [1, 1, 1]},
                 "ax": None, "styles": {"other": {"linestyle": "--"}},
                 "legend": {"loc": "upper left"}},
    ),
    "plots.plot_grad_norms": (
        plots.plot_grad_norms,
        lambda: {"norms": {"sigmoid": [1e-3, 1e-1]}, "ax": None, "legend": {"loc": "lower left"}},
    ),
    "plots.plot_history": (
        plots.plot_history,
        lambda: {"histories": {"relu": _history()}, "metric": "test_acc", "ax": None,
                 "styles": {"relu": {"linestyle": ":"}}, "legend": None},
    ),
    "widgets.parse_activation": (
        widgets.parse_activation, lambda: {"expression": "x * torch.sigmoid(x)"}
    ),
    "widgets.derivative": (
        widgets.derivative, lambda: {"activation": torch.tanh, "x": [0.0, 1.0]}
    ),
    "widgets.strip_widget_views": (
        widgets.strip_widget_views, lambda: {"notebook": {"metadata": {}, "cells": []}}
    ),
    "widgets.activation_playground": (
        widgets.activation_playground,
        lambda: {"split": _split(), "depth": 2, "width": 8, "epochs": 1, "lr": 0.1,
                 "batch_size": 32, "seed": 0},
    ),
}

ELEMENTWISE = [
    activations.sigmoid, activations.sigmoid_prime, activations.tanh, activations.tanh_prime,
    activations.relu, activations.relu_prime, activations.leaky_relu,
    activations.leaky_relu_prime,
]
for _fn in ELEMENTWISE:
    GOOD[f"activations.{_fn.__name__}"] = (_fn, lambda: {"x": [[-1.0, 0.0], [1.0, 2.0]]})
for _fn in (activations.leaky_relu, activations.leaky_relu_prime):
    GOOD[f"activations.{_fn.__name__}"] = (_fn, lambda: {"x": [-1.0, 2.0], "slope": 0.1})

NOT_NUMBERS = ["abc", None, [1.0, "a"], [[1.0, 2.0], [3.0]], True, [True, False],
               [1 + 2j], np.array(["1.5"]), {"x": 1}]
BAD_REALS = [float("nan"), float("inf"), -float("inf"), "0.1", True, None]

# (function, argument, bad value): the message must name the argument
BAD = [(f"activations.{fn.__name__}", "x", v) for fn in ELEMENTWISE for v in NOT_NUMBERS]
for _name in ("activations.leaky_relu", "activations.leaky_relu_prime"):
    BAD += [(_name, "slope", v) for v in [1, 1.5, -0.01, *BAD_REALS]]
BAD += [
    ("activations.get", "name", "softmax"),
    ("activations.get", "name", "Sigmoid"),
    ("activations.get", "name", None),
    ("activations.get", "name", 3),
    *[("seed.seed_everything", "seed", v)
      for v in [-1, 2**32, 1.5, True, "0", None, np.float64(1.0)]],
    *[("data.digits", "test_fraction", v) for v in [0, 1, 0.0, 1.0, -0.2, 1.5, *BAD_REALS]],
    *[("data.digits", "seed", v) for v in [-1, 2**32, 0.5, True, "0", None]],
    *[("data.digits", "standardize", v) for v in [1, 0, "yes", None]],
    ("nets.init_std", "scheme", "he"),
    ("nets.init_std", "scheme", "Xavier"),
    ("nets.init_std", "scheme", 1),
    *[("nets.init_std", "fan_in", v) for v in [0, -3, 2.5, True, "3"]],
    *[("nets.init_std", "fan_out", v) for v in [0, 2.0, False]],
    *[("nets.mlp", "widths", v)
      for v in [5, "64,10", None, [], [64], [64, 0, 10], [64, -5, 10], [64, 32.0, 10],
                [64, True, 10], [64, "32", 10], [64, None]]],
    *[("nets.mlp", "activation", v) for v in ["softmax", "ReLU", None, nn.ReLU]],
    *[("nets.mlp", "init", v) for v in ["he", "normal", None]],
    *[("nets.mlp", "dropout", v) for v in [1, 1.0, -0.1, 2, *BAD_REALS]],
    *[("nets.mlp", "dtype", v) for v in ["float64", torch.int64, torch.float16, np.float64]],
    *[("nets.linear_layers", "model", v) for v in [None, "model", [nn.Linear(2, 2)]]],
    # evaluate
    ("train.evaluate", "model", None),
    ("train.evaluate", "model", "mlp"),
    *[("train.evaluate", "X", v) for v in ["abc", None, X.tolist(), X[0], X[None]]],
    *[("train.evaluate", "y", v)
      for v in ["abc", Y.tolist(), Y.astype(float), Y[:-1], Y[:, None], Y > 0]],
    # fit
    ("train.fit", "model", None),
    ("train.fit", "model", nets.init_std),
    *[("train.fit", "X", v) for v in ["abc", X.tolist(), X[0], X[None]]],
    *[("train.fit", "y", v) for v in ["abc", Y.astype(float), Y[:-1], Y[:, None]]],
    *[("train.fit", "epochs", v) for v in [-1, 1.5, True, "3", None]],
    *[("train.fit", "lr", v) for v in [0, -0.1, *BAD_REALS]],
    *[("train.fit", "optimizer", v) for v in ["rmsprop", "SGD", None, torch.optim.SGD]],
    *[("train.fit", "momentum", v) for v in [1, 1.0, -0.5, *BAD_REALS]],
    *[("train.fit", "batch_size", v) for v in [0, -4, 2.5, True, "32"]],
    *[("train.fit", "seed", v) for v in [-1, 2**63, 1.5, True, "0"]],
    *[("train.fit", "test", v)
      for v in ["abc", X, (X,), (X, Y, Y), (X, Y.astype(float)), (X[0], Y), (X, Y[:-1])]],
    *[("train.fit", "probes", v)
      for v in [{"n": 3}, {"n": "grad_norms"}, [lambda m: 1], "abc", 3]],
    *[("train.fit", "on_epoch", v) for v in [3, "print"]],
    # probes
    *[("probes.grad_norms", "model", v) for v in [None, "mlp", nn.Sequential(nn.ReLU())]],
    *[("probes.grad_norms", "X", v) for v in ["abc", X.tolist(), X[0], X[None]]],
    *[("probes.grad_norms", "y", v) for v in ["abc", Y.astype(float), Y[:-1], Y > 0]],
    *[("probes.hidden_outputs", "model", v)
      for v in [None, "mlp", nn.Linear(4, 3), nn.Sequential(nn.ReLU()), nn.Sequential()]],
    *[("probes.hidden_outputs", "X", v) for v in ["abc", None, X.tolist(), X[0], X[None]]],
    *[("probes.saturated_fraction", "outputs", v) for v in [*NOT_NUMBERS, [], np.zeros((0, 3))]],
    *[("probes.saturated_fraction", "activation", v) for v in ["softmax", None, nn.Sigmoid]],
    *[("probes.saturated_fraction", "tol", v) for v in [0, 0.5, -0.1, 1, *BAD_REALS]],
    *[("probes.zero_fraction", "outputs", v) for v in [*NOT_NUMBERS, []]],
    *[("probes.dead_fraction", "outputs", v)
      for v in [*NOT_NUMBERS, [], [0.0, 1.0], np.zeros((0, 3)), np.zeros((2, 2, 2))]],
    *[("probes.activation_stats", "model", v) for v in [None, "mlp", nn.Linear(4, 3)]],
    *[("probes.activation_stats", "X", v) for v in ["abc", None, X[0]]],
    *[("probes.activation_stats", "tol", v) for v in [0, 0.5, *BAD_REALS]],
    # plots
    *[("plots.figure", "ncols", v) for v in [0, 7, 1.5, True, "2", None]],
    *[("plots.figure", "nrows", v) for v in [0, -1, 2.0, False]],
    *[("plots.figure", "width", v) for v in [0.5, 25, 0, *BAD_REALS[:-1]]],
    *[("plots.figure", "height", v) for v in [0, 21, float("nan"), "3", True]],
    *[("plots.plot_lines", "x", v) for v in NOT_NUMBERS],
    *[("plots.plot_lines", "series", v)
      for v in [None, [], {}, "relu", [[0, 1, 2]], {"relu": "abc"}, {"relu": [0, 1]},
                {"relu": [[0, 1, 2]]}, {"relu": None}]],
    *[("plots.figure", "layout", v) for v in ["tight", None, 1]],
    *[("plots.plot_lines", "ax", v) for v in ["ax", 3, plt.figure, _figure_axes]],
    *[("plots.plot_lines", "styles", v)
      for v in ["dashed", ["--"], {"other": "--"}, {"other": ["--"]}]],
    *[("plots.plot_grad_norms", "norms", v)
      for v in [None, [1.0, 0.1], {}, {"relu": "abc"}, {"relu": None}, {"relu": [1, "a"]}]],
    *[("plots.plot_grad_norms", "ax", v) for v in ["ax", plt.figure, _figure_axes]],
    *[("plots.plot_history", "histories", v)
      for v in [None, [], {}, [_history], {"relu": train.History()}, {"relu": [0.1, 0.2]},
                {"relu": None}]],
    *[("plots.plot_history", "metric", v) for v in ["accuracy", "LOSS", "", None, 1]],
    *[("plots.plot_history", "ax", v) for v in ["ax", plt.figure, _figure_axes]],
    *[("plots.plot_history", "styles", v) for v in ["dashed", {"relu": ":"}]],
    *[("widgets.parse_activation", "expression", v)
      for v in ["", "   ", "x +", "open(x)", "y * 2", "x.sum()", "torch.ones(3)", 3, None]],
    *[("widgets.derivative", "activation", v) for v in [None, "tanh", 3]],
    *[("widgets.derivative", "x", v) for v in ["abc", None, [1.0, "a"]]],
    *[("widgets.activation_playground", "split", v) for v in [None, (X, Y), "digits"]],
    *[("widgets.activation_playground", "depth", v) for v in [0, 33, 1.5, True]],
    *[("widgets.activation_playground", "width", v) for v in [0, 2000, "8"]],
    *[("widgets.activation_playground", "epochs", v) for v in [0, 501, None]],
    *[("widgets.activation_playground", "lr", v) for v in [0, -0.1, 11, *BAD_REALS]],
    *[("widgets.activation_playground", "batch_size", v) for v in [0, 2.5]],
    *[("widgets.activation_playground", "seed", v) for v in [-1, 2**32, "0"]],
    *[("widgets.strip_widget_views", "notebook", v)
      for v in [None, "chapter.ipynb", {"cells": None}, [{"cells": []}]]],
    # data that does not fit the model: 5 features for a 4-input model, labels 0-3 for 3
    ("train.fit", "X", np.zeros((6, 5))),
    ("train.fit", "y", np.array([0, 1, 2, 3, 1, 2])),
    ("train.fit", "y", np.array([0, 1, 2, -1, 1, 2])),
    ("train.evaluate", "X", np.zeros((6, 5))),
    ("train.evaluate", "y", np.array([0, 1, 2, 3, 1, 2])),
    ("probes.grad_norms", "X", np.zeros((6, 5))),
    ("probes.grad_norms", "y", np.array([0, 1, 2, 3, 1, 2])),
    ("train.evaluate", "model", nn.Sequential(nn.ReLU())),
    *[(f"plots.{fn}", "legend", v)
      for fn in ("plot_lines", "plot_grad_norms", "plot_history")
      for v in ["upper left", 3, ["loc", "best"]]],
]

# ---------------------------------------------------------------- the dying-ReLU chapter
GOOD["probes.dead_units"] = (probes.dead_units, lambda: {"model": _model(0.5), "X": X})
GOOD["train.fit_many"] = (
    train.fit_many,
    lambda: {"models": [_model(), _model()], "X": X, "y": Y, "epochs": 1, "lr": [0.1, 0.2],
             "optimizer": "adam", "batch_size": 2, "seed": 0, "test": (X, Y),
             "probes": {"n": lambda m: 1}},
)
GOOD["nets.mlp (slope)"] = (
    nets.mlp, lambda: {"widths": [4, 5, 3], "activation": "prelu", "slope": 0.25}
)
BAD += [
    *[("probes.dead_units", "model", v)
      for v in [None, "mlp", nn.Linear(4, 3), nn.Sequential(nn.ReLU())]],
    *[("probes.dead_units", "X", v) for v in ["abc", None, X.tolist(), X[0], X[None]]],
    *[("train.fit_many", "models", v)
      for v in [None, "mlp", _model(), [], [_model(), "mlp"],
                [_model(), nets.mlp([4, 6, 3])], [nn.Sequential(nn.Linear(4, 3),
                                                                nn.BatchNorm1d(3))]]],
    *[("train.fit_many", "X", v) for v in ["abc", X.tolist(), X[0], np.zeros((6, 5))]],
    *[("train.fit_many", "y", v) for v in ["abc", Y.astype(float), Y[:-1], Y + 1]],
    *[("train.fit_many", "epochs", v) for v in [-1, 1.5, True, None]],
    *[("train.fit_many", "lr", v)
      for v in [0, -0.1, *BAD_REALS, [0.1], [0.1, 0.2, 0.3], [0.1, -1.0], [0.1, "a"]]],
    *[("train.fit_many", "optimizer", v) for v in ["rmsprop", None]],
    *[("train.fit_many", "batch_size", v) for v in [0, 2.5, "32"]],
    *[("train.fit_many", "seed", v) for v in [-1, 1.5, "0"]],
    *[("train.fit_many", "test", v) for v in ["abc", (X,), (X, Y.astype(float))]],
    *[("train.fit_many", "probes", v) for v in [{"n": 3}, [lambda m: 1], "abc"]],
    *[("nets.mlp (slope)", "slope", v) for v in [1, 1.5, -0.1, *BAD_REALS[:-1]]],
    ("nets.mlp", "slope", 0.1),      # relu takes no slope
]

GOOD["probes.active_share"] = (probes.active_share, lambda: {"model": _model(0.5), "X": X})
GOOD["probes.nearly_dead_units"] = (
    probes.nearly_dead_units, lambda: {"model": _model(0.5), "X": X, "below": 0.2})
BAD += [
    *[(f"probes.{fn}", "model", v)
      for fn in ("active_share", "nearly_dead_units")
      for v in [None, "mlp", nn.Linear(4, 3), nn.Sequential(nn.ReLU())]],
    *[(f"probes.{fn}", "X", v)
      for fn in ("active_share", "nearly_dead_units")
      for v in ["abc", None, X.tolist(), X[0], X[None], np.zeros((6, 5)),
                np.zeros((0, 4))]],
    *[("probes.nearly_dead_units", "below", v) for v in [0, -0.1, 1.5, *BAD_REALS]],
]

# ---------------------------------------------------------------- the sigmoid chapter's probes
GOOD["probes.backprop_norms"] = (
    probes.backprop_norms, lambda: {"model": _model(0.5), "X": X, "y": Y})
GOOD["probes.activation_spread"] = (probes.activation_spread, lambda: {"model": _model(), "X": X})
GOOD["train.fit_seeds"] = (
    train.fit_seeds,
    lambda: {"build": _model, "seeds": [0, 1], "X": X, "y": Y, "epochs": 1, "lr": 0.1,
             "test": (X, Y)},
)
GOOD["nets.mlp (bias, gain)"] = (
    nets.mlp, lambda: {"widths": [4, 5, 3], "init": "xavier", "bias": -0.5, "gain": 4.0})


def _seed_runs():
    return train.fit_seeds(_model, [0, 1], X, Y, epochs=1, lr=0.1, test=(X, Y))


GOOD["plots.plot_runs"] = (
    plots.plot_runs,
    lambda: {"runs": {"sigmoid": _seed_runs()}, "metric": "test_acc", "ax": None,
             "styles": {"sigmoid": {"linestyle": ":"}}, "legend": {"loc": "lower right"}},
)
BAD += [
    *[("probes.backprop_norms", "model", v)
      for v in [None, "mlp", nn.Linear(4, 3), nn.Sequential(nn.ReLU())]],
    *[("probes.backprop_norms", "X", v)
      for v in ["abc", None, X.tolist(), X[0], np.zeros((6, 5)), np.zeros((0, 4))]],
    *[("probes.backprop_norms", "y", v) for v in ["abc", Y.astype(float), Y[:-1], Y + 1]],
    *[("probes.activation_spread", "model", v) for v in [None, "mlp", nn.Linear(4, 3)]],
    *[("probes.activation_spread", "X", v)
      for v in ["abc", None, X.tolist(), X[0], X[:1], np.zeros((6, 5))]],
    *[("train.fit_seeds", "build", v) for v in [None, "mlp", 3]],
    *[("train.fit_seeds", "seeds", v)
      for v in [None, 3, "01", [], [0, 0], [0, -1], [0, 1.5], [0, 2**32]]],
    *[("nets.mlp (bias, gain)", "bias", v) for v in ["ones", "Zeros", *BAD_REALS[:-1], True]],
    *[("nets.mlp (bias, gain)", "gain", v) for v in [0, -1.0, *BAD_REALS]],
    *[("plots.plot_runs", "runs", v)
      for v in [None, [], {}, {"relu": None}, {"relu": _history}, {"relu": [0.1]}]],
    *[("plots.plot_runs", "metric", v) for v in ["accuracy", None, 1]],
    *[("plots.plot_runs", "ax", v) for v in ["ax", plt.figure, _figure_axes]],
    *[("plots.plot_runs", "styles", v) for v in ["dashed", {"sigmoid": ":"}]],
    ("plots.plot_runs", "legend", "upper left"),
]

# ---------------------------------------------------------------- the convolution chapter
_IMAGE = np.arange(30.0).reshape(5, 6)
GOOD["conv.output_size"] = (conv.output_size, lambda: {"i": 5, "k": 3, "s": 2, "p": 1, "d": 1})
GOOD["conv.conv2d"] = (
    conv.conv2d, lambda: {"image": np.ones((2, 5, 6)), "kernel": np.ones((3, 2, 3, 3)),
                          "stride": 2, "padding": 1}
)
GOOD["data.points"] = (
    data.points, lambda: {"n": 10, "d": 3, "region": "ball", "seed": 1}
)
GOOD["widgets.distance_playground"] = (
    widgets.distance_playground, lambda: {"d": 10, "n": 50, "region": "cube", "seed": 0}
)
BAD += [
    *[("data.points", "n", v) for v in [0, -1, 10**7 + 1, 2.5, True, "10", None]],
    *[("data.points", "d", v) for v in [0, -3, 10**5 + 1, 3.0, False, "3", None]],
    *[("data.points", "region", v) for v in ["sphere", "Cube", 1, None]],
    *[("data.points", "seed", v) for v in [-1, 2**32, 0.5, True, "0", None]],
    *[("widgets.distance_playground", "d", v) for v in [0, 10_001, 2.5, True, "10"]],
    *[("widgets.distance_playground", "n", v) for v in [2, 20_001, 50.0, None]],
    *[("widgets.distance_playground", "region", v) for v in ["normal", 3, None]],
    *[("widgets.distance_playground", "seed", v) for v in [-1, 10**6 + 1, "0"]],
]
GOOD["widgets.kernel_playground"] = (
    widgets.kernel_playground, lambda: {"image": _IMAGE, "stride": 2, "padding": 1}
)
_NAN = np.ones((5, 6))
_NAN[2, 3] = np.nan
BAD += [
    *[("conv.output_size", "i", v) for v in [0, -3, 4.5, 5.0, True, "5", None]],
    *[("conv.output_size", "k", v) for v in [0, 2.5, False, "3", 8, 9]],  # 8 > 5 + 2*1
    *[("conv.output_size", "s", v) for v in [0, -1, 1.5, True, None]],
    *[("conv.output_size", "p", v) for v in [-1, 0.5, True, "1"]],
    *[("conv.output_size", "d", v) for v in [0, 1.5, "2", 4]],          # 4: spans 9 > 7
    *[("conv.conv2d", "image", v)
      for v in [*NOT_NUMBERS, 3.0, np.ones(5), np.ones((1, 1, 5, 6)), np.ones((3, 5, 6)),
                np.ones((2, 0, 6)), np.full((2, 5, 6), np.inf)]],
    *[("conv.conv2d", "kernel", v)
      for v in [*NOT_NUMBERS, 3.0, np.ones(3), np.ones((2, 3, 3)), np.ones((3, 1, 3, 3)),
                np.ones((3, 2, 8, 3)), np.ones((3, 2, 3, 0)), np.full((3, 2, 3, 3), np.nan)]],
    *[("conv.conv2d", "stride", v) for v in [0, -1, 1.5, True, "2", None]],
    *[("conv.conv2d", "padding", v) for v in [-1, 0.5, True, "1", None]],
    *[("widgets.kernel_playground", "image", v)
      for v in ["abc", None, np.ones(5), np.ones((2, 5, 6)), np.ones((2, 9)), _NAN]],
    *[("widgets.kernel_playground", "stride", v) for v in [0, 9, 1.5, "1"]],
    *[("widgets.kernel_playground", "padding", v) for v in [-1, 4, 0.5, None]],
]

# ---------------------------------------------------------------- the overfitting chapter
_XS = np.linspace(0.0, 1.0, 5)
_TS = np.sin(2 * np.pi * _XS)
GOOD["data.sine"] = (data.sine, lambda: {"n": 10, "noise": 0.3, "n_test": 20, "seed": 1})
GOOD["data.subset"] = (data.subset, lambda: {"split": _split(), "n": 30, "seed": 2})
GOOD["data.validation"] = (data.validation, lambda: {"split": _split(), "n_val": 40,
                                                     "seed": 3})
GOOD["poly.features"] = (poly.features, lambda: {"x": _XS, "order": 3})
GOOD["poly.fit"] = (poly.fit, lambda: {"x": _XS, "t": _TS, "order": 3, "lam": 1e-3})
GOOD["poly.predict"] = (poly.predict, lambda: {"w": [1.0, -2.0, 0.5], "x": _XS})
GOOD["poly.rms_error"] = (poly.rms_error, lambda: {"w": [1.0, -2.0], "x": _XS, "t": _TS})
GOOD["train.early_stopping_epoch"] = (
    train.early_stopping_epoch, lambda: {"val_loss": [1.0, 0.5, 0.7, 0.8], "patience": 2})
GOOD["train.fit (weight decay)"] = (
    train.fit, lambda: {"model": _model(), "X": X, "y": Y, "epochs": 2, "lr": 0.1,
                        "momentum": 0.9, "weight_decay": 0.01, "test": (X, Y)})
GOOD["train.fit_many (momentum, decay)"] = (
    train.fit_many,
    lambda: {"models": [_model(), _model()], "X": X, "y": Y, "epochs": 2, "lr": 0.1,
             "momentum": 0.5, "weight_decay": [0.0, 0.1], "test": (X, Y)},
)
_POINTS_BAD = [*NOT_NUMBERS, [], np.ones((2, 3)), [0.0, np.nan], [np.inf]]
BAD += [
    *[("data.sine", "n", v) for v in [0, -1, 10**6 + 1, 2.5, True, "10", None]],
    *[("data.sine", "noise", v) for v in [-0.1, 11, *BAD_REALS]],
    *[("data.sine", "n_test", v) for v in [0, 10**6 + 1, 1.5, False, None]],
    *[("data.sine", "seed", v) for v in [-1, 2**32, 0.5, True, "0"]],
    *[(f"data.{fn}", "split", v)
      for fn in ("subset", "validation") for v in [None, "digits", (X, Y), [X, Y]]],
    *[("data.subset", "n", v) for v in [0, -5, 1439, 2.5, True, "30", None]],
    *[("data.subset", "seed", v) for v in [-1, 2**32, 0.5, "0"]],
    *[("data.validation", "n_val", v) for v in [0, -5, 1438, 10**6, 2.5, True, None]],
    *[("data.validation", "seed", v) for v in [-1, 2**32, 0.5, "0"]],
    *[("poly.features", "x", v) for v in _POINTS_BAD],
    *[("poly.features", "order", v) for v in [-1, 31, 2.5, True, "3", None]],
    *[("poly.fit", "x", v) for v in _POINTS_BAD],
    *[("poly.fit", "t", v) for v in [*_POINTS_BAD, _TS[:-1], np.ones(6)]],
    *[("poly.fit", "order", v) for v in [-1, 31, 3.0, False, None]],
    *[("poly.fit", "lam", v) for v in [-1e-3, *BAD_REALS]],
    *[("poly.predict", "w", v) for v in [*_POINTS_BAD, np.ones(32)]],
    *[("poly.predict", "x", v) for v in _POINTS_BAD],
    *[("poly.rms_error", "w", v) for v in [*_POINTS_BAD, np.ones(32)]],
    *[("poly.rms_error", "x", v) for v in _POINTS_BAD],
    *[("poly.rms_error", "t", v) for v in [*_POINTS_BAD, _TS[:-1]]],
    *[("train.early_stopping_epoch", "val_loss", v)
      for v in [*NOT_NUMBERS, [], [[1.0, 0.5]], [1.0, np.nan]]],
    *[("train.early_stopping_epoch", "patience", v)
      for v in [0, -1, 100_001, 1.5, True, "2"]],
    *[("train.fit (weight decay)", "weight_decay", v) for v in [-0.1, 101, *BAD_REALS]],
    *[("train.fit_many (momentum, decay)", "weight_decay", v)
      for v in [-0.1, 101, *BAD_REALS, [0.1], [0.1, 0.2, 0.3], [0.1, -1.0], [0.1, "a"]]],
    *[("train.fit_many (momentum, decay)", "momentum", v)
      for v in [1, 1.0, -0.5, *BAD_REALS]],
    ("train.fit_many", "momentum", 0.9),              # the good call uses Adam
]

GOOD["widgets.curve_playground"] = (
    widgets.curve_playground, lambda: {"order": 3, "n": 12, "ln_lam": -5.0, "seed": 1})
BAD += [
    *[("widgets.curve_playground", "order", v) for v in [-1, 31, 2.5, True, "3"]],
    *[("widgets.curve_playground", "n", v) for v in [0, 10_001, 1.5, None]],
    *[("widgets.curve_playground", "ln_lam", v) for v in [-51, 11, *BAD_REALS]],
    *[("widgets.curve_playground", "seed", v) for v in [-1, 10**6 + 1, "0"]],
]

# values that are these functions are factories (figures, Axes, histories): made at call time
FACTORIES = (plt.figure, _figure_axes, _history)


def _make(value):
    return value() if any(value is f for f in FACTORIES) else value


def _id(case):
    name, arg, value = case
    text = getattr(value, "__name__", None) or repr(value)
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", re.sub(r"\s+", " ", text))  # same on every worker
    return f"{name}-{arg}={text[:30]}"


def _prepare(func_id, /, **override):
    """The function and its good keyword arguments, with ``override`` applied."""
    fn, good = GOOD[func_id]
    kwargs = good()
    for key, value in override.items():
        if isinstance(value, dict):
            value = {k: _make(v) for k, v in value.items()}
        elif isinstance(value, list):
            value = [_make(v) for v in value]
        kwargs[key] = _make(value)
    return fn, kwargs


def _call(func_id, /, **override):
    fn, kwargs = _prepare(func_id, **override)
    return fn(**kwargs)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _names(message, arg):
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(arg)}(?![A-Za-z0-9_])", message)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_call_works(name):
    _call(name)


def test_every_public_function_is_covered():
    covered = {name for name, _, _ in BAD}
    modules = {"activations": activations, "seed": seed, "data": data, "nets": nets,
               "train": train, "probes": probes, "plots": plots, "widgets": widgets,
               "conv": conv, "poly": poly}
    exempt = {"plots.use_style", "plots.color"}  # no arguments / any label is allowed
    for mod_name, module in modules.items():
        for attr in dir(module):
            obj = getattr(module, attr)
            if (attr.startswith("_") or not callable(obj) or isinstance(obj, type)
                    or getattr(obj, "__module__", None) != module.__name__):
                continue
            full = f"{mod_name}.{attr}"
            assert full in covered or full in exempt, f"{full} has no bad-call case"


@pytest.mark.parametrize("case", BAD, ids=[_id(c) for c in BAD])
def test_bad_call_names_the_argument(case):
    name, arg, value = case
    fn, kwargs = _prepare(name, **{arg: value})
    before = set(plt.get_fignums())
    with pytest.raises((ValueError, TypeError)) as info:
        fn(**kwargs)
    # the exact classes, not subclasses from inside numpy or torch
    assert type(info.value) in (ValueError, TypeError), repr(info.value)
    message = str(info.value)
    assert _names(message, arg), f"{arg!r} not named in: {message}"
    # a refused call draws nothing: no stray empty figure shown below the error
    assert set(plt.get_fignums()) == before, f"{name} left a figure open after refusing"


def test_plots_return_their_axes_and_draw():
    ax = _call("plots.plot_lines")
    assert isinstance(ax, matplotlib.axes.Axes) and len(ax.lines) == 2
    assert ax.lines[0].get_color().lower() == plots.color("relu").lower()
    assert ax.lines[1].get_linestyle() == "--"
    assert ax.get_legend()._loc == 2  # matplotlib's code for "upper left"
    fig, axes = plots.figure(ncols=2)
    assert _call("plots.plot_grad_norms", ax=axes[1]) is axes[1]
    assert axes[1].get_yscale() == "log"
    ax = _call("plots.plot_history")
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [0.1, 0.4])
    assert ax.lines[0].get_linestyle() == ":"


def test_plots_style_and_palette():
    plots.use_style()
    assert tuple(plt.rcParams["figure.figsize"]) == plots.FIGSIZE
    assert plots.color("sigmoid") == plots.PALETTE["vermillion"]
    assert plots.color("not an activation") is None
    assert len(set(plots.ACTIVATION_COLORS.values())) == len(plots.ACTIVATION_COLORS)
    fig, axes = plots.figure(ncols=3, nrows=2)
    assert axes.shape == (2, 3)
    assert tuple(fig.get_size_inches()) == pytest.approx((plots.FIGSIZE[0], 2 * plots.FIGSIZE[1]))


# ================================================================ issue 15: regressions
# Each example of issue 15 ("lib under bad input"), by the issue's item number. The
# property-based test (tests/test_lib_properties.py) draws many more.


def _refused(fn, arg, /, *args, **kwargs):
    """Call ``fn``; it must raise exactly ValueError or TypeError naming ``arg`` and
    leave no figure open. Returns the message."""
    before = set(plt.get_fignums())
    with pytest.raises((ValueError, TypeError)) as info:
        fn(*args, **kwargs)
    assert type(info.value) in (ValueError, TypeError), repr(info.value)
    assert _names(str(info.value), arg), f"{arg!r} not named in: {info.value}"
    assert set(plt.get_fignums()) == before, "a refused call left a figure open"
    return str(info.value)


def test_issue15_2_fit_on_an_array_with_negative_strides():
    history = train.fit(_model(), X[::-1], Y[::-1], epochs=2, lr=0.1)
    same = train.fit(_model(), X[::-1].copy(), Y[::-1].copy(), epochs=2, lr=0.1)
    assert history.loss == same.loss


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
def test_issue15_2_fit_on_unsigned_labels(dtype):
    assert train.fit(_model(), X, Y.astype(dtype), epochs=1, lr=0.1).loss == \
        train.fit(_model(), X, Y, epochs=1, lr=0.1).loss
    assert train.evaluate(_model(), X, torch.from_numpy(Y.astype(dtype)))[1] >= 0


def test_issue15_2_fit_and_fit_many_inside_no_grad():
    want = train.fit(_model(), X, Y, epochs=2, lr=0.1).loss
    with torch.no_grad():
        assert train.fit(_model(), X, Y, epochs=2, lr=0.1).loss == want
        got = train.fit_many([_model()], X, Y, epochs=2, lr=0.1)[0].loss
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_issue15_2_fit_many_with_a_model_whose_layers_are_shared():
    def shared():
        torch.manual_seed(0)
        layer = nn.Linear(4, 4, dtype=torch.float64)
        return nn.Sequential(layer, nn.Tanh(), layer, nn.Tanh(),
                             nn.Linear(4, 3, dtype=torch.float64))

    alone = shared()
    want = train.fit(alone, X, Y, epochs=3, lr=0.1).loss
    together = [shared(), shared()]
    histories = train.fit_many(together, X, Y, epochs=3, lr=0.1)
    for h, model in zip(histories, together):
        np.testing.assert_allclose(h.loss, want, rtol=1e-10)
        assert model[0] is model[2]  # still shared after the write-back
        torch.testing.assert_close(model[0].weight, alone[0].weight)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_issue15_3_nan_or_inf_in_the_data_is_refused(bad):
    Xbad = X.copy()
    Xbad[2, 1] = bad
    for call in (lambda: train.fit(_model(), Xbad, Y, epochs=1, lr=0.1),
                 lambda: train.evaluate(_model(), Xbad, Y),
                 lambda: train.fit_many([_model()], Xbad, Y, epochs=1, lr=0.1),
                 lambda: probes.dead_units(_model(), Xbad),
                 lambda: probes.backprop_norms(_model(), Xbad, Y)):
        assert "finite" in _refused(call, "X")
    _refused(train.fit, "test", _model(), X, Y, epochs=1, lr=0.1, test=(Xbad, Y))


def test_issue15_3_an_empty_data_set_is_refused():
    none = X[:0]
    assert "at least one example" in _refused(train.evaluate, "X", _model(), none, Y[:0])
    _refused(train.fit, "X", _model(), none, Y[:0], epochs=1, lr=0.1)
    # every unit used to be reported dead on no examples at all
    assert "at least one example" in _refused(probes.dead_units, "X", _model(), none)
    _refused(probes.hidden_outputs, "X", _model(), none)


def test_issue15_3_a_nan_tolerance_is_refused_whatever_the_activation():
    torch.manual_seed(0)
    custom = nets.mlp([4, 5, 3], activation=lambda x: x * torch.sigmoid(x))
    _refused(probes.activation_stats, "tol", custom, X, tol=float("nan"))
    _refused(probes.activation_stats, "tol", _model(), X, tol=float("nan"))


@pytest.mark.parametrize("fraction", [0.999, 0.001])
def test_issue15_3_a_test_fraction_that_empties_a_set_is_refused(fraction):
    message = _refused(data.digits, "test_fraction", test_fraction=fraction)
    assert "empty" in message and "between 0.003 and 0.997" in message
    split = data.digits(test_fraction=0.997)  # the range's ends work
    assert len(split.y_train) and len(split.y_test)


@pytest.mark.parametrize("activation", [lambda x: (x > 0).long(), lambda x: x.float(),
                                        lambda x: (x > 0).to(torch.int32)])
def test_issue15_3_an_activation_that_returns_another_dtype_is_refused(activation):
    assert "dtype" in _refused(nets.mlp, "activation", [4, 5, 3], activation=activation)


@pytest.mark.parametrize("logy", ["yes", 1, None, np.array([True])])
def test_issue15_3_logy_must_be_a_bool(logy):
    _refused(plots.plot_lines, "logy", [0.0, 1.0], {"a": [1.0, 2.0]}, logy=logy)
    plots.plot_lines([0.0, 1.0], {"a": [1.0, 2.0]}, logy=np.bool_(True))


@pytest.mark.parametrize(("arg", "value", "words"), [
    ("depth", 17, "<= 16"), ("depth", 32, "<= 16"), ("lr", 0.0005, ">= 0.001"),
    ("lr", 1.5, "<= 1.0"), ("lr", 10.0, "<= 1.0")])
def test_issue15_4_the_playground_refuses_values_outside_its_sliders(arg, value, words):
    # they used to be moved silently to the slider's end (16, 0.001 or 1)
    message = _refused(widgets.activation_playground, arg, _split(), **{arg: value})
    assert words in message
    box = widgets.activation_playground(_split(), depth=16, lr=1.0).box
    sliders = {c.description: c for c in box.children[2].children + (box.children[3],)}
    assert sliders["hidden layers"].value == 16 and sliders["learning rate"].value == 1.0


@pytest.mark.parametrize(("call", "arg"), [
    (lambda v: activations.leaky_relu([1.0], slope=v), "slope"),
    (lambda v: nets.mlp([4, 3], gain=v), "gain"),
    (lambda v: nets.mlp([4, 3], bias=v), "bias"),
    (lambda v: train.fit(_model(), X, Y, epochs=1, lr=v), "lr"),
    (lambda v: data.digits(test_fraction=v), "test_fraction"),
    (lambda v: plots.figure(width=v), "width"),
    (lambda v: train.fit(_model(), X, Y, epochs=v, lr=0.1), "epochs"),
    (lambda v: nets.init_std("xavier", v, 3), "fan_in"),
])
@pytest.mark.parametrize("huge", [10**400, -(10**400)])
def test_issue15_5_a_number_too_large_for_a_float_is_named(call, arg, huge):
    _refused(call, arg, huge)


def test_issue15_5_explore_names_a_value_too_large_for_a_float():
    from lib import explorer

    _refused(explorer.explore, "depth", lambda depth: plt.figure(), depth=[1, 10**400])


def test_issue15_5_a_model_whose_layers_do_not_chain_is_named():
    broken = nn.Sequential(nn.Linear(4, 5, dtype=torch.float64), nn.ReLU(),
                           nn.Linear(6, 3, dtype=torch.float64))
    for call in (lambda: probes.dead_units(broken, X), lambda: probes.grad_norms(broken, X, Y),
                 lambda: train.evaluate(broken, X, Y)):
        assert "do not fit together" in _refused(call, "model")
    assert "features" in _refused(probes.active_share, "X", _model(), np.zeros((6, 5)))


@pytest.mark.parametrize(("kwargs", "arg"), [
    ({"styles": {"other": {"no_such_property": 1}}}, "styles"),
    ({"styles": {"other": {"linestyle": "wiggly"}}}, "styles"),
    ({"legend": {"no_such_keyword": 1}}, "legend"),
    ({"legend": {"loc": "nowhere"}}, "legend"),
    ({"title": ["a", "list"]}, "title"),
    ({"xlabel": None}, "xlabel"),
])
def test_issue15_5_plot_keywords_are_checked_before_a_figure_opens(kwargs, arg):
    _refused(plots.plot_lines, arg, [0.0, 1.0], {"other": [1.0, 2.0]}, **kwargs)
    if "styles" in kwargs:
        _refused(plots.plot_history, arg, {"other": _history()}, **kwargs)
        _refused(plots.plot_runs, arg, {"other": _seed_runs()}, **kwargs)


def test_issue15_5_a_style_may_set_the_label():
    ax = plots.plot_lines([0.0, 1.0], {"a": [1.0, 2.0]}, styles={"a": {"label": "b"}})
    assert ax.lines[0].get_label() == "b"


@pytest.mark.parametrize(("expression", "words"), [
    ("x.float()", "dtype"), ("(x > 0).long()", "dtype"),
    ("(" * 100_000 + "x" + ")" * 100_000, "characters"),
    ("-" * 100_000 + "x", "characters"), ("x" + " + x" * 30_000, "characters"),
    ("x.resize_(3)", "same shape"), ("x.add_(1)", "in place"), ("x.mul_(2)", "in place"),
])
def test_issue15_5_the_formula_box_answers_with_a_sentence(expression, words):
    assert words in _refused(widgets.parse_activation, "expression", expression)


def test_issue15_5_a_deeply_nested_formula_under_the_length_limit():
    _refused(widgets.parse_activation, "expression", "(" * 300 + "x" + ")" * 300)
    fn = widgets.parse_activation("-" * 990 + "x")  # long, and valid
    assert torch.equal(fn(torch.ones(2, dtype=torch.float64)), torch.ones(2, dtype=torch.float64))


@pytest.mark.parametrize("fn", [np.tanh, np.exp, lambda t: t.detach().numpy(),
                                lambda t: torch.ones(3), lambda t: None])
def test_issue15_5_derivative_of_a_function_that_is_not_torch(fn):
    _refused(widgets.derivative, "activation", fn, [0.0, 1.0])


@pytest.mark.parametrize(("kwargs", "arg"), [({"fn": None}, "fn"), ({"fn": 3}, "fn"),
                                             ({"fn": torch.tanh, "name": 3}, "name")])
def test_issue15_5_elementwise_checks_its_arguments(kwargs, arg):
    _refused(nets.Elementwise, arg, **kwargs)


@pytest.mark.parametrize("fig", [None, "fig", "an Axes"])
def test_issue15_5_encode_needs_a_figure(fig):
    from lib import explorer

    _refused(explorer.encode, "fig", plt.figure().gca() if fig == "an Axes" else fig)
