"""lib.widgets: the playground shows a note on the website, and its buttons work (or
answer a bad formula with a sentence) in a kernel."""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from lib import data, widgets  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def close_figures():
    """A playground's Train button draws its curves with plt.show(), which the kernel's
    inline backend follows by closing them; Agg keeps them, so close them here."""
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def split():
    return data.digits()


def _children(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _children(child)


def _find(playground, cls, description=None):
    import ipywidgets as w

    found = [c for c in _children(playground.box) if isinstance(c, getattr(w, cls))
             and (description is None or c.description == description)]
    assert found, f"no {cls} {description or ''} in the playground"
    return found[0]


def test_mimebundle_has_live_view_and_website_note(split):
    bundle = widgets.activation_playground(split, epochs=1)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    note = bundle["text/html"]
    assert "needs a running Python kernel" in note and "make lab" in note
    assert "In a notebook, run this cell" in note  # what a notebook's reader does
    # one name per launch provider, as plain text: in a notebook a link without an
    # address would go nowhere; the website's build turns each into a link to the
    # page's own launch address (tools/sphinx_ext/launch_links.py; tests/test_launch.py checks them)
    links = re.findall(r'<span class="book-launch" data-launch="(\w+)">([^<]+)</span>',
                       note)
    assert links == [("binder", "Binder"), ("colab", "Google Colab")]
    assert "href=" not in note and "<a " not in note
    assert bundle["text/plain"].startswith("Playground: try your own activation")


def test_stored_outputs_keep_the_note_and_drop_the_dead_widget_view():
    """A stored widget view without the widget's state shows "Error displaying widget:
    model not found" in JupyterLab: strip_widget_views leaves the note in its place."""
    view = {"model_id": "abc", "version_major": 2, "version_minor": 0}
    notebook = {"metadata": {}, "cells": [
        {"cell_type": "markdown", "source": "text"},
        {"cell_type": "code", "outputs": [
            {"output_type": "display_data", "metadata": {}, "data": {
                widgets.WIDGET_VIEW: dict(view), "text/html": "<p>note</p>",
                "text/plain": "Playground: x"}},
            {"output_type": "display_data", "metadata": {},
             "data": {widgets.WIDGET_VIEW: dict(view)}},
            {"output_type": "stream", "name": "stdout", "text": "kept"}]}]}
    assert widgets.strip_widget_views(notebook) == 2
    outputs = notebook["cells"][1]["outputs"]
    assert outputs[0]["data"] == {"text/html": "<p>note</p>", "text/plain": "Playground: x"}
    assert [o["output_type"] for o in outputs] == ["display_data", "stream"]
    assert widgets.strip_widget_views(notebook) == 0
    # a notebook that stores the widgets' state can render its views: left alone
    saved = {"metadata": {"widgets": {widgets.WIDGET_STATE: {"state": {}}}}, "cells": [
        {"cell_type": "code", "outputs": [
            {"output_type": "display_data", "data": {widgets.WIDGET_VIEW: view}}]}]}
    assert widgets.strip_widget_views(saved) == 0


def test_store_outputs_tool_strips_and_checks(tmp_path):
    import subprocess
    import sys

    import nbformat

    from tools.book import ROOT

    cell = {"cell_type": "code", "execution_count": 1, "id": "a", "metadata": {},
            "source": "p", "outputs": [{"output_type": "display_data", "metadata": {},
                                        "data": {widgets.WIDGET_VIEW: {"model_id": "x"},
                                                 "text/plain": "Playground: x"}}]}
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.from_dict({"cells": [cell], "metadata": {}, "nbformat": 4,
                                       "nbformat_minor": 5}), path)
    tool = [sys.executable, "-m", "tools.store_outputs"]
    check = subprocess.run([*tool, "--check", str(path)], capture_output=True, text=True,
                           cwd=ROOT)
    assert check.returncode == 1 and "stores 1 widget view" in check.stdout
    subprocess.run([*tool, str(path)], check=True, capture_output=True, cwd=ROOT)
    stored = nbformat.read(path, as_version=4)
    assert list(stored.cells[0].outputs[0].data) == ["text/plain"]  # the view is gone
    # written as nbformat writes it (the chapters' layout): nothing else moved
    assert path.read_text(encoding="utf-8") == nbformat.writes(stored) + "\n"
    assert subprocess.run([*tool, "--check", str(path)], cwd=ROOT).returncode == 0


def test_playground_labels_are_whole_and_the_progress_bar_restarts(split, capsys):
    playground = widgets.activation_playground(split, depth=2, width=8, epochs=2)
    for cls, name in [("IntSlider", "hidden layers"), ("FloatLogSlider", "learning rate"),
                      ("IntProgress", "epochs")]:
        # the default description width (90 px) cuts "hidden layers" to "hidden la..."
        assert _find(playground, cls, name).style.description_width == "initial"
    progress = _find(playground, "IntProgress")
    _find(playground, "Button", "Train").click()
    assert progress.value == 2, "full after a run"
    _find(playground, "Button", "Measure").click()
    assert progress.value == 0, "a measurement is not that training run"
    _find(playground, "Button", "Train").click()
    assert progress.value == 2
    _find(playground, "Text").value = "relu(x)"
    _find(playground, "Button", "Train").click()
    assert progress.value == 0, "a bad formula trained nothing"
    capsys.readouterr()
    kernels = widgets.kernel_playground(_image())
    assert _find(kernels, "IntSlider", "zero padding").style.description_width == "initial"


@pytest.mark.parametrize("expression, expected", [
    ("4 * torch.sigmoid(x) - 2", 2 * np.tanh(np.linspace(-2, 2, 5) / 2)),
    ("F.relu(x)", np.maximum(np.linspace(-2, 2, 5), 0)),
    ("math.pi * x", np.pi * np.linspace(-2, 2, 5)),
])
def test_parse_activation_computes_the_formula(expression, expected):
    fn = widgets.parse_activation(expression)
    got = fn(torch.linspace(-2, 2, 5, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_derivative_matches_the_formula():
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(widgets.derivative(torch.tanh, x), 1 - np.tanh(x) ** 2,
                               atol=1e-12)


def test_measure_and_train_buttons(split, capsys):
    playground = widgets.activation_playground(split, depth=2, width=8, epochs=2)
    _find(playground, "Text").value = "x * torch.sigmoid(x)"
    _find(playground, "Button", "Measure").click()
    assert "error at layer 1 / at the top hidden layer" in capsys.readouterr().out
    _find(playground, "Button", "Train").click()
    out = capsys.readouterr().out
    assert "after 2 epochs: training accuracy" in out
    assert _find(playground, "IntProgress").value == 2


def test_a_bad_formula_gets_a_sentence_not_a_traceback(split, capsys):
    playground = widgets.activation_playground(split, depth=2, width=8, epochs=1)
    _find(playground, "Text").value = "relu(x)"
    _find(playground, "Button", "Measure").click()
    _find(playground, "Button", "Train").click()
    out = capsys.readouterr().out
    assert out.count("Could not use f(x) = 'relu(x)'") == 2 and "allowed names" in out
    assert _find(playground, "IntProgress").value == 0


# ---------------------------------------------------------------- the convolution chapter
def _image():
    return np.add.outer(np.arange(12.0), np.arange(15.0)) % 5


def test_kernel_playground_note_and_redraw(capsys):
    playground = widgets.kernel_playground(_image(), stride=2, padding=1)
    bundle = playground._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    note = bundle["text/html"]
    assert "needs a running Python kernel" in note and "explorers above" in note
    assert "activations" not in note
    assert bundle["text/plain"].startswith("Playground: try your own 3 x 3 kernel")
    assert capsys.readouterr().out == ""             # nothing drawn before Show
    _find(playground, "Button", "Show").click()
    assert "feature map 6 x 8 from 12 x 15" in capsys.readouterr().out
    import ipywidgets as w

    cells = [c for c in _children(playground.box) if isinstance(c, w.FloatText)]
    assert len(cells) == 9
    _find(playground, "IntSlider", "stride").value = 1
    assert "feature map 12 x 15 from 12 x 15" in capsys.readouterr().out
    _find(playground, "IntSlider", "zero padding").value = 0
    assert "feature map 10 x 13" in capsys.readouterr().out
    _find(playground, "Dropdown").value = "identity"     # one redraw, not nine
    out = capsys.readouterr().out
    assert out.count("feature map") == 1
    assert [c.value for c in cells] == [0, 0, 0, 0, 1, 0, 0, 0, 0]
    cells[0].value = 2.0
    assert f"{10 * 13 * 9:,} multiply-adds" in capsys.readouterr().out


# ---------------------------------------------------------------- the dimensionality chapter
def test_distance_playground_note_and_redraw(capsys):
    playground = widgets.distance_playground(d=10, n=50, region="cube", seed=0)
    bundle = playground._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    note = bundle["text/html"]
    assert "needs a running Python kernel" in note and "explorer above" in note
    assert bundle["text/plain"].startswith("Playground: distances in many dimensions")
    assert capsys.readouterr().out == ""             # nothing drawn before Show
    _find(playground, "Button", "Show").click()
    out = capsys.readouterr().out
    from lib import data

    pts = data.points(50, 10, "cube", 0)
    dist = np.linalg.norm(pts[1:] - pts[0], axis=1)
    assert f"= {(dist.max() - dist.min()) / dist.min():.3g}" in out
    _find(playground, "Dropdown").value = "gaussian"
    assert "(farthest - nearest) / nearest" in capsys.readouterr().out
    _find(playground, "BoundedIntText", "dimensions d").value = 10_000
    _find(playground, "BoundedIntText", "points n").value = 20_000
    assert "at most 20,000,000" in capsys.readouterr().out


# ---------------------------------------------------------------- the overfitting chapter
def test_curve_playground_note_and_redraw(capsys):
    from lib import data, poly

    playground = widgets.curve_playground(order=9, n=10, ln_lam=-18, seed=0)
    bundle = playground._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "needs a running Python kernel" in bundle["text/html"]
    assert bundle["text/plain"].startswith("Playground: polynomial curve fitting")
    assert capsys.readouterr().out == ""             # nothing drawn before Fit
    _find(playground, "Button", "Fit").click()
    curve = data.sine(n=10, seed=0)
    w = poly.fit(curve.x_train, curve.t_train, 9, np.exp(-18))
    want = poly.rms_error(w, curve.x_test, curve.t_test)
    assert f"test {want:.3f}" in capsys.readouterr().out
    _find(playground, "Checkbox", "no penalty").value = True      # plain least squares
    assert "training 0.000" in capsys.readouterr().out
    _find(playground, "BoundedIntText", "order M").value = 1
    assert "training 0." in capsys.readouterr().out


# ---------------------------------------------------------------- the dropout chapter
def test_dropout_playground_note_train_and_progress(split, capsys):
    playground = widgets.dropout_playground(split, n=20, input_dropout=0.2, dropout=0.5,
                                            epochs=3, seed=0)
    bundle = playground._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "needs a running Python kernel" in bundle["text/html"]
    assert bundle["text/plain"].startswith("Playground: dropout rates")
    assert capsys.readouterr().out == ""             # nothing trained before Train
    for name in ["input dropout p", "hidden dropout p"]:
        assert _find(playground, "FloatSlider", name).style.description_width == "initial"
    _find(playground, "Button", "Train").click()
    out = capsys.readouterr().out
    assert "test loss: lowest" in out and "test accuracy" in out
    assert _find(playground, "IntProgress").value == 3
    _find(playground, "BoundedIntText", "epochs").value = 2
    _find(playground, "FloatSlider", "input dropout p").value = 0.0
    _find(playground, "Button", "Train").click()
    assert _find(playground, "IntProgress").value == 2
    assert "test loss: lowest" in capsys.readouterr().out


@pytest.mark.parametrize("kwargs, message", [
    (dict(dropout=1.0), "dropout"), (dict(input_dropout=-0.1), "input_dropout"),
    (dict(n=5), "n"), (dict(epochs=0), "epochs"),
])
def test_dropout_playground_refuses_values_outside_its_controls(split, kwargs, message):
    with pytest.raises(ValueError, match=message):
        widgets.dropout_playground(split, **kwargs)


def test_practice_playground_note_train_and_progress(split, capsys):
    playground = widgets.practice_playground(split, dropout=0.5, lr=0.1, momentum=0.9,
                                             max_norm=1.0, epochs=3, seed=0)
    bundle = playground._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "needs a running Python kernel" in bundle["text/html"]
    assert bundle["text/plain"].startswith("Playground: dropout's training recipe")
    assert capsys.readouterr().out == ""             # nothing trained before Train
    _find(playground, "Button", "Train").click()
    assert "test accuracy" in capsys.readouterr().out
    assert _find(playground, "IntProgress").value == 3
    _find(playground, "BoundedIntText", "epochs").value = 2
    _find(playground, "FloatSlider", "max-norm c (0: none)").value = 0.0
    _find(playground, "Button", "Train").click()
    assert _find(playground, "IntProgress").value == 2
    assert "after 2 epochs" in capsys.readouterr().out


@pytest.mark.parametrize("kwargs, message", [
    (dict(dropout=1.0), "dropout"), (dict(lr=0.0), "lr"), (dict(momentum=1.0), "momentum"),
    (dict(max_norm=-1.0), "max_norm"), (dict(epochs=0), "epochs"),
])
def test_practice_playground_refuses_values_outside_its_controls(split, kwargs, message):
    with pytest.raises(ValueError, match=message):
        widgets.practice_playground(split, **kwargs)


def test_cnn_playground_note_train_and_progress(capsys):
    shapes = data.shapes(n=120, size=12, seed=0)
    playground = widgets.cnn_playground(shapes, filters=(4,), activation="relu",
                                        placement="dense", dropout=0.5, epochs=3, seed=0)
    bundle = playground._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "needs a running Python kernel" in bundle["text/html"]
    assert bundle["text/plain"].startswith("Playground: build your own CNN")
    assert capsys.readouterr().out == ""             # nothing trained before Train
    _find(playground, "Button", "Train").click()
    out = capsys.readouterr().out
    assert "test accuracy" in out and "after 3 epochs" in out and "circle" in out
    assert "\nper class: circle" in out                 # its own line
    assert max(len(line) for line in out.splitlines()) <= 80, out
    assert _find(playground, "IntProgress").value == 3
    _find(playground, "BoundedIntText", "epochs").value = 2
    _find(playground, "Dropdown", "filters per block").value = (4, 8)
    _find(playground, "Dropdown", "dropout at").value = "conv"
    _find(playground, "Dropdown", "activation").value = "sigmoid"
    _find(playground, "Button", "Train").click()
    assert _find(playground, "IntProgress").value == 2
    assert "after 2 epochs" in capsys.readouterr().out


@pytest.mark.parametrize("kwargs, message", [
    (dict(dropout=1.0), "dropout"), (dict(filters=(3,)), "filters"),
    (dict(activation="softplus"), "activation"), (dict(placement="input"), "placement"),
    (dict(epochs=0), "epochs"),
])
def test_cnn_playground_refuses_values_outside_its_controls(kwargs, message):
    with pytest.raises(ValueError, match=message):
        widgets.cnn_playground(data.shapes(n=60, size=10, seed=0), **kwargs)


def test_cnn_playground_refuses_a_split_without_images(split):
    with pytest.raises(ValueError, match="split must hold images"):
        widgets.cnn_playground(data.Split(split.X_train, split.y_train,
                                          split.X_test, split.y_test, 10))
