"""Convolution in numpy: the output size of a convolutional layer, and the layer itself.

Introduced in chapter "Convolution, strides and zero padding", which builds both from
scratch (a readable loop first) and checks them against PyTorch; the CNN chapter uses
them again. Like ``torch.nn.functional.conv2d``, :func:`conv2d` computes a
*cross-correlation*: the kernel is slid over the input as it is, not flipped.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from lib import _validate


def output_size(i, k, s=1, p=0, d=1) -> int:
    """The length of a convolution's output along one axis.

    ``i`` input length, ``k`` kernel length, ``s`` stride, ``p`` zero padding on each
    side, ``d`` dilation (1: a plain kernel). The kernel covers ``d * (k - 1) + 1``
    input positions and moves ``s`` at a time over the ``i + 2p`` padded positions, so
    it fits ``floor((i + 2p - d(k - 1) - 1) / s) + 1`` times: Dumoulin & Visin's
    relationship 6 for ``d = 1``, and the formula of ``torch.nn.Conv2d``. Raises
    ValueError when the kernel is larger than the padded input.
    """
    i = _validate.integer("i", i, low=1)
    k = _validate.integer("k", k, low=1)
    s = _validate.integer("s", s, low=1)
    p = _validate.integer("p", p, low=0)
    d = _validate.integer("d", d, low=1)
    span = d * (k - 1) + 1
    if span > i + 2 * p:
        raise ValueError(
            f"k must fit in the padded input: the kernel spans d(k - 1) + 1 = {span} "
            f"positions (k = {k}, d = {d}), more than i + 2p = {i + 2 * p}; use a "
            "smaller k or d, or more padding p")
    return (i + 2 * p - span) // s + 1


def conv2d(image, kernel, stride=1, padding=0) -> np.ndarray:
    """Slide ``kernel`` over ``image`` (cross-correlation, as torch): a numpy conv layer.

    Shapes, as in ``torch.nn.functional.conv2d`` without the batch axis:

    - ``image`` (H, W), one channel, or (C_in, H, W);
    - ``kernel`` (kh, kw), one input and one output channel, or
      (C_out, C_in, kh, kw), torch's weight layout;
    - the result is (H_out, W_out) when both are 2-D, else (C_out, H_out, W_out), with
      ``H_out = output_size(H, kh, stride, padding)`` and likewise W_out.

    ``stride`` (an integer >= 1) is the step between neighbouring windows, ``padding``
    (an integer >= 0) the number of rows and columns of zeros added on every side.
    Vectorised with numpy's ``sliding_window_view`` (a view of every window, no copy)
    and one ``einsum``; float64 throughout. No bias: add it to the result.
    """
    x = _finite("image", image)
    w = _finite("kernel", kernel)
    stride = _validate.integer("stride", stride, low=1, high=10**6)
    padding = _validate.integer("padding", padding, low=0, high=1000)
    if x.ndim not in (2, 3):
        raise ValueError(f"image must be 2-D (H, W) or 3-D (C_in, H, W), got shape "
                         f"{x.shape}")
    if w.ndim not in (2, 4):
        raise ValueError(f"kernel must be 2-D (kh, kw) or 4-D (C_out, C_in, kh, kw), "
                         f"got shape {w.shape}")
    if 0 in x.shape or 0 in w.shape:
        name = "image" if 0 in x.shape else "kernel"
        raise ValueError(f"{name} must not be empty, got shape "
                         f"{(x if name == 'image' else w).shape}")
    flat = x.ndim == 2 and w.ndim == 2
    x3 = x[None] if x.ndim == 2 else x
    w4 = w[None, None] if w.ndim == 2 else w
    if w4.shape[1] != x3.shape[0]:
        raise ValueError(
            f"kernel must have as many input channels as image: kernel shape {w.shape} "
            f"reads C_in = {w4.shape[1]}, image shape {x.shape} has {x3.shape[0]}")
    (h, wd), (kh, kw) = x3.shape[1:], w4.shape[2:]
    if kh > h + 2 * padding or kw > wd + 2 * padding:
        raise ValueError(
            f"kernel must fit in the padded image: kernel {kh} x {kw}, image "
            f"{h} x {wd} padded by {padding} is {h + 2 * padding} x "
            f"{wd + 2 * padding}; use a smaller kernel or more padding")
    if padding:
        x3 = np.pad(x3, ((0, 0), (padding, padding), (padding, padding)))
    windows = sliding_window_view(x3, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    out = np.einsum("chwij,ocij->ohw", windows, w4)
    return out[0] if flat else out


def _finite(name, value) -> np.ndarray:
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        raise TypeError(f"{name} must be an array of numbers (2-D or more), got a single "
                        f"{type(value).__name__}")
    out = _validate.array(name, value)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must hold finite numbers, got NaN or infinity")
    return out
