"""lib.conv against PyTorch: the output size of torch.nn.Conv2d for Dumoulin & Visin's
worked cases and a grid around them, and conv2d against torch.nn.functional.conv2d
(cross-correlation, no flip) over shapes, channels, strides and paddings."""

import itertools

import numpy as np
import pytest
import torch

from lib import conv

torch.set_num_threads(1)

# Dumoulin & Visin (2016), section 2: (i, k, s, p) -> o, the cases of their figures
DUMOULIN_VISIN = [((4, 3, 1, 0), 2), ((5, 4, 1, 2), 6), ((5, 3, 1, 1), 5), ((5, 3, 1, 2), 7),
                  ((5, 3, 2, 0), 2), ((5, 3, 2, 1), 3), ((6, 3, 2, 1), 3)]


def torch_size(i, k, s=1, p=0, d=1):
    layer = torch.nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, bias=False)
    with torch.no_grad():
        return layer(torch.zeros(1, 1, i, i)).shape[-1]


@pytest.mark.parametrize("case, expected", DUMOULIN_VISIN)
def test_output_size_of_every_dumoulin_visin_case(case, expected):
    assert conv.output_size(*case) == expected == torch_size(*case)


def test_output_size_equals_torch_on_a_grid():
    checked = 0
    for i, k, s, p, d in itertools.product(range(1, 9), range(1, 6), range(1, 5),
                                           range(0, 3), range(1, 3)):
        if d * (k - 1) + 1 > i + 2 * p:
            with pytest.raises(ValueError, match=r"\bk\b"):
                conv.output_size(i, k, s, p, d)
            continue
        assert conv.output_size(i, k, s, p, d) == torch_size(i, k, s, p, d), (i, k, s, p, d)
        checked += 1
    assert checked > 500


def test_output_size_returns_a_python_int():
    assert type(conv.output_size(np.int64(5), 3)) is int


def test_same_padding_keeps_the_size_for_odd_kernels():
    for i in range(3, 20):
        for k in (1, 3, 5, 7):
            if k <= i:
                assert conv.output_size(i, k, 1, k // 2) == i


def reference(x, w, stride, padding):
    """torch's conv2d on numpy arrays with conv2d's shape conventions."""
    flat = x.ndim == 2 and w.ndim == 2
    xt = torch.tensor(x if x.ndim == 3 else x[None])[None]
    wt = torch.tensor(w if w.ndim == 4 else w[None, None])
    out = torch.nn.functional.conv2d(xt, wt, stride=stride, padding=padding)[0].numpy()
    return out[0] if flat else out


GRID = [
    # (image shape, kernel shape)
    ((7, 7), (3, 3)), ((6, 9), (2, 4)), ((5, 5), (5, 5)), ((8, 5), (1, 1)),
    ((3, 7, 6), (2, 3, 3, 3)), ((1, 6, 6), (1, 1, 2, 2)), ((4, 9, 8), (5, 4, 3, 1)),
    ((2, 5, 5), (3, 2, 4, 4)), ((6, 6), (4, 1, 3, 3)),
]


@pytest.mark.parametrize("shapes", GRID, ids=[f"{a}-{b}" for a, b in GRID])
def test_conv2d_equals_torch(shapes):
    rng = np.random.default_rng(0)
    x_shape, w_shape = shapes
    x, w = rng.normal(size=x_shape), rng.normal(size=w_shape)
    kh, kw = w_shape[-2:]
    tested = 0
    for stride in (1, 2, 3, 4):
        for padding in (0, 1, 2, 3):
            if kh > x_shape[-2] + 2 * padding or kw > x_shape[-1] + 2 * padding:
                continue
            got, want = conv.conv2d(x, w, stride, padding), reference(x, w, stride, padding)
            assert got.shape == want.shape, (stride, padding)
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
            tested += 1
    assert tested >= 12


def test_conv2d_does_not_flip_the_kernel():
    x = np.zeros((5, 5))
    x[2, 2] = 1.0                                   # one bright pixel
    w = np.arange(9.0).reshape(3, 3)
    # the response to a single pixel is the kernel turned by 180 degrees
    np.testing.assert_array_equal(conv.conv2d(x, w, padding=1)[1:4, 1:4], w[::-1, ::-1])


def test_conv2d_output_sizes_follow_output_size():
    x = np.ones((11, 8))
    for k, s, p in itertools.product((1, 2, 3, 5), (1, 2, 3), (0, 1, 2)):
        out = conv.conv2d(x, np.ones((k, k)), stride=s, padding=p)
        assert out.shape == (conv.output_size(11, k, s, p), conv.output_size(8, k, s, p))


def test_conv2d_accepts_lists_and_integers_and_leaves_inputs_alone():
    x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    w = np.array([[1, 0], [0, -1]])
    before = w.copy()
    np.testing.assert_array_equal(conv.conv2d(x, w), [[-4.0, -4.0], [-4.0, -4.0]])
    np.testing.assert_array_equal(w, before)
    assert conv.conv2d(x, w).dtype == np.float64


@pytest.mark.parametrize("kwargs, match", [
    ({"image": np.ones((3, 3)), "kernel": np.ones((5, 5))}, "kernel"),
    ({"image": np.ones((3, 3)), "kernel": np.ones((5, 5)), "padding": 0}, "padded"),
    ({"image": np.ones((2, 4, 4)), "kernel": np.ones((1, 3, 2, 2))}, "input channels"),
    ({"image": np.ones((4, 4)), "kernel": np.ones((3, 2, 2))}, "kernel"),
    ({"image": np.ones(4), "kernel": np.ones((2, 2))}, "image"),
    ({"image": np.full((3, 3), np.nan), "kernel": np.ones((2, 2))}, "finite"),
    ({"image": np.ones((3, 3)), "kernel": np.ones((2, 2)), "stride": 0}, ">= 1"),
])
def test_conv2d_bad_calls_say_what_is_allowed(kwargs, match):
    with pytest.raises(ValueError, match=match):
        conv.conv2d(**kwargs)
