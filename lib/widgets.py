"""Kernel-backed playgrounds: the book's only use of ipywidgets.

A playground holds what a precomputed explorer cannot: any value the reader types in,
and a Train button with a progress bar. It needs a running Python kernel (JupyterLab,
Notebook 7, Binder, Colab). On the website the same cell shows a short note with the
ways to run the chapter instead of a dead control, linking to that chapter's Binder and
Colab launch: :class:`Playground` puts that note in the output's ``text/html``, and the
book's build ranks ipywidgets' view below it (``nb_mime_priority_overrides`` in
``_config.yml``) and fills in the note's links (``_ext/launch_links.py``).

Introduced in chapter "Sigmoid and the vanishing gradient" ("try your own activation
function"); the ReLU chapter reuses :func:`activation_playground`.
"""

from __future__ import annotations

import html
import math

import numpy as np
import torch

from lib import _validate, nets, plots, probes, train

#: Where a playground's note offers to run the chapter: ``data-launch`` names the
#: provider. The note does not know which chapter it is in, nor the book's address, so
#: its links carry no ``href``: the website's build gives each one the address of the
#: same page's launch button (_ext/launch_links.py), built from _config.yml's
#: ``repository``, so the note and the page's launch menu always agree.
LAUNCH_LINKS = {"binder": "Binder", "colab": "Google Colab"}


def _launch(provider: str) -> str:
    return (f'<a class="book-launch" data-launch="{provider}">'
            f"{LAUNCH_LINKS[provider]}</a>")


#: What the website shows in place of a playground.
WEBSITE_NOTE = (
    "This playground needs a running Python kernel, so it is not live on the website. "
    f"To use it, launch this chapter on {_launch('binder')} (free, no account; the "
    f"first start can take several minutes) or in {_launch('colab')} (a Google "
    "account; about a minute), then run its cells from the top; or run it on your own "
    "machine with <code>make lab</code> (see the README). Everything it shows for the "
    "activations of this chapter is also in the figures above."
)

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
    try:
        code = compile(text, "<activation>", "eval")
    except SyntaxError as exc:
        raise ValueError(f"expression {text!r} is not valid Python: {exc.msg}") from None
    unknown = sorted(_global_names(code) - set(EXPRESSION_NAMES) - {"x"})
    if unknown:
        raise ValueError(
            f"expression {text!r} uses {', '.join(unknown)}; allowed names are x, "
            + ", ".join(EXPRESSION_NAMES)
        )

    def activation(x):
        return eval(code, {"__builtins__": {}}, dict(EXPRESSION_NAMES, x=x))  # noqa: S307

    activation.__name__ = text
    probe = torch.linspace(-3.0, 3.0, 7, dtype=torch.float64)
    try:
        out = activation(probe)
    except Exception as exc:
        raise ValueError(f"expression {text!r} failed: {type(exc).__name__}: {exc}") from None
    if not isinstance(out, torch.Tensor) or out.shape != probe.shape:
        raise ValueError(
            f"expression {text!r} must give a tensor of the same shape as x "
            "(one value per element)"
        )
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
    (grad,) = torch.autograd.grad(activation(t).sum(), t)
    return grad.numpy()


class Playground:
    """A widget box that shows a note on the website instead of a dead control.

    Displaying it gives ipywidgets' live view where a kernel and a widget manager run
    and ``text/html`` (:data:`WEBSITE_NOTE`) everywhere else.
    """

    def __init__(self, box, title: str):
        self.box = box
        self.title = title

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.box._repr_mimebundle_(include=include, exclude=exclude) or {}
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle)
        bundle["text/plain"] = f"Playground: {self.title} (needs a running kernel)"
        bundle["text/html"] = (
            '<div class="book-playground-note" role="note">'
            f"<p><strong>Playground: {html.escape(self.title)}.</strong> {WEBSITE_NOTE}</p>"
            "</div>"
        )
        return bundle


def activation_playground(split, *, depth: int = 5, width: int = 64, epochs: int = 20,
                          lr: float = 0.2, batch_size: int = 64, seed: int = 0) -> Playground:
    """Try your own activation function: its shape, its gradient flow, a training run.

    ``split`` is a :class:`lib.data.Split` (the digits). The reader types an expression
    in ``x``; "Measure" plots the function, its derivative and the gradient norm of
    every layer of a ``depth``-hidden-layer network at initialisation; "Train" trains
    that network with the chapter's recipe (SGD, ``lr``, mini-batches of
    ``batch_size``, ``epochs`` epochs) with a progress bar and reports its accuracy.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    from lib.data import Split

    if not isinstance(split, Split):
        raise TypeError(f"split must be a lib.data.Split such as data.digits() returns, "
                        f"got {type(split).__name__}")
    depth = _validate.integer("depth", depth, low=1, high=32)
    width = _validate.integer("width", width, low=1, high=1024)
    epochs = _validate.integer("epochs", epochs, low=1, high=500)
    lr = _validate.real("lr", lr, low=0.0, low_open=True, high=10.0)
    batch_size = _validate.integer("batch_size", batch_size, low=1)
    seed = _validate.integer("seed", seed, low=0, high=2**32 - 1)
    X_train, y_train, X_test, y_test = split.tensors()

    expression = w.Text(value="F.softplus(x)", description="f(x) =",
                        placeholder="a torch expression in x, e.g. x * torch.sigmoid(x)",
                        layout=w.Layout(width="420px"))
    depth_box = w.IntSlider(value=depth, min=1, max=16, description="hidden layers")
    init_box = w.Dropdown(options=list(nets.INITS), value="default", description="init")
    lr_box = w.FloatLogSlider(value=lr, base=10, min=-3, max=0, description="learning rate")
    measure = w.Button(description="Measure", button_style="info")
    run = w.Button(description="Train", button_style="primary")
    progress = w.IntProgress(value=0, min=0, max=epochs, description="epochs")
    out = w.Output()

    def build():
        """The reader's function and a fresh network, or None after saying what is wrong."""
        try:
            fn = parse_activation(expression.value)
            torch.manual_seed(seed)
            widths = [split.n_features] + [width] * depth_box.value + [split.n_classes]
            return fn, nets.mlp(widths, activation=fn, init=init_box.value)
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
        norms = probes.grad_norms(model, X_train, y_train)
        with out:
            out.clear_output(wait=True)
            fig, (left, right) = plots.figure(ncols=2)
            plots.plot_lines(x, {"f(x)": y, "f'(x)": derivative(fn, x)}, ax=left,
                             xlabel="x", title=expression.value)
            plots.plot_grad_norms({expression.value: norms}, ax=right,
                                  title=f"{depth_box.value} hidden layers, {init_box.value}")
            plt.show()
            print(f"first / output layer gradient norm: {norms[0] / norms[-1]:.2e}")

    def on_train(_):
        built = build()
        if built is None:
            return
        model = built[1]
        progress.value = 0
        run.disabled = True
        try:
            history = train.fit(
                model, X_train, y_train, epochs=epochs, lr=lr_box.value,
                batch_size=batch_size, seed=seed, test=(X_test, y_test),
                on_epoch=lambda epoch, _h: setattr(progress, "value", epoch))
        finally:
            run.disabled = False
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
