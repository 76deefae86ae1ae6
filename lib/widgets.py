"""Kernel-backed playgrounds: the book's only use of ipywidgets.

A playground holds what a precomputed explorer cannot: any value the reader types in,
and a Train button with a progress bar. It needs a running Python kernel (JupyterLab,
Notebook 7, Binder, Colab). On the website the same cell shows a short note with the
ways to run the chapter instead of a dead control, linking to that chapter's Binder and
Colab launch: :class:`Playground` puts that note in the output's ``text/html``, and the
book's build ranks ipywidgets' view below it (``nb_mime_priority_overrides`` in
``_config.yml``) and turns the note's Binder and Colab into links
(``tools/sphinx_ext/launch_links.py``). The chapters' stored outputs keep the note and not the
view (:func:`strip_widget_views`), so a notebook opened before its cells run shows the
note too, not "Error displaying widget: model not found".

Introduced in chapter "Sigmoid and the vanishing gradient" ("try your own activation
function"); the ReLU chapter reuses :func:`activation_playground`; the convolution
chapter adds :func:`kernel_playground` ("try your own kernel"); the chapter on the curse
of dimensionality adds :func:`distance_playground` ("distances in many dimensions");
the dropout chapter adds :func:`dropout_playground` ("dropout rates and training-set
size"); chapter "A CNN with ReLU and dropout" adds :func:`cnn_playground` ("build your
own CNN").
"""

from __future__ import annotations

import html
import math

import numpy as np
import torch

from lib import _validate, conv, nets, plots, probes, train

#: Where a playground's note offers to run the chapter: ``data-launch`` names the
#: provider. The note does not know which chapter it is in, nor the book's address, so
#: in the notebook its providers are plain words (a ``<span>``: a link with no address
#: would be a dead link in JupyterLab); the website's build turns each one into a link
#: to the same page's launch button (tools/sphinx_ext/launch_links.py), built from _config.yml's
#: ``repository``, so the note and the page's launch menu always agree.
LAUNCH_LINKS = {"binder": "Binder", "colab": "Google Colab"}


def _launch(provider: str) -> str:
    return (f'<span class="book-launch" data-launch="{provider}">'
            f"{LAUNCH_LINKS[provider]}</span>")


#: What a playground's cell shows where its widgets cannot run: on the website, and in a
#: notebook that is open but whose cell has not run yet (the stored output keeps only
#: this note: :func:`strip_widget_views`). It speaks to both readers; its last sentence
#: is the playground's own (``Playground(..., also=...)``).
_NOTE = (
    "This playground needs a running Python kernel. In a notebook, run this cell (after "
    "the cells above it) to use it. It is not live on the website: to use it, launch "
    f"this chapter on {_launch('binder')} (free, no account; the first start can take "
    f"several minutes) or in {_launch('colab')} (a Google account; about a minute), "
    "then run its cells from the top; or run it on your own machine with "
    "<code>make lab</code> (see the README). "
)
WEBSITE_NOTE = _NOTE + (
    "Everything it shows for the activations of this chapter is also in the figures "
    "above."
)

#: The MIME type of ipywidgets' live view: a reference to a widget model that exists
#: only while the kernel that made it runs.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def strip_widget_views(notebook: dict) -> int:
    """Remove ipywidgets' live views from a notebook's stored outputs; return how many.

    A stored widget view without the widget's state (the book stores none: ``make
    execute`` runs with ``store_widget_state=False``) points at a model that no longer
    exists: JupyterLab and Notebook 7 show "Error displaying widget: model not found"
    in its place, in a trusted notebook, before the reader has run anything. Without
    the view, every front end shows the output's ``text/html`` (a playground's note,
    :data:`WEBSITE_NOTE`) until the cell runs and displays the live widgets again. An
    output that keeps no other representation is removed altogether. ``make execute``
    calls this on every chapter (``python -m tools.store_outputs``); ``notebook`` is the parsed
    JSON of an ``.ipynb`` file, changed in place.
    """
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise TypeError("notebook must be a notebook's parsed JSON (a dict with a list of "
                        f"cells), got {type(notebook).__name__}")
    metadata = notebook.get("metadata", {})
    cells = notebook["cells"]
    if not isinstance(metadata, dict) or not all(
            isinstance(c, dict) and isinstance(c.get("outputs", []), list)
            and all(isinstance(o, dict) and isinstance(o.get("data", {}), dict)
                    for o in c.get("outputs", []))
            for c in cells):
        raise TypeError("notebook must be a notebook's parsed JSON: its metadata a dict, "
                        "each cell a dict whose outputs are a list of dicts")
    removed = 0
    if isinstance(metadata.get("widgets"), dict) and WIDGET_STATE in metadata["widgets"]:
        return 0  # the state is stored: the views can be rendered, keep them
    for cell in cells:
        outputs = cell.get("outputs")
        if not outputs:
            continue
        kept = []
        for output in outputs:
            data = output.get("data")
            if data and WIDGET_VIEW in data:
                del data[WIDGET_VIEW]
                removed += 1
                if not data:
                    continue
            kept.append(output)
        cell["outputs"] = kept
    return removed

#: The longest formula :func:`parse_activation` reads (Python's parser fails on deep
#: nesting long before that, with a RecursionError or a MemoryError).
MAX_EXPRESSION = 1000

#: Names a reader's expression may use, besides ``x``.
EXPRESSION_NAMES = {"torch": torch, "F": torch.nn.functional, "math": math}


def parse_activation(expression: str):
    """Turn a reader's expression in ``x`` into a function of one tensor.

    ``expression`` is Python using ``x`` (a tensor), ``torch``, ``F``
    (torch.nn.functional) and ``math``, e.g. ``"F.softplus(x)"`` or
    ``"x * torch.sigmoid(x)"``. Raises ValueError with a sentence when it does not
    parse, uses other names, or does not return a tensor of x's shape. This is a
    convenience for the reader's own kernel, not a sandbox.
    """
    if not isinstance(expression, str):
        raise TypeError(f"expression must be a string, got {type(expression).__name__}")
    text = expression.strip()
    if not text:
        raise ValueError("expression is empty: write a formula in x, e.g. F.softplus(x)")
    if len(text) > MAX_EXPRESSION:
        raise ValueError(f"expression has {len(text):,} characters, more than "
                         f"{MAX_EXPRESSION:,}: write a formula in x, e.g. F.softplus(x)")
    try:
        code = compile(text, "<activation>", "eval")
    except SyntaxError as exc:
        raise ValueError(f"expression {text!r} is not valid Python: {exc.msg}") from None
    except (RecursionError, MemoryError):  # nesting deeper than Python's parser takes
        raise ValueError(f"expression {text[:40]!r}... is nested too deeply for Python "
                         "to read") from None
    unknown = sorted(_global_names(code) - set(EXPRESSION_NAMES) - {"x"})
    if unknown:
        raise ValueError(
            f"expression {text!r} uses {', '.join(unknown)}; allowed names are x, "
            + ", ".join(EXPRESSION_NAMES)
        )

    def activation(x):
        return eval(code, {"__builtins__": {}}, dict(EXPRESSION_NAMES, x=x))  # noqa: S307

    activation.__name__ = text
    original = torch.linspace(-3.0, 3.0, 7, dtype=torch.float64)
    probe = original.clone()
    try:
        out = activation(probe)
    except Exception as exc:
        raise ValueError(f"expression {text!r} failed: {type(exc).__name__}: {exc}") from None
    if not isinstance(out, torch.Tensor) or out.shape != original.shape:
        raise ValueError(
            f"expression {text!r} must give a tensor of the same shape as x "
            "(one value per element)"
        )
    if probe.shape != original.shape or not torch.equal(probe, original):
        raise ValueError(f"expression {text!r} must not change x in place (a method "
                         "ending in _ such as x.resize_ or x.add_): write x + 1, not "
                         "x.add_(1)")
    if out.dtype != original.dtype:
        raise ValueError(f"expression {text!r} must give a tensor of x's dtype "
                         f"({original.dtype}), got {out.dtype}: leave out .float(), "
                         ".long() or a comparison such as x > 0 without a cast back")
    return activation


def _global_names(code) -> set:
    """The free names an expression loads (``torch`` in ``torch.sigmoid(x)``; not the
    attribute ``sigmoid``)."""
    import dis

    return {ins.argval for ins in dis.get_instructions(code)
            if ins.opname in ("LOAD_NAME", "LOAD_GLOBAL")}


def derivative(activation, x: np.ndarray) -> np.ndarray:
    """The derivative of a tensor function at the points ``x``, by torch autograd."""
    if not callable(activation):
        raise TypeError(f"activation must be a function of a tensor, got "
                        f"{type(activation).__name__}")
    t = torch.tensor(_validate.array("x", x), requires_grad=True)
    try:
        with torch.enable_grad():
            out = activation(t)
            if not isinstance(out, torch.Tensor) or out.shape != t.shape:
                raise TypeError(f"it returned {type(out).__name__} "
                                f"{tuple(getattr(out, 'shape', ()))}, not a tensor of "
                                f"shape {tuple(t.shape)}")
            (grad,) = torch.autograd.grad(out.sum(), t)
    except Exception as exc:
        raise TypeError(
            "activation must be a differentiable function of a torch tensor, applied "
            "elementwise (torch.tanh, not np.tanh); calling it failed: "
            f"{type(exc).__name__}: {exc}") from None
    return grad.numpy()


def _train_controls(epochs: int, max_epochs: int, wide: dict):
    """The controls every training playground ends with (chapters "Dropout",
    "Dropout in practice, and Maxout", "A CNN with ReLU and dropout"): the number of
    epochs, a Train button, a progress bar over the epochs and an output area."""
    import ipywidgets as w

    epochs_box = w.BoundedIntText(value=epochs, min=1, max=max_epochs,
                                  description="epochs", style=wide)
    run = w.Button(description="Train", button_style="primary")
    progress = w.IntProgress(value=0, min=0, max=epochs, description="progress",
                             style=wide)
    return epochs_box, run, progress, w.Output()


def _fit_with_progress(run, progress, model, X, y, epochs: int, **fit_args):
    """:func:`lib.train.fit` for a playground's Train button: the button is disabled
    while the network trains and the progress bar follows the epochs (chapters
    "Sigmoid and the vanishing gradient", "Dropout", "Dropout in practice, and
    Maxout"). Returns the history."""
    progress.value = 0
    progress.max = epochs
    run.disabled = True
    try:
        return train.fit(model, X, y, epochs=epochs,
                         on_epoch=lambda epoch, _h: setattr(progress, "value", epoch),
                         **fit_args)
    finally:
        run.disabled = False


def _plot_curves(history, title: str, *, log_loss: bool = False):
    """The training and test loss (left, on a log scale if ``log_loss``) and accuracy
    (right) after every epoch, titled ``title``: the figure of the dropout playgrounds
    (chapters "Dropout", "Dropout in practice, and Maxout")."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plots.figure(ncols=2)
    epoch = np.arange(len(history.loss))
    left.plot(epoch, history.loss, label="training")
    left.plot(epoch, history.test_loss, ls="--", label="test")
    right.plot(epoch, history.train_acc, label="training")
    right.plot(epoch, history.test_acc, ls="--", label="test")
    left.set(xlabel="epoch", ylabel="cross-entropy loss",
             yscale="log" if log_loss else "linear")
    right.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
    left.legend()
    fig.suptitle(title, fontsize=10)
    plt.show()


class Playground:
    """A widget box that shows a note on the website instead of a dead control.

    Displaying it gives ipywidgets' live view where a kernel and a widget manager run
    and ``text/html`` (:data:`WEBSITE_NOTE`, or its start followed by the sentence
    ``also`` says about where the website shows the same ideas) everywhere else.
    """

    def __init__(self, box, title: str, also: str | None = None):
        self.box = box
        self.title = title
        self.note = WEBSITE_NOTE if also is None else _NOTE + also

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.box._repr_mimebundle_(include=include, exclude=exclude) or {}
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle)
        bundle["text/plain"] = f"Playground: {self.title} (needs a running kernel)"
        bundle["text/html"] = (
            '<div class="book-playground-note" role="note">'
            f"<p><strong>Playground: {html.escape(self.title)}.</strong> {self.note}</p>"
            "</div>"
        )
        return bundle


def activation_playground(split, *, depth: int = 5, width: int = 64, epochs: int = 20,
                          lr: float = 0.2, batch_size: int = 64, seed: int = 0) -> Playground:
    """Try your own activation function: its shape, its gradient flow, a training run.

    ``split`` is a :class:`lib.data.Split` (the digits). The reader types an expression
    in ``x``; "Measure" plots the function, its derivative, and the back-propagated
    error and the spread of the outputs (:func:`lib.probes.backprop_norms`,
    :func:`lib.probes.activation_spread`) in every hidden layer of a
    ``depth``-hidden-layer network at initialisation, biases at 0; "Train" trains
    that network with the chapter's recipe (SGD, ``lr``, mini-batches of
    ``batch_size``, ``epochs`` epochs) with a progress bar and reports its accuracy.
    ``depth`` (1 to 16 hidden layers) and ``lr`` (0.001 to 1) are where the sliders
    start: a value outside a slider's range is refused, not moved to its end.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    from lib.data import Split

    if not isinstance(split, Split):
        raise TypeError(f"split must be a lib.data.Split such as data.digits() returns, "
                        f"got {type(split).__name__}")
    # depth and lr start the sliders: refused outside the sliders' ranges, which would
    # otherwise move them silently to the nearest end
    depth = _validate.integer("depth", depth, low=1, high=16)
    width = _validate.integer("width", width, low=1, high=1024)
    epochs = _validate.integer("epochs", epochs, low=1, high=500)
    lr = _validate.real("lr", lr, low=0.001, high=1.0)
    batch_size = _validate.integer("batch_size", batch_size, low=1, high=10**6)
    seed = _validate.integer("seed", seed, low=0, high=2**32 - 1)
    X_train, y_train, X_test, y_test = split.tensors()

    expression = w.Text(value="F.softplus(x)", description="f(x) =",
                        placeholder="a torch expression in x, e.g. x * torch.sigmoid(x)",
                        layout=w.Layout(width="420px"))
    # descriptions at their own width: the default 90 px cuts "hidden layers" and
    # "learning rate" to "hidden la..." and "learning r..."
    wide = {"description_width": "initial"}
    depth_box = w.IntSlider(value=depth, min=1, max=16, description="hidden layers",
                            style=wide)
    init_box = w.Dropdown(options=list(nets.INITS), value="default", description="init",
                          style=wide)
    lr_box = w.FloatLogSlider(value=lr, base=10, min=-3, max=0, description="learning rate",
                              style=wide)
    measure = w.Button(description="Measure", button_style="info")
    run = w.Button(description="Train", button_style="primary")
    progress = w.IntProgress(value=0, min=0, max=epochs, description="epochs", style=wide)
    out = w.Output()

    def build():
        """The reader's function and a fresh network, or None after saying what is wrong.

        Empties the progress bar: it shows the training run in progress or just
        finished, never a run that another action has since replaced."""
        progress.value = 0
        try:
            fn = parse_activation(expression.value)
            torch.manual_seed(seed)
            widths = [split.n_features] + [width] * depth_box.value + [split.n_classes]
            return fn, nets.mlp(widths, activation=fn, init=init_box.value,
                                bias="zeros")
        except (ValueError, TypeError) as exc:
            with out:
                out.clear_output()
                print(f"Could not use f(x) = {expression.value!r}: {exc}")
            return None

    def on_measure(_):
        built = build()
        if built is None:
            return
        fn, model = built
        x = np.linspace(-5, 5, 401)
        with torch.no_grad():
            y = fn(torch.tensor(x)).numpy()
        errors = probes.backprop_norms(model, X_train, y_train)[:-1]
        spreads = probes.activation_spread(model, X_train)[:-1]
        with out:
            out.clear_output(wait=True)
            fig, (left, right) = plots.figure(ncols=2)
            plots.plot_lines(x, {"f(x)": y, "f'(x)": derivative(fn, x)}, ax=left,
                             xlabel="x", title=expression.value)
            layers = np.arange(1, errors.size + 1)
            plots.plot_lines(layers, {"back-propagated error": errors / errors[-1],
                                      "spread of the outputs": spreads / spreads[0]},
                             ax=right, logy=True, xlabel="hidden layer",
                             ylabel="relative to the first / last layer",
                             title=f"{depth_box.value} hidden layers, {init_box.value}")
            plt.show()
            print(f"error at layer 1 / at the top hidden layer: "
                  f"{errors[0] / errors[-1]:.2e}; spread at the top / at layer 1: "
                  f"{spreads[-1] / spreads[0]:.2e}")

    def on_train(_):
        built = build()
        if built is None:
            return
        history = _fit_with_progress(
            run, progress, built[1], X_train, y_train, epochs, lr=lr_box.value,
            batch_size=batch_size, seed=seed, test=(X_test, y_test))
        with out:
            out.clear_output(wait=True)
            fig, ax = plots.figure()
            plots.plot_history({expression.value: history}, "train_acc", ax=ax)
            plt.show()
            print(f"after {epochs} epochs: training accuracy {history.train_acc[-1]:.3f}, "
                  f"test accuracy {history.test_acc[-1]:.3f}")

    measure.on_click(on_measure)
    run.on_click(on_train)
    box = w.VBox([
        w.HTML("<b>Try your own activation.</b> Type a formula in <code>x</code> using "
               "<code>torch</code>, <code>F</code> (torch.nn.functional) or "
               "<code>math</code>, then measure its gradient flow or train with it."),
        expression, w.HBox([depth_box, init_box]), lr_box,
        w.HBox([measure, run, progress]), out,
    ])
    return Playground(box, "try your own activation function")


#: The kernels :func:`kernel_playground` offers to start from (rows of a 3 x 3 kernel).
KERNELS = {
    "vertical edges (Sobel)": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "horizontal edges (Sobel)": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "blur (1 2 1)": [[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16],
                     [1 / 16, 2 / 16, 1 / 16]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
}


def kernel_playground(image, *, stride: int = 1, padding: int = 0) -> Playground:
    """Try your own kernel: type a 3 x 3 kernel and see the feature map of ``image``.

    ``image`` is a 2-D array of grey levels (the chapter's photo). The reader edits the
    nine numbers of the kernel (or starts from one of :data:`KERNELS`), and sets the
    stride and the zero padding; the playground redraws the image and the feature map
    that :func:`lib.conv.conv2d` computes, side by side at the same scale, and prints
    its size and its cost in multiply-adds. Nothing is drawn until the reader presses
    "Show" or changes a control (a drawing made while the cell runs would be stored in
    the notebook's widget state, which the book does not keep).
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    image = conv._finite("image", image)
    if image.ndim != 2 or min(image.shape) < 3:
        raise ValueError(f"image must be a 2-D array of grey levels, at least 3 x 3, got "
                         f"shape {image.shape}")
    stride = _validate.integer("stride", stride, low=1, high=8)
    padding = _validate.integer("padding", padding, low=0, high=3)

    first = next(iter(KERNELS))
    preset = w.Dropdown(options=list(KERNELS), value=first, description="start from",
                        style={"description_width": "initial"})
    cells = [w.FloatText(value=float(v), layout=w.Layout(width="5.5em"))
             for row in KERNELS[first] for v in row]
    grid = w.GridBox(cells, layout=w.Layout(grid_template_columns="repeat(3, 6em)"))
    wide = {"description_width": "initial"}  # "zero padding" in full, not "zero pad..."
    stride_box = w.IntSlider(value=stride, min=1, max=8, description="stride", style=wide)
    padding_box = w.IntSlider(value=padding, min=0, max=3, description="zero padding",
                              style=wide)
    out = w.Output()
    busy = []  # non-empty while a preset fills the nine cells: draw once, not nine times

    def draw(*_):
        if busy:
            return
        kernel = np.array([c.value for c in cells]).reshape(3, 3)
        s, p = stride_box.value, padding_box.value
        with out:
            out.clear_output(wait=True)
            try:
                fmap = conv.conv2d(image, kernel, stride=s, padding=p)
            except (ValueError, TypeError) as exc:
                print(f"Could not use this kernel: {exc}")
                return
            h, wd = image.shape
            fig, (left, right) = plots.figure(ncols=2)
            left.imshow(image, cmap="gray", extent=(-0.5, wd - 0.5, h - 0.5, -0.5))
            left.set_title("input")
            # each output pixel drawn over the input pixels its window is centred on
            top = -p + 1 - s / 2
            extent = (top, top + s * fmap.shape[1], top + s * fmap.shape[0], top)
            bound = float(np.abs(fmap).max()) or 1.0
            shown = right.imshow(fmap, cmap="PuOr_r", vmin=-bound, vmax=bound,
                                 extent=extent)
            right.set_title(f"feature map, stride {s}, padding {p}")
            for ax in (left, right):
                ax.set_xlim(-0.5 - p, wd - 0.5 + p)
                ax.set_ylim(h - 0.5 + p, -0.5 - p)
                ax.grid(False)
            fig.colorbar(shown, ax=right, shrink=0.8)
            plt.show()
            print(f"feature map {fmap.shape[0]} x {fmap.shape[1]} from {h} x {wd} "
                  f"(output_size: {conv.output_size(h, 3, s, p)} x "
                  f"{conv.output_size(wd, 3, s, p)}); {fmap.size * 9:,} multiply-adds")

    def use_preset(change):
        busy.append(True)
        try:
            for cell, v in zip(cells, np.ravel(KERNELS[change["new"]])):
                cell.value = float(v)
        finally:
            busy.clear()
        draw()

    show = w.Button(description="Show", button_style="primary")
    show.on_click(draw)
    preset.observe(use_preset, names="value")
    for control in (*cells, stride_box, padding_box):
        control.observe(draw, names="value")
    box = w.VBox([
        w.HTML("<b>Try your own kernel.</b> Edit the nine numbers of the 3 x 3 kernel "
               "(or start from a preset) and set the stride and the padding; "
               "<b>Show</b> draws the feature map, at the same scale as the input, and "
               "every later change redraws it."),
        preset, grid, w.HBox([stride_box, padding_box, show]), out,
    ])
    return Playground(box, "try your own 3 x 3 kernel", also=(
        "The edge and blur kernels, strides and paddings of this chapter are also in its "
        "figures and explorers above."))


def distance_playground(*, d: int = 100, n: int = 500, region: str = "cube",
                        seed: int = 0) -> Playground:
    """Distances in many dimensions: pick d, the number of points and their distribution.

    Draws ``n`` points with :func:`lib.data.points` (``region`` "cube", "ball" or
    "gaussian", seeded by ``seed``), takes the first one as the query and plots the
    histogram of its Euclidean distances to the other ``n - 1``, with the nearest and the
    farthest marked, and prints the ratio (farthest - nearest) / nearest. Nothing is
    drawn until the reader presses "Show" or changes a control.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    from lib import data

    d = _validate.integer("d", d, low=1, high=10_000)
    n = _validate.integer("n", n, low=3, high=20_000)
    _validate.choice("region", region, data.REGIONS)
    seed = _validate.integer("seed", seed, low=0, high=10**6)   # the box's range

    wide = {"description_width": "initial"}   # labels in full, not "dimensio..."
    d_box = w.BoundedIntText(value=d, min=1, max=10_000, description="dimensions d",
                             style=wide)
    n_box = w.BoundedIntText(value=n, min=3, max=20_000, description="points n",
                             style=wide)
    region_box = w.Dropdown(options=list(data.REGIONS), value=region,
                            description="distribution", style=wide)
    seed_box = w.BoundedIntText(value=seed, min=0, max=10**6, description="seed",
                                style=wide)
    out = w.Output()

    def draw(*_):
        dims, count = d_box.value, n_box.value
        with out:
            out.clear_output(wait=True)
            if dims * count > 2 * 10**7:
                print(f"{count:,} points in {dims:,} dimensions are {dims * count:,} "
                      "numbers: keep d x n at most 20,000,000 (fewer points or "
                      "dimensions).")
                return
            pts = data.points(count, dims, region_box.value, seed_box.value)
            dist = np.linalg.norm(pts[1:] - pts[0], axis=1)
            near, far = float(dist.min()), float(dist.max())
            fig, ax = plots.figure()
            ax.hist(dist, bins=50, color=plots.PALETTE["sky"])
            for value, name, colour in [(near, "nearest", plots.PALETTE["blue"]),
                                        (far, "farthest", plots.PALETTE["vermillion"])]:
                ax.axvline(value, color=colour, lw=2, label=f"{name} {value:.3g}")
            ax.set_xlim(0, far * 1.05)
            ax.set_xlabel("distance from the query point")
            ax.set_ylabel("points")
            ax.set_title(f"{region_box.value}, d = {dims:,}, {count:,} points")
            ax.legend(loc="upper left")
            plt.show()
            ratio = (far - near) / near if near > 0 else float("inf")
            print(f"(farthest - nearest) / nearest = {ratio:.3g}")

    show = w.Button(description="Show", button_style="primary")
    show.on_click(draw)
    for control in (d_box, n_box, region_box, seed_box):
        control.observe(draw, names="value")
    box = w.VBox([
        w.HTML("<b>Distances in many dimensions.</b> Choose the number of dimensions, "
               "of points and their distribution; <b>Show</b> draws the distances from "
               "the first point to all the others, and every later change redraws."),
        w.HBox([d_box, n_box]), w.HBox([region_box, seed_box, show]), out,
    ])
    return Playground(box, "distances in many dimensions", also=(
        "The cube and the Gaussian at several dimensions are also in the explorer "
        "above."))


def curve_playground(*, order: int = 9, n: int = 10, ln_lam: float = -18.0,
                     seed: int = 0) -> Playground:
    """Bishop's curve fitting with the reader's order, number of points and penalty.

    Draws :func:`lib.data.sine` data (``n`` points, noise 0.3, seeded by ``seed``), fits
    the polynomial of order ``order`` with :func:`lib.poly.fit` and the penalty
    ``lam = exp(ln_lam)`` (the box "no penalty" ticked: plain least squares), and plots
    the fit, sin(2 pi x) and the points, with the training and test RMS errors and the
    largest coefficient. Nothing is drawn until the reader presses "Fit" or changes a
    control. Introduced in chapter "Overfitting and regularisation".
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    from lib import data, poly

    order = _validate.integer("order", order, low=0, high=poly.MAX_ORDER)
    n = _validate.integer("n", n, low=1, high=10_000)
    ln_lam = _validate.real("ln_lam", ln_lam, low=-50.0, high=10.0)
    seed = _validate.integer("seed", seed, low=0, high=10**6)   # the box's range

    wide = {"description_width": "initial"}
    order_box = w.BoundedIntText(value=order, min=0, max=poly.MAX_ORDER,
                                 description="order M", style=wide)
    n_box = w.BoundedIntText(value=n, min=1, max=10_000, description="points N",
                             style=wide)
    lam_box = w.BoundedFloatText(value=ln_lam, min=-50.0, max=10.0, step=1.0,
                                 description="ln lambda", style=wide)
    plain = w.Checkbox(value=False, description="no penalty", style=wide)
    seed_box = w.BoundedIntText(value=seed, min=0, max=10**6, description="seed",
                                style=wide)
    out = w.Output()

    def draw(*_):
        with out:
            out.clear_output(wait=True)
            curve = data.sine(n=n_box.value, seed=seed_box.value)
            lam = 0.0 if plain.value else float(np.exp(lam_box.value))
            coef = poly.fit(curve.x_train, curve.t_train, order_box.value, lam)
            grid = np.linspace(0, 1, 400)
            fig, ax = plots.figure()
            ax.plot(grid, np.sin(2 * np.pi * grid), color=plots.PALETTE["green"],
                    label="sin(2 pi x)")
            ax.plot(grid, poly.predict(coef, grid), color=plots.PALETTE["vermillion"],
                    label=f"fit, M = {order_box.value}")
            ax.plot(curve.x_train, curve.t_train, "o", mfc="none",
                    color=plots.PALETTE["blue"], label=f"{n_box.value} points")
            ax.set_xlim(-0.05, 1.05)
            # every point in view, and the fit as far as +-5 (order 9 on ten points
            # swings to about 4 in some draws)
            fit_max = np.abs(poly.predict(coef, grid)).max()
            top = min(5.0, max(2.0, 1.15 * max(np.abs(curve.t_train).max(), fit_max)))
            ax.set_ylim(-top, top)
            ax.set_xlabel("x")
            ax.set_ylabel("t")
            penalty = "no penalty" if plain.value else f"ln lambda = {lam_box.value:g}"
            ax.set_title(f"M = {order_box.value}, N = {n_box.value}, {penalty}")
            ax.legend(loc="upper right", fontsize=8)
            plt.show()
            print(f"RMS error: training {poly.rms_error(coef, curve.x_train, curve.t_train):.3f}"
                  f", test {poly.rms_error(coef, curve.x_test, curve.t_test):.3f}; "
                  f"largest |w| {np.abs(coef).max():.3g}")

    show = w.Button(description="Fit", button_style="primary")
    show.on_click(draw)
    for control in (order_box, n_box, lam_box, plain, seed_box):
        control.observe(draw, names="value")
    box = w.VBox([
        w.HTML("<b>Curve fitting.</b> Choose the polynomial's order, the number of "
               "points and the penalty; <b>Fit</b> draws the fit, and every later "
               "change redraws."),
        w.HBox([order_box, n_box, seed_box]), w.HBox([lam_box, plain, show]), out,
    ])
    return Playground(box, "polynomial curve fitting", also=(
        "Orders 0 to 9, 10, 15 or 100 points and several penalties are also in the "
        "explorer above."))


def dropout_playground(split, *, n: int = 50, input_dropout: float = 0.2,
                       dropout: float = 0.5, epochs: int = 300, seed: int = 0) -> Playground:
    """Train chapter "Dropout"'s network with the reader's dropout rates and data size.

    ``split`` is a :class:`lib.data.Split` (the digits). "Train" takes ``n`` of its
    training digits (:func:`lib.data.subset`, the classes in turn), builds the 64-100-10
    ReLU network of chapter "Overfitting and regularisation" (torch seeded with
    ``seed``) with inputs dropped with probability ``input_dropout`` and hidden units
    with probability ``dropout`` (torch's convention, inverted scaling), trains it
    full-batch with SGD (learning rate 0.1, momentum 0.9) for ``epochs`` epochs with a
    progress bar, and plots the training and test loss and accuracy after every epoch.
    The arguments set where the controls start; values outside their ranges are
    refused. Introduced in chapter "Dropout".
    """
    import ipywidgets as w

    from lib import data
    from lib.data import Split

    if not isinstance(split, Split):
        raise TypeError(f"split must be a lib.data.Split such as data.digits() returns, "
                        f"got {type(split).__name__}")
    size = split.y_train.size
    n = _validate.integer("n", n, low=10, high=size)
    input_dropout = _validate.real("input_dropout", input_dropout, low=0.0, high=0.9)
    dropout = _validate.real("dropout", dropout, low=0.0, high=0.9)
    epochs = _validate.integer("epochs", epochs, low=1, high=2000)
    seed = _validate.integer("seed", seed, low=0, high=10**6)
    X_test, y_test = split.tensors()[2:]

    wide = {"description_width": "initial"}
    in_box = w.FloatSlider(value=input_dropout, min=0.0, max=0.9, step=0.05,
                           description="input dropout p", style=wide)
    hid_box = w.FloatSlider(value=dropout, min=0.0, max=0.9, step=0.05,
                            description="hidden dropout p", style=wide)
    n_box = w.BoundedIntText(value=n, min=10, max=size, description="training digits",
                             style=wide)
    epochs_box, run, progress, out = _train_controls(epochs, 2000, wide)

    def on_train(_):
        part = data.subset(split, n_box.value, seed=0)
        X, y = part.tensors()[:2]
        torch.manual_seed(seed)
        model = nets.mlp([split.n_features, 100, split.n_classes], dropout=hid_box.value)
        if in_box.value > 0:
            model = torch.nn.Sequential(torch.nn.Dropout(in_box.value), *model)
        history = _fit_with_progress(run, progress, model, X, y, epochs_box.value,
                                     lr=0.1, momentum=0.9, test=(X_test, y_test))
        with out:
            out.clear_output(wait=True)
            _plot_curves(history, f"{n_box.value} digits, dropout {in_box.value:g} "
                         f"(inputs), {hid_box.value:g} (hidden)")
            best = int(np.argmin(history.test_loss))
            print(f"test loss: lowest {min(history.test_loss):.3f} at epoch {best}, "
                  f"{history.test_loss[-1]:.3f} at the end; test accuracy "
                  f"{history.test_acc[-1]:.3f}")

    run.on_click(on_train)
    box = w.VBox([
        w.HTML("<b>Dropout rates and data.</b> Choose how often inputs and hidden units "
               "are dropped (p: the probability of dropping) and how many training digits "
               "the network sees, then train it and watch both losses."),
        w.HBox([in_box, hid_box]), w.HBox([n_box, epochs_box]),
        w.HBox([run, progress]), out,
    ])
    return Playground(box, "dropout rates and training-set size", also=(
        "Several rates for inputs and hidden units, on 50 digits, are also in the "
        "explorer of training curves above."))


def practice_playground(split, *, dropout: float = 0.5, lr: float = 0.1,
                        momentum: float = 0.9, max_norm: float = 0.0, epochs: int = 100,
                        seed: int = 0) -> Playground:
    """Train chapter "Dropout"'s network with the reader's dropout rate, learning rate,
    momentum and max-norm radius.

    ``split`` is a :class:`lib.data.Split` (the digits). "Train" takes 50 of its
    training digits (:func:`lib.data.subset`, the classes in turn, as chapters
    "Overfitting and regularisation" and "Dropout" do), builds the 64-100-10 ReLU
    network (torch seeded with ``seed``) with hidden units dropped with probability
    ``dropout`` (torch's convention), trains it full-batch with SGD at learning rate
    ``lr`` and momentum ``momentum``, with every hidden unit's incoming weight vector
    projected back onto the ball of radius ``max_norm`` after every step
    (:func:`lib.train.fit`'s ``max_norm``; 0 means no constraint), for ``epochs``
    epochs with a progress bar, and plots the training and test loss and accuracy
    after every epoch. The arguments set where the controls start; values outside
    their ranges are refused. Introduced in chapter "Dropout in practice, and Maxout".
    """
    import ipywidgets as w

    from lib import data
    from lib.data import Split

    if not isinstance(split, Split):
        raise TypeError(f"split must be a lib.data.Split such as data.digits() returns, "
                        f"got {type(split).__name__}")
    dropout = _validate.real("dropout", dropout, low=0.0, high=0.9)
    lr = _validate.real("lr", lr, low=0.01, high=3.0)
    momentum = _validate.real("momentum", momentum, low=0.0, high=0.99)
    max_norm = _validate.real("max_norm", max_norm, low=0.0, high=5.0)
    epochs = _validate.integer("epochs", epochs, low=1, high=1000)
    seed = _validate.integer("seed", seed, low=0, high=10**6)
    X_test, y_test = split.tensors()[2:]
    X, y = data.subset(split, 50, seed=0).tensors()[:2]

    wide = {"description_width": "initial"}
    p_box = w.FloatSlider(value=dropout, min=0.0, max=0.9, step=0.05,
                          description="hidden dropout p", style=wide)
    lr_box = w.FloatLogSlider(value=lr, base=10, min=-2, max=math.log10(3.0), step=0.1,
                              description="learning rate", style=wide)
    mom_box = w.FloatSlider(value=momentum, min=0.0, max=0.99, step=0.01,
                            description="momentum", style=wide)
    c_box = w.FloatSlider(value=max_norm, min=0.0, max=5.0, step=0.25,
                          description="max-norm c (0: none)", style=wide)
    epochs_box, run, progress, out = _train_controls(epochs, 1000, wide)

    def on_train(_):
        torch.manual_seed(seed)
        model = nets.mlp([split.n_features, 100, split.n_classes], dropout=p_box.value)
        history = _fit_with_progress(
            run, progress, model, X, y, epochs_box.value, lr=lr_box.value,
            momentum=mom_box.value, max_norm=c_box.value or None, test=(X_test, y_test))
        with out:
            out.clear_output(wait=True)
            radius = f"{c_box.value:g}" if c_box.value else "none"
            _plot_curves(history, f"dropout {p_box.value:g}, learning rate "
                         f"{lr_box.value:.2g}, momentum {mom_box.value:g}, "
                         f"max-norm {radius}", log_loss=True)
            print(f"test accuracy {history.test_acc[-1]:.3f}, test loss "
                  f"{history.test_loss[-1]:.3g} after {history.epochs} epochs")

    run.on_click(on_train)
    box = w.VBox([
        w.HTML("<b>Dropout's training recipe.</b> Choose the hidden dropout rate, the "
               "learning rate, the momentum and the max-norm radius, then train the "
               "network on 50 digits and watch both losses."),
        w.HBox([p_box, lr_box]), w.HBox([mom_box, c_box]),
        w.HBox([epochs_box, run, progress]), out,
    ])
    return Playground(box, "dropout's training recipe", also=(
        "Eight combinations of learning rate, momentum and max-norm, five seeds each, "
        "are in the explorer and the table above."))


#: The filter counts :func:`cnn_playground` offers: one conv block or two.
CNN_FILTERS = ((2,), (4,), (8,), (4, 8), (8, 16))


def _filters_label(filters) -> str:
    return ", ".join(str(f) for f in filters)


def cnn_playground(split, *, filters=(4,), activation: str = "relu",
                   placement: str = "dense", dropout: float = 0.5, epochs: int = 10,
                   seed: int = 0) -> Playground:
    """Build a CNN from a few choices and train it on the shapes, with a progress bar.

    ``split`` is a :class:`lib.data.Split` of images (:func:`lib.data.shapes`; its
    ``image_shape`` gives the network's input). "Train" builds :func:`lib.nets.cnn`
    with the chosen filters (one block or two, from :data:`CNN_FILTERS`), 3 x 3 kernels
    with padding 1, max pooling 2, no hidden dense layer, the chosen activation (from
    :data:`lib.nets.CNN_ACTIVATIONS`) and dropout ``dropout`` (torch's p) at
    ``placement`` (from :data:`lib.nets.PLACEMENTS`; ``"none"`` ignores the rate), torch
    seeded with ``seed``; trains it with Adam at learning rate 0.01 in mini-batches of
    32 for ``epochs`` epochs (:func:`lib.train.fit_many`, one call per epoch with the
    optimizer's state carried over, so the bar moves), and plots the training and test
    accuracy after every epoch, with the test accuracy of each class at the end. The
    arguments set where the controls start; values outside their ranges are refused.
    Introduced in chapter "A CNN with ReLU and dropout".
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    from lib.data import Split

    if not isinstance(split, Split):
        raise TypeError(f"split must be a lib.data.Split such as data.shapes() returns, "
                        f"got {type(split).__name__}")
    if getattr(split, "image_shape", None) is None:
        raise ValueError("split must hold images (a Split with an image_shape, such as "
                         "data.shapes() returns)")
    if not isinstance(filters, (tuple, list)) or tuple(filters) not in CNN_FILTERS:
        raise ValueError(f"filters must be one of {list(CNN_FILTERS)}, got {filters!r}")
    filters = tuple(filters)
    _validate.choice("activation", activation, nets.CNN_ACTIVATIONS)
    _validate.choice("placement", placement, nets.PLACEMENTS)
    dropout = _validate.real("dropout", dropout, low=0.0, high=0.9)
    epochs = _validate.integer("epochs", epochs, low=1, high=100)
    seed = _validate.integer("seed", seed, low=0, high=10**6)
    X, y, X_test, y_test = split.tensors()
    names = list(getattr(split, "class_names", None) or
                 [str(c) for c in range(split.n_classes)])

    wide = {"description_width": "initial"}
    filters_box = w.Dropdown(options=[(_filters_label(f), f) for f in CNN_FILTERS],
                             value=filters, description="filters per block", style=wide)
    act_box = w.Dropdown(options=list(nets.CNN_ACTIVATIONS), value=activation,
                         description="activation", style=wide)
    place_box = w.Dropdown(options=list(nets.PLACEMENTS), value=placement,
                           description="dropout at", style=wide)
    p_box = w.FloatSlider(value=dropout, min=0.0, max=0.9, step=0.05,
                          description="dropout p", style=wide)
    epochs_box, run, progress, out = _train_controls(epochs, 100, wide)

    def on_train(_):
        progress.value = 0
        progress.max = epochs_box.value
        rate = p_box.value if place_box.value != "none" else 0.0
        torch.manual_seed(seed)
        model = nets.cnn(input_shape=split.image_shape, filters=filters_box.value,
                         kernel_size=3, padding=1, pool=2, hidden=0,
                         classes=split.n_classes, activation=act_box.value,
                         dropout=rate, placement=place_box.value)
        state, train_acc, test_acc = {}, [], []
        run.disabled = True
        try:
            for epoch in range(epochs_box.value):
                train.fit_many([model], X, y, epochs=1, lr=0.01, optimizer="adam",
                               batch_size=32, seed=seed * 1000 + epoch, history=False,
                               optimizer_state=state)
                train_acc.append(train.evaluate(model, X, y)[1])
                test_acc.append(train.evaluate(model, X_test, y_test)[1])
                progress.value = epoch + 1
        finally:
            run.disabled = False
        with torch.no_grad():
            pred = model.eval()(X_test).argmax(dim=1)
        per_class = [float((pred[y_test == c] == c).double().mean())
                     for c in range(split.n_classes)]
        with out:
            out.clear_output(wait=True)
            fig, (left, right) = plots.figure(ncols=2)
            epoch = np.arange(1, len(test_acc) + 1)
            left.plot(epoch, train_acc, label="training")
            left.plot(epoch, test_acc, ls="--", label="test")
            left.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
            left.legend()
            right.bar(names, per_class, color="0.5")
            right.set(ylabel="test accuracy of the class", ylim=(0, 1.02))
            fig.suptitle(f"filters {_filters_label(filters_box.value)}, "
                         f"{act_box.value}, dropout {rate:g} at {place_box.value}, "
                         f"{nets.count_parameters(model):,} parameters", fontsize=10)
            plt.show()
            print(f"test accuracy {test_acc[-1]:.3f} after {len(test_acc)} "
                  "epochs;\nper class: " + ", ".join(
                      f"{n} {a:.2f}" for n, a in zip(names, per_class)))

    run.on_click(on_train)
    box = w.VBox([
        w.HTML("<b>Build your own CNN.</b> Choose the filters, the activation, where "
               "dropout acts and its rate, and the epochs, then train it on the shapes."),
        w.HBox([filters_box, act_box]), w.HBox([place_box, p_box]),
        w.HBox([epochs_box, run, progress]), out,
    ])
    return Playground(box, "build your own CNN", also=(
        "The chapter's comparisons, five seeds each, are in the tables and explorers "
        "above."))
