"""The book's figure style and plotting helpers.

Introduced in chapter "Sigmoid and the vanishing gradient"; every chapter uses
:func:`use_style` in its hidden first cell. Colours come from the Okabe-Ito palette,
which stays distinguishable for the common forms of colour blindness; figures have an
opaque white background so they stay readable in the website's dark mode. Every
``plot_*`` function draws on ``ax`` (a new figure of the book's fixed size when
``ax=None``) and returns the axes.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from lib import _validate

#: Okabe & Ito's colour-blind-safe palette.
PALETTE = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "green": "#009E73",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}

#: One colour per activation, the same in every chapter.
ACTIVATION_COLORS = {
    "sigmoid": PALETTE["vermillion"],
    "tanh": PALETTE["blue"],
    "relu": PALETTE["green"],
    "leaky_relu": PALETTE["purple"],
    "prelu": PALETTE["sky"],
}

#: The book's default figure size in inches (fixed, so pages never jump).
FIGSIZE = (7.0, 3.6)

STYLE = {
    "figure.figsize": FIGSIZE,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE.values())),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 11,
    "axes.titlesize": 12,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "image.cmap": "cividis",
}


def use_style() -> None:
    """Apply the book's matplotlib style (call once, in a chapter's first cell)."""
    mpl.rcParams.update(STYLE)


def color(label: str) -> str | None:
    """The book's colour for a label that names an activation, alone or before a comma
    (``"sigmoid"``, ``"sigmoid, 1 hidden layer"``); None for other labels (use the cycle)."""
    return ACTIVATION_COLORS.get(str(label).split(",")[0].strip())


def figure(ncols: int = 1, nrows: int = 1, width: float | None = None,
           height: float | None = None, layout: str = "constrained"):
    """A new figure of fixed size with ``nrows x ncols`` axes; returns ``(fig, axes)``.

    ``layout="constrained"`` fits the margins to the labels; ``"fixed"`` uses set
    margins, which renders about twice as fast: use it for explorer frames, whose
    figures are drawn dozens of times and must all have the same axes position.
    """
    ncols = _validate.integer("ncols", ncols, low=1, high=6)
    nrows = _validate.integer("nrows", nrows, low=1, high=6)
    w = FIGSIZE[0] if width is None else _validate.real("width", width, low=1, high=20)
    h = FIGSIZE[1] * nrows if height is None else _validate.real("height", height, low=1, high=20)
    _validate.choice("layout", layout, ("constrained", "fixed"))
    if layout == "constrained":
        return plt.subplots(nrows, ncols, figsize=(w, h), layout="constrained")
    fig, axes = plt.subplots(nrows, ncols, figsize=(w, h))
    fig.subplots_adjust(left=0.8 / w, right=1 - 0.25 / w, bottom=0.55 / h, top=1 - 0.4 / h,
                        wspace=0.3, hspace=0.45)
    return fig, axes


def _axes(ax):
    if ax is None:
        return figure()[1]
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def _options(styles, legend, title=None, **labels) -> dict:
    """Check ``styles``, ``legend``, ``title`` and the axis labels before anything is
    drawn; return the styles. The keywords are tried on a figure outside pyplot, so
    one that matplotlib refuses is named here and no figure is left open."""
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {type(title).__name__}")
    for name, text in labels.items():
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a string, got {type(text).__name__}")
    if legend is not None and not isinstance(legend, dict):
        raise TypeError('legend must be a dict of ax.legend keywords such as '
                        f'{{"loc": "lower right"}}, or None; got {type(legend).__name__}')
    if styles is None:
        styles = {}
    if not isinstance(styles, dict) or not all(isinstance(s, dict) for s in styles.values()):
        raise TypeError('styles must map a label to a dict of keywords, e.g. '
                        '{"relu": {"linestyle": "--"}}')
    if not styles and not legend:
        return styles
    from matplotlib.figure import Figure

    trial = Figure().add_subplot()
    for label, style in styles.items():
        _try(f"styles[{label!r}]", "ax.plot", lambda s=style: trial.plot([0, 1], [1, 2], **s))
    if legend:
        _try("legend", "ax.legend", lambda: trial.legend(**legend))
    return styles


def _try(name, what, draw):
    """Run ``draw``; an error of matplotlib's becomes one that names ``name``."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "No artists with labels found" and such
            draw()
    except (TypeError, AttributeError) as exc:
        raise TypeError(f"{name} holds a keyword that {what} does not take: {exc}") from None
    except Exception as exc:
        raise ValueError(f"{name} holds a value that {what} refuses: {exc}") from None


def _logy(logy) -> bool:
    return _validate.boolean("logy", logy)


def plot_lines(x, series: dict, ax=None, *, logy=False, xlabel="", ylabel="", title=None,
               styles: dict | None = None, legend: dict | None = None):
    """Plot several curves over the same ``x``: ``series`` maps a label to its y values.

    Labels that name an activation get the book's colour for it. ``styles`` may map a
    label to extra keyword arguments for ``ax.plot`` (e.g. ``{"linestyle": "--"}``);
    ``legend`` holds keyword arguments for ``ax.legend`` (e.g. ``{"loc": "lower right"}``).
    """
    x = _validate.array("x", x)
    if x.ndim != 1:
        raise ValueError(f"x must be 1-D (one value per point), got shape {x.shape}")
    logy = _logy(logy)
    if not isinstance(series, dict) or not series:
        raise TypeError("series must be a non-empty dict mapping a label to y values")
    ys = {}
    for label, y in series.items():
        y = ys[label] = _validate.array(f"series[{label!r}]", y)
        if y.shape != x.shape:
            raise ValueError(f"series[{label!r}] has shape {y.shape}, x has shape {x.shape}")
    styles = _options(styles, legend, title, xlabel=xlabel, ylabel=ylabel)
    ax = _axes(ax)  # only once the arguments are good: a refused call leaves no figure
    for label, y in ys.items():
        kwargs = {"label": str(label), "color": color(str(label))}
        kwargs.update(styles.get(label, {}))
        ax.plot(x, y, **kwargs)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(**(legend or {}))
    return ax


def plot_grad_norms(norms: dict, ax=None, *, title=None, legend: dict | None = None):
    """Gradient norm per layer on a log scale; ``norms`` maps a label to one norm per layer
    (layer 1 = the input layer), as :func:`lib.probes.grad_norms` returns them."""
    if not isinstance(norms, dict) or not norms:
        raise TypeError("norms must be a non-empty dict mapping a label to per-layer norms")
    norms = {label: _validate.array(f"norms[{label!r}]", g) for label, g in norms.items()}
    for label, g in norms.items():
        if g.ndim != 1:
            raise ValueError(f"norms[{label!r}] must be 1-D (one norm per layer), got "
                             f"shape {g.shape}")
    _options(None, legend, title)
    ax = _axes(ax)
    for label, g in norms.items():
        layers = np.arange(1, g.size + 1)
        ax.semilogy(layers, g, marker="o", markersize=4, label=str(label), color=color(str(label)))
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("gradient norm of the weights")
    if title:
        ax.set_title(title)
    ax.legend(**(legend or {}))
    return ax


def _finish_epochs(ax, metric, title, legend):
    """Label the axes of a training-curve plot (:func:`plot_history`, :func:`plot_runs`)."""
    ax.set_xlabel("epoch")
    ax.set_ylabel({"loss": "training loss", "train_acc": "training accuracy",
                   "test_acc": "test accuracy"}[metric])
    if title:
        ax.set_title(title)
    ax.legend(**(legend or {}))
    return ax


def plot_history(histories: dict, metric: str = "train_acc", ax=None, *, title=None,
                 styles: dict | None = None, legend: dict | None = None):
    """Training curves: ``histories`` maps a label to a :class:`lib.train.History`;
    ``metric`` is ``"loss"``, ``"train_acc"`` or ``"test_acc"``; ``styles`` and
    ``legend`` as in :func:`plot_lines`."""
    _validate.choice("metric", metric, ("loss", "train_acc", "test_acc"))
    if not isinstance(histories, dict) or not histories:
        raise TypeError("histories must be a non-empty dict mapping a label to a History")
    curves = {label: getattr(h, metric, None) for label, h in histories.items()}
    for label, values in curves.items():
        if not values:
            raise ValueError(f"histories[{label!r}] has no {metric!r} recorded")
    styles = _options(styles, legend, title)
    ax = _axes(ax)
    for label, values in curves.items():
        kwargs = {"label": str(label), "color": color(str(label))}
        kwargs.update(styles.get(label, {}))
        ax.plot(np.arange(len(values)), values, **kwargs)
    return _finish_epochs(ax, metric, title, legend)


def plot_runs(runs: dict, metric: str = "train_acc", ax=None, *, title=None,
              styles: dict | None = None, legend: dict | None = None):
    """Training curves over seeds: ``runs`` maps a label to a :class:`lib.train.SeedRuns`
    (what :func:`lib.train.fit_seeds` returns); each gets its mean over the seeds as a
    line and the range from the lowest to the highest seed as a shaded band.
    ``metric``, ``styles`` and ``legend`` as in :func:`plot_history`. Introduced in
    chapter "Sigmoid and the vanishing gradient"."""
    _validate.choice("metric", metric, ("loss", "train_acc", "test_acc"))
    if not isinstance(runs, dict) or not runs:
        raise TypeError("runs must be a non-empty dict mapping a label to what "
                        "train.fit_seeds returns")
    curves = {}
    for label, run in runs.items():
        if not callable(getattr(run, "curves", None)):
            raise TypeError(f"runs[{label!r}] must be what train.fit_seeds returns, "
                            f"got {type(run).__name__}")
        try:
            curves[label] = run.curves(metric)
        except ValueError as exc:
            raise ValueError(f"runs[{label!r}]: {exc}") from None
    styles = _options(styles, legend, title)
    ax = _axes(ax)
    for label, c in curves.items():
        kwargs = {"label": str(label), "color": color(str(label))}
        kwargs.update(styles.get(label, {}))
        epochs = np.arange(c.shape[1])
        (line,) = ax.plot(epochs, c.mean(axis=0), **kwargs)
        ax.fill_between(epochs, c.min(axis=0), c.max(axis=0), color=line.get_color(),
                        alpha=0.2, lw=0)
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    return _finish_epochs(ax, metric, title, legend)
