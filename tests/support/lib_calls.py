"""Calls of every public function of lib, for the tests of its argument checks
(tests/test_lib_validation.py, tests/test_lib_properties.py): ``GOOD``, a good baseline
call of each function, and ``BAD``, wrong calls, each changing one argument of the
baseline, so a test can only pass because of that argument.

pytest puts this folder on the path (pyproject.toml, ``pythonpath``): test modules
import it by name and never each other.
"""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from lib import (  # noqa: E402
    activations,
    conv,
    data,
    nets,
    plots,
    poly,
    probes,
    seed,
    train,
    widgets,
)

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

# ---------------------------------------------------------------- the dropout chapter
from lib import dropout as lib_dropout  # noqa: E402


def _dropout_model():
    torch.manual_seed(0)
    return nets.mlp([4, 5, 3], dropout=0.5, input_dropout=0.2)


GOOD["dropout.mask"] = (
    lib_dropout.mask, lambda: {"shape": (3, 4), "p": 0.5, "rng": np.random.default_rng(0)})
GOOD["dropout.dropout"] = (
    lib_dropout.dropout,
    lambda: {"x": X, "p": 0.5, "rng": np.random.default_rng(0), "training": True,
             "return_mask": True})
GOOD["dropout.paper_dropout"] = (
    lib_dropout.paper_dropout,
    lambda: {"x": X, "p_retain": 0.8, "rng": np.random.default_rng(0), "training": True,
             "return_mask": False})
GOOD["dropout.paper_test_weights"] = (
    lib_dropout.paper_test_weights, lambda: {"W": X, "p_retain": 0.5})
GOOD["dropout.paper_to_inverted"] = (
    lib_dropout.paper_to_inverted, lambda: {"W": X, "p_retain": 0.5})
GOOD["dropout.mc_predict"] = (
    lib_dropout.mc_predict, lambda: {"model": _dropout_model(), "X": X, "k": 3})
GOOD["dropout.linear_penalty"] = (
    lib_dropout.linear_penalty, lambda: {"X": X, "w": np.ones(4), "p": 0.3})
GOOD["nets.mlp (input dropout)"] = (
    nets.mlp, lambda: {"widths": [4, 5, 3], "dropout": 0.5, "input_dropout": 0.2})
_P_DROP_BAD = [1, 1.0, -0.1, 2, *BAD_REALS]
_P_RETAIN_BAD = [0, 0.0, -0.1, 1.5, *BAD_REALS]
_RNG_BAD = [None, 0, "0", np.random.RandomState(0), torch.Generator()]
BAD += [
    *[("dropout.mask", "shape", v)
      for v in [-1, 2.5, "3", None, (3, -1), (3, 1.5), 10**8, (10**4, 10**4)]],
    *[("dropout.mask", "p", v) for v in _P_DROP_BAD],
    *[("dropout.mask", "rng", v) for v in _RNG_BAD],
    *[("dropout.dropout", "x", v) for v in [*NOT_NUMBERS, [1.0, np.nan]]],
    *[("dropout.dropout", "p", v) for v in _P_DROP_BAD],
    *[("dropout.dropout", "rng", v) for v in _RNG_BAD],
    *[("dropout.dropout", "training", v) for v in [1, "yes", None]],
    *[("dropout.dropout", "return_mask", v) for v in [0, "no", None]],
    *[("dropout.paper_dropout", "x", v) for v in NOT_NUMBERS],
    *[("dropout.paper_dropout", "p_retain", v) for v in _P_RETAIN_BAD],
    *[("dropout.paper_dropout", "rng", v) for v in _RNG_BAD],
    *[("dropout.paper_dropout", "training", v) for v in [1, None]],
    *[("dropout.paper_dropout", "return_mask", v) for v in [1, None]],
    *[("dropout.paper_test_weights", "W", v) for v in NOT_NUMBERS],
    *[("dropout.paper_test_weights", "p_retain", v) for v in _P_RETAIN_BAD],
    *[("dropout.paper_to_inverted", "W", v) for v in NOT_NUMBERS],
    *[("dropout.paper_to_inverted", "p_retain", v) for v in _P_RETAIN_BAD],
    *[("dropout.mc_predict", "model", v) for v in [None, "mlp", nets.mlp]],
    *[("dropout.mc_predict", "X", v)
      for v in ["abc", None, X[0], X[None], np.zeros((6, 5)), [[1.0, np.inf, 0, 0]],
                torch.zeros(6, 4, dtype=torch.complex64)]],
    *[("dropout.mc_predict", "k", v) for v in [0, -1, 10**5, 1.5, True, "3", None]],
    *[("dropout.linear_penalty", "X", v) for v in [*NOT_NUMBERS, X[0], [[np.nan, 1.0]]]],
    *[("dropout.linear_penalty", "w", v) for v in [*NOT_NUMBERS, np.ones(3), np.ones((4, 1))]],
    *[("dropout.linear_penalty", "p", v) for v in _P_DROP_BAD],
    *[("nets.mlp (input dropout)", "input_dropout", v) for v in [1, 1.0, -0.1, *BAD_REALS]],
    # models that differ in more than their dropout rates
    *[("train.fit_many", "models", v)
      for v in [[_model(), nets.mlp([4, 5, 3], activation="tanh")],
                [nets.mlp([4, 5, 3], activation="leaky_relu"),
                 nets.mlp([4, 5, 3], activation="leaky_relu", slope=0.2)]]],
]

# the chapter's playground
GOOD["widgets.dropout_playground"] = (
    widgets.dropout_playground,
    lambda: {"split": _split(), "n": 50, "input_dropout": 0.2, "dropout": 0.5,
             "epochs": 5, "seed": 0})
BAD += [
    *[("widgets.dropout_playground", "split", v) for v in [None, (X, Y), "digits"]],
    *[("widgets.dropout_playground", "n", v)
      for v in [9, 10**6, 2.5, True, "50", None]],
    *[("widgets.dropout_playground", "input_dropout", v)
      for v in [-0.1, 0.95, *BAD_REALS]],
    *[("widgets.dropout_playground", "dropout", v) for v in [-0.1, 1.0, *BAD_REALS]],
    *[("widgets.dropout_playground", "epochs", v) for v in [0, 2001, 1.5, None]],
    *[("widgets.dropout_playground", "seed", v) for v in [-1, 10**6 + 1, "0"]],
]
GOOD["widgets.practice_playground"] = (
    widgets.practice_playground,
    lambda: {"split": _split(), "dropout": 0.5, "lr": 0.1, "momentum": 0.9,
             "max_norm": 1.0, "epochs": 5, "seed": 0})
BAD += [
    *[("widgets.practice_playground", "split", v) for v in [None, (X, Y), "digits"]],
    *[("widgets.practice_playground", "dropout", v) for v in [-0.1, 1.0, *BAD_REALS]],
    *[("widgets.practice_playground", "lr", v) for v in [0.0, 5.0, *BAD_REALS]],
    *[("widgets.practice_playground", "momentum", v) for v in [-0.1, 1.0, *BAD_REALS]],
    *[("widgets.practice_playground", "max_norm", v) for v in [-1.0, 6.0, *BAD_REALS]],
    *[("widgets.practice_playground", "epochs", v) for v in [0, 1001, 1.5, None]],
    *[("widgets.practice_playground", "seed", v) for v in [-1, 10**6 + 1, "0"]],
]
GOOD["widgets.cnn_playground"] = (
    widgets.cnn_playground,
    lambda: {"split": data.shapes(n=60, size=10, seed=0), "filters": (4,),
             "activation": "relu", "placement": "dense", "dropout": 0.5, "epochs": 5,
             "seed": 0})
BAD += [
    *[("widgets.cnn_playground", "split", v) for v in [None, (X, Y), "shapes"]],
    ("widgets.cnn_playground", "split", data.Split(X, Y, X, Y, n_classes=3)),  # no images
    *[("widgets.cnn_playground", "filters", v)
      for v in [(3,), (4, 8, 16), 4, "4", None, (8, 4)]],
    *[("widgets.cnn_playground", "activation", v) for v in ["softplus", None, 1]],
    *[("widgets.cnn_playground", "placement", v) for v in ["input", None]],
    *[("widgets.cnn_playground", "dropout", v) for v in [-0.1, 0.95, *BAD_REALS]],
    *[("widgets.cnn_playground", "epochs", v) for v in [0, 101, 1.5, None]],
    *[("widgets.cnn_playground", "seed", v) for v in [-1, 10**6 + 1, "0"]],
]


# ---------------------------------------------------------------- dropout in practice, maxout
def _maxout_model():
    torch.manual_seed(0)
    return nets.mlp([4, 5, 3], activation="maxout", pieces=3, dropout=0.5)


GOOD["nets.Maxout"] = (
    nets.Maxout, lambda: {"n_in": 4, "n_out": 5, "k": 3, "dtype": torch.float32})
GOOD["nets.mlp (maxout)"] = (
    nets.mlp, lambda: {"widths": [4, 5, 3], "activation": "maxout", "pieces": 3,
                       "dropout": 0.5, "init": "xavier", "bias": 0.0, "gain": 2.0})
GOOD["nets.count_parameters"] = (nets.count_parameters, lambda: {"model": _maxout_model()})
GOOD["train.fit (max-norm)"] = (
    train.fit, lambda: {"model": _maxout_model(), "X": X, "y": Y, "epochs": 2, "lr": 0.5,
                        "momentum": 0.9, "batch_size": 3, "max_norm": 0.5})
GOOD["train.fit_many (max-norm)"] = (
    train.fit_many,
    lambda: {"models": [_maxout_model(), _maxout_model()], "X": X, "y": Y, "epochs": 2,
             "lr": [0.5, 0.1], "momentum": [0.9, 0.0], "max_norm": [0.5, None],
             "test": (X, Y)},
)
_SIZES_BAD = [0, -1, 10**6 + 1, 2.5, True, "4", None, np.float64(4.0)]
_RADII_BAD = [0, -1.0, 1e7, *BAD_REALS[:-1]]        # None: no constraint, allowed
BAD += [
    *[("nets.Maxout", "n_in", v) for v in _SIZES_BAD],
    *[("nets.Maxout", "n_out", v) for v in _SIZES_BAD],
    *[("nets.Maxout", "k", v) for v in [1, 0, -2, 101, 2.5, True, "2", None]],
    *[("nets.Maxout", "dtype", v) for v in ["float64", torch.int64, torch.float16, None]],
    *[("nets.mlp (maxout)", "pieces", v) for v in [1, 0, 101, 2.5, True, "3", 3.0]],
    # 25 million weights as a ReLU network, 75 million with 3 pieces per unit
    ("nets.mlp (maxout)", "widths", [4, 5000, 5000, 3]),
    ("nets.mlp (maxout)", "activation", "Maxout"),
    ("nets.mlp", "pieces", 2),                  # relu takes no pieces
    ("nets.mlp (slope)", "pieces", 2),          # nor prelu
    *[("nets.count_parameters", "model", v)
      for v in [None, "mlp", [nn.Linear(2, 2)], nets.mlp]],
    *[("train.fit (max-norm)", "max_norm", v) for v in [*_RADII_BAD, [0.5], np.ones(2)]],
    ("train.fit (max-norm)", "model", nets.mlp([4, 3])),   # no hidden layer to constrain
    *[("train.fit_many (max-norm)", "max_norm", v)
      for v in [*_RADII_BAD, [0.5], [0.5, None, 1.0], [0.5, -1.0], [0.5, "a"],
                [0.5, float("nan")]]],
    *[("train.fit_many (max-norm)", "momentum", v)
      for v in [[0.9], [0.9, 0.5, 0.0], [0.9, 1.0], [0.9, -0.1], [0.5, "a"], 1.0]],
    ("train.fit_many", "momentum", [0.0, 0.5]),     # the good call uses Adam
    # models whose Maxout layers do not chain with the next layer
    ("train.fit", "model", nn.Sequential(nets.Maxout(4, 5, 2),
                                         nn.Linear(6, 3, dtype=torch.float64))),
]


# ---------------------------------------------------------------- dropout variants (chapter 8)
def _noisy_model(noise="gaussian", dropconnect=0.3):
    torch.manual_seed(0)
    return nets.mlp([4, 5, 3], dropout=0.5, noise=noise, dropconnect=dropconnect)


GOOD["nets.GaussianDropout"] = (nets.GaussianDropout, lambda: {"p": 0.3})
GOOD["nets.DropConnectLinear"] = (
    nets.DropConnectLinear, lambda: {"n_in": 4, "n_out": 5, "p": 0.5,
                                     "dtype": torch.float32})
GOOD["nets.mlp (noise)"] = (
    nets.mlp, lambda: {"widths": [4, 5, 3], "dropout": 0.5, "input_dropout": 0.2,
                       "noise": "gaussian", "dropconnect": 0.3})
GOOD["train.fit_many (noise)"] = (
    train.fit_many,
    lambda: {"models": [_noisy_model(), _noisy_model()], "X": X, "y": Y, "epochs": 2,
             "lr": 0.1})
_RATES_BAD = [-0.1, 1.0, 1.5, *BAD_REALS]
BAD += [
    *[("nets.GaussianDropout", "p", v) for v in _RATES_BAD],
    *[("nets.DropConnectLinear", "p", v) for v in _RATES_BAD],
    *[("nets.DropConnectLinear", "n_in", v) for v in _SIZES_BAD],
    *[("nets.DropConnectLinear", "n_out", v) for v in _SIZES_BAD],
    *[("nets.DropConnectLinear", "dtype", v) for v in ["float64", torch.int64, None]],
    *[("nets.mlp (noise)", "noise", v) for v in ["Gaussian", "uniform", None, 1]],
    *[("nets.mlp (noise)", "dropconnect", v) for v in _RATES_BAD],
    ("nets.mlp (maxout)", "dropconnect", 0.5),          # maxout layers: refused by name
    # a Gaussian model next to a Bernoulli one: not one architecture
    ("train.fit_many (noise)", "models", [_noisy_model(), _noisy_model("bernoulli")]),
]

# ------------------------------------------------ chapter "A CNN with ReLU and dropout"
def _cnn(rate=0.0):
    torch.manual_seed(0)
    return nets.cnn(input_shape=(1, 8, 8), filters=(3, 4), hidden=5, classes=3,
                    dropout=rate, placement="both")


X_IMG = np.random.default_rng(1).normal(size=(6, 64))
GOOD["data.shapes"] = (
    data.shapes, lambda: {"n": 60, "size": 10, "classes": ["circle", "square"],
                          "noise": 0.1, "seed": 1, "test_fraction": 0.2, "fill": 0.5,
                          "standardize": True})
GOOD["nets.cnn"] = (
    nets.cnn, lambda: {"input_shape": (1, 8, 8), "filters": [3, 4], "kernel_size": 3,
                       "padding": 1, "pool": 2, "hidden": 5, "classes": 3,
                       "activation": "leaky_relu", "dropout": [0.1, 0.3],
                       "placement": "both", "pooling": "avg", "init": "kaiming",
                       "bias": "zeros", "slope": 0.05, "dtype": torch.float32})
GOOD["nets.ToImages"] = (nets.ToImages, lambda: {"image_shape": (1, 8, 8)})
GOOD["train.fit_many (cnn)"] = (
    train.fit_many,
    lambda: {"models": [_cnn(), _cnn(0.5)], "X": X_IMG, "y": Y, "epochs": 1,
             "lr": [0.1, 0.2], "batch_size": 3, "seed": [0, 1], "test": (X_IMG, Y)})
BAD += [
    *[("data.shapes", "n", v) for v in [3, 0, -1, 10**6 + 1, 2.5, True, "60", None]],
    *[("data.shapes", "size", v) for v in [7, 0, 129, 10.0, None]],
    *[("data.shapes", "classes", v)
      for v in ["circle", ["circle"], ["circle", "circle"], ["circle", "hexagon"],
                [], None, [1, 2]]],
    *[("data.shapes", "noise", v) for v in [-0.1, 11, *BAD_REALS]],
    *[("data.shapes", "seed", v) for v in [-1, 2**32, 0.5, "0"]],
    *[("data.shapes", "test_fraction", v) for v in [0, 1, 0.001, 0.999, *BAD_REALS]],
    *[("data.shapes", "fill", v) for v in [-0.1, 1.1, *BAD_REALS]],
    *[("data.shapes", "standardize", v) for v in [1, "yes", None]],
    *[("nets.cnn", "input_shape", v)
      for v in [(8, 8), (1, 0, 8), (1, 8, 8.5), "1x8x8", None, 64, (1, 2, 2)]],
    *[("nets.cnn", "filters", v) for v in [[], [3, 4, 5], 0, [3, 0], 2.5, None, "3"]],
    *[("nets.cnn", "kernel_size", v) for v in [0, 12, 2.5, None]],
    *[("nets.cnn", "padding", v) for v in [-1, 1.5, None]],
    *[("nets.cnn", "pool", v) for v in [0, 9, 1.5, None]],
    *[("nets.cnn", "hidden", v) for v in [-1, 10**7, 1.5, None]],
    *[("nets.cnn", "classes", v) for v in [1, 0, 2.5, None]],
    *[("nets.cnn", "activation", v) for v in ["prelu", "maxout", "ReLU", None, nn.ReLU]],
    *[("nets.cnn", "dropout", v) for v in [1.0, -0.1, [0.1], [0.1, 1.0], *BAD_REALS]],
    *[("nets.cnn", "placement", v) for v in ["input", None, 1]],
    *[("nets.cnn", "pooling", v) for v in ["min", None]],
    *[("nets.cnn", "init", v) for v in ["he", None]],
    *[("nets.cnn", "slope", v) for v in [1.0, -0.1, *BAD_REALS[:-1]]],
    *[("nets.cnn", "dtype", v) for v in ["float64", torch.int64, torch.float16]],
    *[("nets.ToImages", "image_shape", v) for v in [(8, 8), (1, 0, 8), "1x8x8", None]],
    *[("train.fit_many (cnn)", "X", v) for v in [X, X_IMG[:, :63], X_IMG[:, None]]],
    # a CNN next to another CNN: not one architecture
    ("train.fit_many (cnn)", "models",
     [_cnn(), nets.cnn(input_shape=(1, 8, 8), filters=(3, 5), hidden=5, classes=3,
                       placement="both")]),
]


def names(message, arg):
    """Whether ``message`` names the argument ``arg`` as a word of its own."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(arg)}(?![A-Za-z0-9_])", message)
