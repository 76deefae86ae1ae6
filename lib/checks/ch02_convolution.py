"""Checks of the exercises of chapter 2, "Convolution, strides and zero padding"."""

from __future__ import annotations

import numpy as np

from lib.checks._common import _call, _floats, _item, _number, _single, _wrong, check

#: (i, k, s, p) cases for output_size: Dumoulin & Visin's seven, then strides that do
#: not divide evenly, kernels that fill the padded input, and long inputs.
_SIZE_CASES = [(4, 3, 1, 0), (5, 4, 1, 2), (5, 3, 1, 1), (5, 3, 1, 2), (5, 3, 2, 0),
               (5, 3, 2, 1), (6, 3, 2, 1), (7, 2, 3, 0), (10, 3, 4, 1), (8, 5, 3, 2),
               (5, 5, 1, 0), (1, 3, 2, 1), (224, 7, 2, 3), (213, 3, 2, 1), (32, 4, 5, 0)]


@check
def output_size(fn) -> None:
    """Check a student's ``output_size(i, k, s, p)``: the output length of a convolution
    with input length i, kernel k, stride s and zero padding p (chapter "Convolution,
    strides and zero padding")."""
    from lib import conv

    for i, k, s, p in _SIZE_CASES:
        call = f"output_size({i}, {k}, {s}, {p})"
        got = _number(_call(fn, "output_size", i, k, s, p), call)
        want = conv.output_size(i, k, s, p)
        if got == want:
            continue
        if got == (i + 2 * p - k) / s + 1:
            hint = ("a window must fit entirely: round (i + 2p - k) / s down before "
                    "adding 1 (Python's // does that for positive numbers).")
        elif got == -(-(i + 2 * p - k) // s) + 1:
            hint = "round (i + 2p - k) / s down, not up: a window must fit entirely."
        elif got == i + 2 * p - k + 1:
            hint = "the stride s is missing: the window moves s positions at a time."
        elif got == (i - k) // s + 1:
            hint = "the padding p is missing: the padded input has i + 2p positions."
        elif got == (i + p - k) // s + 1:
            hint = "the padding p is added on both sides: the padded length is i + 2p."
        elif abs(got - want) == 1:
            hint = ("count the positions of the window's first pixel: 0, s, 2s, ... up "
                    "to i + 2p - k.")
        else:
            hint = ("the padded input has i + 2p positions; the window's first pixel "
                    "can sit at 0, s, 2s, ... as long as the whole window fits.")
        raise _wrong(call, got, want, hint)
    print(f"Correct: output_size matches torch.nn.Conv2d in all {len(_SIZE_CASES)} "
          "cases\n(Dumoulin & Visin's seven included).")


def _conv_cases():
    generic = np.random.default_rng(7)
    shapes = [((5, 5), (3, 3), 1, 0), ((6, 7), (3, 3), 2, 1), ((5, 6), (2, 2), 1, 1),
              ((7, 7), (3, 3), 3, 0), ((4, 5), (1, 1), 2, 0), ((6, 6), (2, 3), 2, 2),
              ((9, 8), (5, 5), 1, 2), ((3, 3), (3, 3), 1, 0)]
    return [(generic.normal(size=x).round(1), generic.normal(size=w).round(1), s, p)
            for x, w, s, p in shapes]


@check
def conv2d(fn) -> None:
    """Check a student's ``conv2d(image, kernel, stride, padding)`` for one channel
    (2-D numpy arrays), against lib.conv.conv2d, which equals torch's F.conv2d
    (chapter "Convolution, strides and zero padding")."""
    from lib import conv

    cases = _conv_cases()
    for x, w, s, p in cases:
        call = f"conv2d(<{x.shape[0]} x {x.shape[1]} image>, " \
               f"<{w.shape[0]} x {w.shape[1]} kernel>, stride={s}, padding={p})"
        want = conv.conv2d(x, w, stride=s, padding=p)
        result = _call(fn, "conv2d", x.copy(), w.copy(), s, p)
        got = _floats(result, call, "collect the outputs in np.zeros((H_out, W_out)) and "
                      "return that array.")
        if got.shape != want.shape:
            if p and got.shape == conv.conv2d(x, w, stride=s).shape:
                hint = ("the padding is missing: add p rows and columns of zeros on "
                        "every side first (np.pad(image, p)).")
            elif s > 1 and got.shape == conv.conv2d(x, w, padding=p).shape:
                hint = ("the stride is missing: the window moves `stride` pixels at a "
                        "time, so output (r, c) reads the window at (r * stride, "
                        "c * stride).")
            else:
                hint = ("each side has output_size(H, kh, stride, padding) outputs, "
                        "(H + 2 padding - kh) // stride + 1.")
            raise AssertionError(f"{call} returned shape {got.shape}, expected "
                                 f"{want.shape}. Hint: {hint}")
        # single precision carries about 7 digits: a float32 answer is judged by them
        single = _single(result)
        tol = 1e-5 if single else 1e-9
        if np.allclose(got, want, rtol=tol, atol=tol):
            continue
        flipped = conv.conv2d(x, w[::-1, ::-1], stride=s, padding=p)
        if np.allclose(got, flipped, rtol=tol, atol=tol):
            hint = ("you flipped the kernel. That is convolution as mathematicians "
                    "define it; convolutional layers (torch's F.conv2d, this chapter's "
                    "conv2d) slide the kernel as it is: a cross-correlation.")
        else:
            r, c = np.argwhere(~np.isclose(got, want, rtol=tol, atol=tol))[0]
            kh, kw = w.shape
            hint = (f"output ({r}, {c}) is the sum of kernel * the window of the padded "
                    f"image at rows {r * s}:{r * s + kh}, columns {c * s}:{c * s + kw}; "
                    f"you gave {got[r, c]:.8g}, expected {want[r, c]:.8g}.")
        raise AssertionError(f"{call} gives wrong values. Hint: {hint}")
    print(f"Correct: conv2d equals torch's F.conv2d on {len(cases)} images,\n"
          "with kernels, strides and paddings of several sizes.")


@check
def same_padding(fn) -> None:
    """Check a student's ``same_padding(k)``: the zero padding that keeps the output as
    large as the input for an odd kernel k and stride 1 (chapter "Convolution, strides
    and zero padding")."""
    for k in range(1, 16, 2):
        raw = _call(fn, "same_padding", k)
        got = _number(raw, f"same_padding({k})")
        want = (k - 1) // 2
        whole = _item(raw)  # an int in a 0-d array or tensor is an int too
        if got == want and (isinstance(whole, bool) or not isinstance(whole, int)):
            raise AssertionError(
                f"same_padding({k}) gave {got:g} as a {type(raw).__name__}, expected the "
                f"whole number {want}. Hint: a number of rows is a whole number: use //, "
                "as np.pad and output_size need an int.")
        if got == want:
            continue
        if got == k - 1:
            hint = ("k - 1 is 'full' padding: every window that touches the input, so "
                    "the output grows to i + k - 1.")
        elif got == k / 2:
            hint = "k / 2 is not a whole number of rows for an odd k."
        elif got == k // 2 + 1:
            hint = "one row too many: the output would grow by 2."
        else:
            hint = ("with stride 1 the output has i + 2p - k + 1 positions; solve "
                    "i + 2p - k + 1 = i for p.")
        raise _wrong(f"same_padding({k})", got, want, hint)
    print("Correct: same_padding(k) = (k - 1) // 2 keeps the size\n"
          "for every odd k from 1 to 15.")
