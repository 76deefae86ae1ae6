"""Checks of the exercises of chapter 9, "A CNN with ReLU and dropout"."""

from __future__ import annotations

import numpy as np

from lib.checks._common import _call, _floats, _number, _wrong, check

# ---------------------------------------------------------------- conv_stack_shape

#: (input_shape, filters, kernel_size, padding, pool): one and two blocks, odd sizes
#: (pooling rounds down), no padding, no pooling, several input channels, and
#: rectangular images, so that swapped or forgotten terms give other numbers.
_STACK_CASES = [
    ((1, 16, 16), (4,), 3, 1, 2),
    ((1, 15, 15), (4,), 3, 1, 2),
    ((1, 8, 8), (8, 16), 3, 1, 2),
    ((3, 20, 18), (5,), 5, 0, 2),
    ((2, 28, 28), (6, 10), 5, 2, 2),
    ((1, 17, 13), (3,), 3, 1, 1),
    ((1, 32, 32), (4, 7), 3, 0, 3),
]

#: (input_shape, filters, kernel_size, padding, pool, hidden, classes)
_PARAM_CASES = [
    ((1, 16, 16), (4,), 3, 1, 2, 0, 3),
    ((1, 8, 8), (8, 16), 3, 1, 2, 0, 10),
    ((3, 20, 18), (5,), 5, 0, 2, 32, 4),
    ((2, 28, 28), (6, 10), 5, 2, 2, 16, 3),
    ((1, 17, 13), (3,), 3, 1, 1, 0, 2),
]


def _reference_net(input_shape, filters, kernel_size, padding, pool, hidden=0,
                   classes=3):
    """lib.nets.cnn with these arguments (torch seeded: the weights do not matter)."""
    import torch

    from lib import nets

    torch.manual_seed(0)
    return nets.cnn(input_shape=input_shape, filters=filters, kernel_size=kernel_size,
                    padding=padding, pool=pool, hidden=hidden, classes=classes)


def _stack_shape(input_shape, filters, kernel_size, padding, pool):
    """The reference: the shape after the conv blocks of lib.nets.cnn, measured by
    passing an image through them (everything before the Flatten)."""
    import torch
    from torch import nn

    net = _reference_net(input_shape, filters, kernel_size, padding, pool)
    h = torch.zeros((1, *input_shape), dtype=torch.float64)
    for layer in net:
        if isinstance(layer, nn.Flatten):
            break
        h = layer(h)
    return tuple(int(v) for v in h.shape[1:])


def _by_formula(input_shape, filters, k, p, pool, *, rounding="down", padding=True,
                pooling=True, plus_one=True, channels="last", order="chw"):
    """A wrong (or right) formula, for the hints: the per-block size rule with one
    term changed. ``rounding`` of the pooling: "down" (right), "up" or "none"."""
    _, h, w = input_shape
    pad, one = (p if padding else 0), (1 if plus_one else 0)
    for _ in filters:
        h, w = h + 2 * pad - k + one, w + 2 * pad - k + one
        if pooling:
            if rounding == "down":
                h, w = h // pool, w // pool
            elif rounding == "up":
                h, w = -(-h // pool), -(-w // pool)
            else:
                h, w = h / pool, w / pool
    c = {"last": filters[-1], "first": filters[0], "input": input_shape[0],
         "sum": sum(filters)}[channels]
    return (c, h, w) if order == "chw" else (h, w, c)


def _answers(fn, name, cases, convert):
    """The student's answer to every case, converted, or None where the call or the
    conversion fails: only to choose a hint, so that a hint is given only if its
    wrong formula matches the answer on EVERY case, not by chance on one."""
    out = []
    for args in cases:
        try:
            out.append(convert(_call(fn, name, *args), args))
        except Exception:  # noqa: BLE001 - any failure: this formula does not match
            out.append(None)
    return out


def _stack_answer(raw, args):
    got = _floats(raw, "", "")
    return got if got.shape == (3,) else None


#: (changed term of _by_formula, hint), tried in this order.
_STACK_HINTS = [
    (dict(plus_one=False), "the \"+ 1\" is missing: a window of kernel_size fits "
     "height + 2 * padding - kernel_size + 1 times (count the positions of a 3-wide "
     "window on 5 pixels: 3)."),
    (dict(rounding="none"), "pooling keeps whole windows only: divide the height and "
     "width by pool rounding DOWN (//)."),
    (dict(rounding="up"), "pooling rounds DOWN, not up: a last window that does not "
     "fit is dropped, so use // (floor division)."),
    (dict(padding=False), "the padding is missing: the padded input has "
     "height + 2 * padding rows."),
    (dict(pooling=False), "the pooling is missing: after each convolution, max "
     "pooling of size and stride pool divides the height and width by pool "
     "(rounding down)."),
    (dict(channels="first"), "the channels are those of the LAST block's filters: "
     "filters[-1]."),
    (dict(channels="input"), "the output has one channel per filter of the last "
     "block (filters[-1]), not the input's channels."),
    (dict(channels="sum"), "the output has one channel per filter of the last block "
     "(filters[-1]), not the sum over blocks."),
    (dict(order="hwc"), "the order is (channels, height, width), as torch's layers "
     "use, not (height, width, channels)."),
]


@check
def conv_stack_shape(fn) -> None:
    """Check a student's ``conv_stack_shape(input_shape, filters, kernel_size,
    padding, pool)``: the (channels, height, width) after the conv blocks of
    :func:`lib.nets.cnn` (each a stride-1 convolution with ``padding`` zeros, then
    max pooling of size and stride ``pool``), as measured by passing an image
    through them (chapter "A CNN with ReLU and dropout")."""
    for args in _STACK_CASES:
        call = "conv_stack_shape({}, {}, {}, {}, {})".format(*args)
        raw = _call(fn, "conv_stack_shape", *args)
        got = _floats(raw, call, "return a tuple of three integers (channels, height, "
                      "width).")
        if got.shape != (3,):
            raise AssertionError(
                f"{call} returned shape {got.shape}, expected three numbers. Hint: "
                "return a tuple (channels, height, width).")
        want = _stack_shape(*args)
        if tuple(got) == want:
            continue
        given = tuple(got)
        shown = "(" + ", ".join(f"{v:g}" for v in given) + ")"
        answers = _answers(fn, "conv_stack_shape", _STACK_CASES, _stack_answer)
        hint = next((text for kw, text in _STACK_HINTS
                     if all(a is not None and np.allclose(a, _by_formula(*case, **kw))
                            for a, case in zip(answers, _STACK_CASES))), None)
        if hint is None:
            hint = ("per block: height -> height + 2 * padding - kernel_size + 1, then "
                    "// pool; the same for the width; channels -> the block's filters.")
        raise _wrong(call, shown, str(want), hint)
    print(f"Correct: conv_stack_shape matches lib.nets.cnn in all {len(_STACK_CASES)} "
          "cases.")


# ---------------------------------------------------------------- cnn_parameters


def _count(input_shape, filters, k, p, pool, hidden, classes, *, biases=True,
           sharing=True, chained=True):
    """The parameter count by formula, with one term changed for the hints."""
    total, channels = 0, input_shape[0]
    _, h, w = input_shape
    for f in filters:
        h, w = h + 2 * p - k + 1, w + 2 * p - k + 1
        weights = f * channels * k * k * (1 if sharing else h * w)
        total += weights + (f if biases else 0)
        channels = f if chained else channels
        h, w = h // pool, w // pool
    width = filters[-1] * h * w
    for units in ([hidden] if hidden else []) + [classes]:
        total += width * units + (units if biases else 0)
        width = units
    return total


#: (changed term of _count, hint), tried in this order.
_PARAM_HINTS = [
    (dict(biases=False), "the biases are missing: every filter and every dense unit "
     "has one."),
    (dict(sharing=False), "a filter's weights are shared by every position of the "
     "image: count k * k * in_channels weights per filter, once."),
    (dict(chained=False), "the second block's filters read the FIRST block's feature "
     "maps: their input channels are filters[0], not the image's."),
]


@check
def cnn_parameters(fn) -> None:
    """Check a student's ``cnn_parameters(input_shape, filters, kernel_size, padding,
    pool, hidden, classes)``: the number of trainable parameters of
    :func:`lib.nets.cnn` with these arguments, counted from the network itself
    (chapter "A CNN with ReLU and dropout")."""
    from lib import nets

    for args in _PARAM_CASES:
        call = "cnn_parameters({}, {}, {}, {}, {}, {}, {})".format(*args)
        got = _number(_call(fn, "cnn_parameters", *args), call)
        want = nets.count_parameters(_reference_net(*args))
        if got == want:
            continue
        answers = _answers(fn, "cnn_parameters", _PARAM_CASES,
                           lambda raw, _: _number(raw, ""))
        hint = next((text for kw, text in _PARAM_HINTS
                     if all(a is not None and a == _count(*case, **kw)
                            for a, case in zip(answers, _PARAM_CASES))), None)
        if hint is None:
            hint = ("count each conv block (filters * in_channels * k * k weights + "
                    "filters biases), then the dense layers from the flattened size "
                    "(conv_stack_shape's product) to hidden (if > 0) and to classes.")
        raise _wrong(call, got, want, hint)
    print(f"Correct: cnn_parameters matches lib.nets.count_parameters in all "
          f"{len(_PARAM_CASES)} cases.")


# ---------------------------------------------------------------- per_class_accuracy


def _per_class_cases():
    """(y_true, y_pred, n_classes): unequal class sizes (so that the overall accuracy
    and the precision differ from the answer), a class with no examples, lists."""
    rng = np.random.default_rng(90)
    y1 = rng.integers(0, 3, 60)
    p1 = np.where(rng.random(60) < 0.7, y1, rng.integers(0, 3, 60))
    y2 = np.array([0] * 30 + [1] * 5 + [2] * 15)
    p2 = np.where(rng.random(50) < 0.6, y2, 0)
    y3 = [0, 0, 2, 2, 2, 3]           # class 1 has no examples
    p3 = [0, 1, 2, 1, 2, 0]
    return [(y1, p1, 3), (y2, p2, 3), (y3, p3, 4)]


def _per_class(y_true, y_pred, n):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    with np.errstate(invalid="ignore"):
        return np.array([np.mean(y_pred[y_true == c] == c) if np.any(y_true == c)
                         else np.nan for c in range(n)])


def _precision(y_true, y_pred, n):
    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.array([np.mean(yt[yp == c] == c) if np.any(yp == c) else np.nan
                         for c in range(n)])


def _without_nan_right(got, want, yt, yp, n):
    missing = np.isnan(want)
    return np.allclose(got[~missing], want[~missing])


#: (does the answer to one case fit this mistake, hint), tried in this order; a hint
#: is given only if its mistake fits the answers to every case.
_PER_CLASS_HINTS = [
    (lambda got, want, yt, yp, n: np.allclose(got, _precision(yt, yp, n),
                                              equal_nan=True),
     "that is the share of the images PREDICTED as c that are c (the precision); "
     "divide by the number of examples of class c instead."),
    (_without_nan_right, "a class with no examples has no accuracy: return nan for it "
     "(np.nan), not a number."),
    (lambda got, want, yt, yp, n: np.allclose(got, np.full(n, np.mean(yt == yp))),
     "that is the overall accuracy; compute one share per class."),
]


def _copies(y_true, y_pred):
    """Copies: an answer that writes into its arguments must not fool the check."""
    return [a.copy() if isinstance(a, np.ndarray) else list(a) for a in (y_true, y_pred)]


@check
def per_class_accuracy(fn) -> None:
    """Check a student's ``per_class_accuracy(y_true, y_pred, n_classes)``: entry c
    is the share of the examples of class c predicted as c (the recall of class c,
    the diagonal of a row-normalised confusion matrix), nan for a class without
    examples (chapter "A CNN with ReLU and dropout")."""
    cases = _per_class_cases()
    for y_true, y_pred, n in cases:
        shown = "<array>" if isinstance(y_true, np.ndarray) else repr(y_true)
        call = f"per_class_accuracy({shown}, ..., {n})"
        raw = _call(fn, "per_class_accuracy", *_copies(y_true, y_pred), n)
        got = _floats(raw, call, "return a numpy array with one number per class.")
        want = _per_class(y_true, y_pred, n)
        if got.shape != (n,):
            if got.ndim == 1:
                hint = (f"return one entry per class 0, 1, ..., n_classes - 1 ({n} "
                        "here), including classes without examples (nan for them), "
                        "not one per label found in y_true.")
            else:
                hint = "return one number per class, not the overall accuracy."
            raise AssertionError(
                f"{call} returned shape {got.shape}, expected ({n},). Hint: {hint}")
        if np.allclose(got, want, equal_nan=True, atol=1e-12):
            continue
        answers = _answers(
            fn, "per_class_accuracy", [(*_copies(t, q), m) for t, q, m in cases],
            lambda raw, args: _floats(raw, "", "").reshape(args[2]))
        hint = next((text for fits, text in _PER_CLASS_HINTS
                     if all(a is not None and fits(a, _per_class(t, q, m),
                                                   np.asarray(t), np.asarray(q), m)
                            for a, (t, q, m) in zip(answers, cases))), None)
        if hint is None:
            hint = ("for each class c, take the predictions of the examples whose "
                    "true label is c and compute the share that equal c.")
        c = int(np.argmax(np.where(np.isnan(got) != np.isnan(want), np.inf,
                                   np.nan_to_num(np.abs(got - want), nan=0.0))))
        raise _wrong(call + f", class {c}", float(got[c]), float(want[c]), hint)
    print("Correct: per_class_accuracy gives each class's share of correct\n"
          "predictions (nan for a class without examples).")
