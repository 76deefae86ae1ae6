"""lib.checks: a right answer is confirmed, a wrong one gets a sentence and a hint, and no
student mistake escapes as another exception type."""

import functools
import math

import numpy as np
import pytest
import torch

from lib import checks
from lib.checks import ch05_dying_relu


def _right_sigmoid_prime(x):
    s = 1 / (1 + np.exp(-x))
    return s * (1 - s)


def _right_balancing_gain(slope):
    return 1 / slope


def _expect_assertion(check, fn):
    """Run a check that must fail; return its message."""
    try:
        check(fn)
    except AssertionError as exc:
        message = str(exc)
    else:
        pytest.fail(f"{check.__name__} accepted a wrong answer")
    assert message.strip()
    assert "Traceback" not in message
    return message


# ---------------------------------------------------------------- sigmoid_prime


def test_sigmoid_prime_right_answer_confirmed(capsys):
    checks.sigmoid_prime(_right_sigmoid_prime)
    out = capsys.readouterr().out
    assert out.startswith("Correct")
    assert "sigmoid_prime" in out


def test_sigmoid_prime_accepts_other_correct_forms(capsys):
    checks.sigmoid_prime(lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2)
    checks.sigmoid_prime(lambda x: [math.exp(-v) / (1 + math.exp(-v)) ** 2 for v in x])
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize(
    "wrong",
    [
        lambda x: 1 / (1 + np.exp(-x)),  # sigma, not its derivative
        lambda x: np.exp(-x) / (1 + np.exp(-x)),  # 1 - sigma
        lambda x: np.full_like(x, 0.25),  # the maximum everywhere
        lambda x: _right_sigmoid_prime(x) * 1.01,  # off by 1%
        lambda x: np.where(x == 0, 0.0, _right_sigmoid_prime(x)),  # wrong at one point
        lambda x: np.full_like(x, np.nan),
    ],
    ids=["sigma", "one-minus-sigma", "constant", "one-percent", "one-point", "nan"],
)
def test_sigmoid_prime_wrong_answer_has_hint(wrong, capsys):
    message = _expect_assertion(checks.sigmoid_prime, wrong)
    assert "Hint" in message
    assert "Correct" not in capsys.readouterr().out


def test_sigmoid_prime_wrong_at_one_point_names_it():
    message = _expect_assertion(
        checks.sigmoid_prime, lambda x: np.where(x == 0, 0.0, _right_sigmoid_prime(x))
    )
    assert "1 of 241" in message
    assert "sigmoid_prime(0)" in message


def test_sigmoid_prime_cannot_be_fooled_by_changing_its_input():
    def cheat(x):
        x[:] = 0.0  # makes the reference 0.25 everywhere
        return np.full_like(x, 0.25)

    assert "Hint" in _expect_assertion(checks.sigmoid_prime, cheat)


def test_sigmoid_prime_right_answer_that_works_in_place(capsys):
    def in_place(x):
        x[:] = 1 / (1 + np.exp(-x))
        return x * (1 - x)

    checks.sigmoid_prime(in_place)
    assert "Correct" in capsys.readouterr().out


# ---------------------------------------------------------------- balancing_gain


def test_balancing_gain_right_answer_confirmed_with_a_measurement(capsys):
    checks.balancing_gain(_right_balancing_gain)
    out = capsys.readouterr().out
    assert out.startswith("Correct")
    assert "balancing_gain" in out and "Measured" in out


def test_balancing_gain_accepts_numpy_and_other_forms(capsys):
    checks.balancing_gain(lambda s: np.float64(1.0) / s)
    checks.balancing_gain(lambda s: s**-1)
    checks.balancing_gain(lambda s: np.array(1 / s))
    assert capsys.readouterr().out.count("Correct") == 3


@pytest.mark.parametrize(
    "wrong",
    [
        lambda s: s,
        lambda s: 4.0,                      # right for the sigmoid's slope only
        lambda s: 1 / s**2,                 # a variance, not a standard deviation
        lambda s: 2 / s,
        lambda s: 1 / s if s != 0.8 else 1.0,  # wrong at the last slope only
        lambda s: float("nan"),
        lambda s: float("inf"),
        lambda s: "4",
    ],
    ids=["slope", "constant", "squared", "double", "last-slope", "nan", "inf", "text"],
)
def test_balancing_gain_wrong_answer_has_hint(wrong, capsys):
    message = _expect_assertion(checks.balancing_gain, wrong)
    assert "Hint" in message
    assert "balancing_gain" in message
    assert "Correct" not in capsys.readouterr().out


# ---------------------------------------------------------------- broken answers


def _raises(*args):
    raise ZeroDivisionError("division by zero")


def _returns_none(*args):
    return None


def _prints_only(*args):
    print("the answer is 0.25")


@pytest.mark.parametrize(
    "check", [checks.sigmoid_prime, checks.balancing_gain, checks.relu, checks.relu_prime]
)
@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (_raises, ["raised", "ZeroDivisionError", "division by zero"]),
        (lambda: 0.25, ["raised", "TypeError"]),  # forgot the parameter
        (lambda x: undefined_name, ["raised", "NameError"]),  # noqa: F821
        (_returns_none, ["None", "return"]),
        (_prints_only, ["None", "return"]),
        (lambda x: "0.25 is the answer", ["number"]),
        (lambda x: {"value": 0.25}, ["number"]),
        (0.25, ["function", "float"]),
        ("sigmoid_prime", ["function", "str"]),
        (None, ["function", "NoneType"]),
        (np.zeros(3), ["function", "ndarray"]),
    ],
    ids=["raises", "no-parameter", "name-error", "none", "prints", "string", "dict",
         "number", "string-not-function", "none-not-function", "array-not-function"],
)
def test_broken_answers_get_a_sentence(check, answer, words):
    message = _expect_assertion(check, answer)
    for word in words:
        assert word in message, (word, message)
    # a sentence that names the student's function, not a bare repr of an error
    assert check.__name__ in message or "function" in message, message
    assert len(message.split()) >= 5, message


@pytest.mark.parametrize(
    "wrong_shape",
    [
        lambda x: 0.25,  # a single number
        lambda x: _right_sigmoid_prime(x)[:-1],  # one value short
        lambda x: _right_sigmoid_prime(x).reshape(1, -1),  # 2-D
        lambda x: np.stack([x, x]),
    ],
    ids=["scalar", "short", "2-D", "stacked"],
)
def test_sigmoid_prime_wrong_shape(wrong_shape):
    message = _expect_assertion(checks.sigmoid_prime, wrong_shape)
    assert "shape" in message
    assert "(241,)" in message


@pytest.mark.parametrize(
    "wrong_shape",
    [lambda s: np.full(2, 1 / s), lambda s: [1 / s, 0.0], lambda s: np.zeros((3, 3))],
    ids=["array", "list", "matrix"],
)
def test_balancing_gain_wrong_shape(wrong_shape):
    message = _expect_assertion(checks.balancing_gain, wrong_shape)
    assert "number" in message


# ---------------------------------------------------------------- relu and relu_prime


def _right_relu(x):
    return np.maximum(x, 0.0)


def _right_relu_prime(x):
    return (x > 0).astype(float)


def test_relu_right_answer_confirmed(capsys):
    checks.relu(_right_relu)
    out = capsys.readouterr().out
    assert out.startswith("Correct") and "relu" in out


def test_relu_accepts_other_correct_forms(capsys):
    checks.relu(lambda x: np.where(x > 0, x, 0.0))
    checks.relu(lambda x: (x + np.abs(x)) / 2)
    checks.relu(lambda x: [max(0.0, v) for v in x])
    checks.relu(lambda x: x * (x > 0))
    assert capsys.readouterr().out.count("Correct") == 4


@pytest.mark.parametrize(
    "wrong",
    [
        lambda x: x,  # the identity
        np.abs,  # |x|
        lambda x: np.maximum(x, 0.0) * 2,  # scaled
        lambda x: np.minimum(x, 0.0),  # the wrong side
        lambda x: np.maximum(x, 0.01 * x),  # leaky
        lambda x: np.maximum(x, 0.0) + np.where(x > 1e5, 10.0, 0.0),  # wrong at 1e6
        lambda x: np.full_like(x, np.nan),
    ],
    ids=["identity", "abs", "scaled", "min", "leaky", "large-input", "nan"],
)
def test_relu_wrong_answer_has_hint(wrong, capsys):
    message = _expect_assertion(checks.relu, wrong)
    assert "Hint" in message and "max(0, x)" in message
    assert "Correct" not in capsys.readouterr().out


def test_relu_python_max_on_an_array_gets_a_hint():
    message = _expect_assertion(checks.relu, lambda x: max(0, x))
    assert "raised ValueError" in message
    assert "np.maximum" in message


@pytest.mark.parametrize(
    "wrong",
    [
        lambda x: (x >= 0).astype(float),  # 1 at zero: torch.clamp's choice
        lambda x: np.where(x == 0, 0.5, (x > 0).astype(float)),  # torch.maximum's
        lambda x: np.maximum(x, 0.0),  # relu itself
        lambda x: np.ones_like(x),
        lambda x: (x < 0).astype(float),  # the wrong side
    ],
    ids=["one-at-zero", "half-at-zero", "relu", "ones", "wrong-side"],
)
def test_relu_prime_wrong_answer_has_hint(wrong, capsys):
    message = _expect_assertion(checks.relu_prime, wrong)
    assert "Hint" in message and "PyTorch" in message and "[0, 1]" in message
    assert "Correct" not in capsys.readouterr().out


def test_relu_prime_wrong_only_at_zero_names_zero():
    message = _expect_assertion(checks.relu_prime, lambda x: (x >= 0).astype(float))
    assert "relu_prime(0) gave 1" in message
    assert "2 of 206" in message  # 0 appears twice on the test grid


def test_relu_prime_right_answer_and_other_forms(capsys):
    checks.relu_prime(_right_relu_prime)
    checks.relu_prime(lambda x: x > 0)  # booleans count as 0 and 1
    checks.relu_prime(lambda x: np.heaviside(x, 0.0))
    out = capsys.readouterr().out
    assert out.count("Correct") == 3 and "as torch" in out


@pytest.mark.parametrize("check", [checks.relu, checks.relu_prime])
def test_relu_checks_cannot_be_fooled_by_changing_the_input(check):
    def cheat(x):
        x[:] = -1.0  # the reference would be all zeros
        return np.zeros_like(x)

    assert "Hint" in _expect_assertion(check, cheat)


@pytest.mark.parametrize("check", [checks.relu, checks.relu_prime])
@pytest.mark.parametrize(
    "wrong_shape",
    [lambda x: 0.0, lambda x: np.maximum(x, 0)[:-1], lambda x: np.stack([x, x])],
    ids=["scalar", "short", "stacked"],
)
def test_relu_checks_wrong_shape(check, wrong_shape):
    message = _expect_assertion(check, wrong_shape)
    assert "shape" in message and "(206,)" in message


# ---------------------------------------------------------------- count_pieces


def _right_count_pieces(w, b, v):
    bends = (w != 0) & (v != 0)
    where = -b[bends] / w[bends]
    jump = (v * np.abs(w))[bends]
    return 1 + sum(1 for t in np.unique(where) if jump[where == t].sum() != 0)


def test_count_pieces_right_answer_confirmed(capsys):
    checks.count_pieces(_right_count_pieces)
    out = capsys.readouterr().out
    assert out.startswith("Correct") and "count_pieces" in out


def test_count_pieces_accepts_numpy_and_float_answers(capsys):
    checks.count_pieces(lambda w, b, v: np.int64(_right_count_pieces(w, b, v)))
    checks.count_pieces(lambda w, b, v: float(_right_count_pieces(w, b, v)))
    assert capsys.readouterr().out.count("Correct") == 2


def _no_zero_w(w, b, v):  # forgets that w = 0 means no kink
    return 1 + len(np.unique(np.divide(-b, w, out=np.full_like(b, 1e9), where=w != 0)[v != 0]))


@pytest.mark.parametrize(
    ("wrong", "words"),
    [
        (lambda w, b, v: len(w) + 1, ["w = 0", "no kink"]),  # always k + 1
        (lambda w, b, v: len(w), ["Hint"]),  # off by one
        (lambda w, b, v: 1 + int(np.sum((w != 0) & (v != 0))), ["same x"]),  # no merging
        (lambda w, b, v: 1 + len(np.unique(-b[(w != 0) & (v != 0)] / w[(w != 0) & (v != 0)])),
         ["cancel", "sum of v_j |w_j|"]),  # merges but ignores cancelling
        (_no_zero_w, ["w_j = 0"]),
        (lambda w, b, v: float("nan"), ["Hint"]),
    ],
    ids=["k-plus-one", "k", "no-merging", "no-cancelling", "zero-w", "nan"],
)
def test_count_pieces_wrong_answer_has_hint(wrong, words, capsys):
    _expect_hint(checks.count_pieces, wrong, words, capsys)


def _expect_hint(check, wrong, words, capsys):
    """A wrong answer fails with a hint naming every one of ``words``, and no
    "Correct" was printed before it."""
    message = _expect_assertion(check, wrong)
    assert "Hint" in message
    for word in words:
        assert word in message, (word, message)
    assert "Correct" not in capsys.readouterr().out


def test_count_pieces_cannot_be_fooled_by_changing_its_input():
    def cheat(w, b, v):
        w[:] = 0.0  # would make the reference 1 everywhere
        return 1

    assert "Hint" in _expect_assertion(checks.count_pieces, cheat)


# ---------------------------------------------------------------- predicted_sparsity


def _right_predicted_sparsity(W, b):
    sd = np.linalg.norm(W, axis=1)
    return float(np.mean([0.5 * (1 + math.erf(-bj / (s * math.sqrt(2))))
                          for bj, s in zip(b, sd)]))


def test_predicted_sparsity_right_answer_confirmed(capsys):
    checks.predicted_sparsity(_right_predicted_sparsity)
    out = capsys.readouterr().out
    assert out.startswith("Correct") and "predicted_sparsity" in out


def test_predicted_sparsity_accepts_numpy_answers(capsys):
    checks.predicted_sparsity(lambda W, b: np.float64(_right_predicted_sparsity(W, b)))
    assert "Correct" in capsys.readouterr().out


def _variance_not_sd(W, b):
    var = np.sum(W**2, axis=1)
    return float(np.mean([0.5 * math.erfc(bj / (s * math.sqrt(2))) for bj, s in zip(b, var)]))


def _monte_carlo(W, b):
    x = np.random.default_rng(0).normal(size=(20_000, W.shape[1]))
    return float(np.mean(x @ W.T + b <= 0))


@pytest.mark.parametrize(
    ("wrong", "words"),
    [
        (lambda W, b: 1 - _right_predicted_sparsity(W, b), ["*not* zero"]),
        (_variance_not_sd, ["standard deviation", "not its square"]),
        (lambda W, b: 0.5, ["mean b_j"]),  # ignores the biases
        (_monte_carlo, ["Hint"]),  # a simulation is not exact enough
        (lambda W, b: float("nan"), ["Hint"]),
    ],
    ids=["complement", "variance", "always-half", "simulation", "nan"],
)
def test_predicted_sparsity_wrong_answer_has_hint(wrong, words, capsys):
    message = _expect_assertion(checks.predicted_sparsity, wrong)
    assert "Hint" in message
    for word in words:
        assert word in message, (word, message)
    assert "Correct" not in capsys.readouterr().out


def test_predicted_sparsity_cannot_be_fooled_by_changing_its_input():
    def cheat(W, b):
        b[:] = 0.0  # would make the reference 0.5 everywhere
        return 0.5

    assert "Hint" in _expect_assertion(checks.predicted_sparsity, cheat)


# ---------------------------------------------------------------- broken answers, 2-3 arguments


@pytest.mark.parametrize(
    ("check", "arity"), [(checks.count_pieces, 3), (checks.predicted_sparsity, 2)],
    ids=["count_pieces", "predicted_sparsity"],
)
@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (_raises, ["raised", "ZeroDivisionError", "division by zero"]),
        (lambda w: 1, ["raised", "TypeError"]),  # too few parameters
        (_returns_none, ["None", "return"]),
        (_prints_only, ["None", "return"]),
        (lambda *a: "3 pieces", ["number", "str"]),
        (lambda *a: {"pieces": 3}, ["number", "dict"]),
        (lambda *a: np.array([0.5, 0.5]), ["single number", "shape (2,)"]),
        (lambda *a: [3, 4], ["single number", "list"]),
        (lambda *a: np.zeros((3, 3)), ["single number", "(3, 3)"]),
        (3, ["function", "int"]),
        ("count_pieces", ["function", "str"]),
        (None, ["function", "NoneType"]),
    ],
    ids=["raises", "too-few-parameters", "none", "prints", "string", "dict", "array",
         "list", "matrix", "number-not-function", "string-not-function",
         "none-not-function"],
)
def test_multi_argument_broken_answers_get_a_sentence(check, arity, answer, words):
    message = _expect_assertion(check, answer)
    for word in words:
        assert word in message, (word, message)
    assert check.__name__ in message or "function" in message, message
    assert len(message.split()) >= 5, message


def test_checks_pass_the_right_number_of_arrays():
    seen = []

    def spy(*args):
        seen.append(args)
        return _right_count_pieces(*args)

    checks.count_pieces(spy)
    assert seen and all(len(a) == 3 and all(isinstance(x, np.ndarray) for x in a)
                        for a in seen)


# ---------------------------------------------------------------- the dying-ReLU chapter


def _right_leaky(x, slope=0.01):
    return np.where(x > 0, x, slope * x)


def _right_leaky_prime(x, slope=0.01):
    return np.where(x > 0, 1.0, slope)


def _right_count_dead(pre):
    return int(np.sum(np.all(pre <= 0, axis=0)))


def test_leaky_relu_checks_confirm_right_answers(capsys):
    checks.leaky_relu(_right_leaky)
    checks.leaky_relu(lambda x, slope=0.01: np.maximum(slope * x, x))
    checks.leaky_relu_prime(_right_leaky_prime)
    checks.leaky_relu_prime(lambda x, slope=0.01: (x > 0) + slope * (x <= 0))
    out = capsys.readouterr().out
    assert out.count("Correct") == 4 and "0.01, 0.1, 0.3, 0" in out


@pytest.mark.parametrize(
    ("wrong", "words"),
    [
        (lambda x, slope=0.01: np.maximum(x, 0.0), ["slope"]),              # plain relu
        (lambda x, slope=0.01: np.where(x > 0, x, 0.01 * x), ["ignores the slope"]),
        (lambda x, slope=0.01: np.where(x > 0, x, -slope * x), ["x < 0"]),
        (lambda x, slope=0.1: np.where(x > 0, x, slope * x), ["default value 0.01"]),
        (lambda x, slope=0.01: np.where(x > 0, 2 * x, slope * x), ["x > 0"]),
    ],
    ids=["relu", "fixed-slope", "sign", "default-0.1", "positive-side"],
)
def test_leaky_relu_wrong_answers_have_hints(wrong, words):
    message = _expect_assertion(checks.leaky_relu, wrong)
    for word in words:
        assert word in message, (word, message)


@pytest.mark.parametrize(
    ("wrong", "words"),
    [
        (lambda x, slope=0.01: np.where(x >= 0, 1.0, slope), ["x = 0", "slope"]),
        (lambda x, slope=0.01: np.where(x > 0, 1.0, 0.01), ["ignores the slope"]),
        (lambda x, slope=0.01: np.where(x > 0, 1.0, 0.0), ["slope"]),
        (lambda x, slope=0.01: np.where(x > 0, x, slope * x), ["expected 0.01"]),
    ],
    ids=["one-at-zero", "fixed-slope", "relu-prime", "function-not-derivative"],
)
def test_leaky_relu_prime_wrong_answers_have_hints(wrong, words):
    message = _expect_assertion(checks.leaky_relu_prime, wrong)
    for word in words:
        assert word in message, (word, message)


@pytest.mark.parametrize("check", [checks.leaky_relu, checks.leaky_relu_prime])
@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda x: x, ["raised", "TypeError"]),                      # no slope parameter
        (lambda x, slope=0.01: None, ["None", "return"]),
        (lambda x, slope=0.01: "abc", ["numbers", "str"]),
        (lambda x, slope=0.01: np.zeros(3), ["shape"]),
        (lambda x, slope=0.01: 1 / 0, ["raised", "ZeroDivisionError"]),
        (None, ["function", "NoneType"]),
    ],
    ids=["no-slope-parameter", "none", "string", "wrong-shape", "raises", "not-a-function"],
)
def test_leaky_checks_broken_answers_get_a_sentence(check, answer, words):
    message = _expect_assertion(check, answer)
    for word in words:
        assert word in message, (word, message)


def test_leaky_checks_cannot_be_fooled_by_changing_the_input():
    def destructive(x, slope=0.01):
        x[:] = 0.0
        return np.zeros_like(x)

    _expect_assertion(checks.leaky_relu, destructive)
    _expect_assertion(checks.leaky_relu_prime, destructive)


def test_count_dead_confirms_right_answers(capsys):
    checks.count_dead(_right_count_dead)
    checks.count_dead(lambda pre: np.count_nonzero((pre > 0).sum(axis=0) == 0))
    checks.count_dead(lambda pre: float(np.sum(pre.max(axis=0) <= 0)))
    assert capsys.readouterr().out.count("Correct") == 3


@pytest.mark.parametrize(
    ("wrong", "words"),
    [
        (lambda pre: int(np.sum(np.all(pre < 0, axis=0))), ["exactly 0", "<= 0"]),
        (lambda pre: int(np.sum(np.all(pre <= 0, axis=1))), ["examples", "columns"]),
        (lambda pre: int(np.sum(np.any(pre <= 0, axis=0))), ["every example"]),
        (lambda pre: float(np.mean(np.all(pre <= 0, axis=0))), ["not their fraction"]),
        (lambda pre: int(np.sum(pre <= 0)), ["count_dead gave"]),
    ],
    ids=["strict", "rows", "any", "fraction", "entries"],
)
def test_count_dead_wrong_answers_have_hints(wrong, words):
    message = _expect_assertion(checks.count_dead, wrong)
    for word in words:
        assert word in message, (word, message)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda pre: None, ["None", "return"]),
        (lambda pre: np.all(pre <= 0, axis=0), ["single number"]),
        (lambda pre: "3 units", ["number", "str"]),
        (lambda: 3, ["raised", "TypeError"]),
        ("count_dead", ["function", "str"]),
    ],
    ids=["none", "mask-not-count", "string", "no-parameter", "not-a-function"],
)
def test_count_dead_broken_answers_get_a_sentence(answer, words):
    message = _expect_assertion(checks.count_dead, answer)
    for word in words:
        assert word in message, (word, message)


def test_count_dead_cannot_be_fooled_by_changing_its_input():
    def destructive(pre):
        pre[:] = -1.0
        return pre.shape[1]

    _expect_assertion(checks.count_dead, destructive)


# ---------------------------------------------------------------- the convolution chapter


def _right_output_size(i, k, s=1, p=0):
    return (i + 2 * p - k) // s + 1


def _loop_conv2d(image, kernel, stride=1, padding=0):
    x = np.pad(image, padding)
    kh, kw = kernel.shape
    out = np.zeros(((x.shape[0] - kh) // stride + 1, (x.shape[1] - kw) // stride + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(x[r * stride:r * stride + kh, c * stride:c * stride + kw]
                               * kernel)
    return out


def test_convolution_checks_confirm_right_answers(capsys):
    checks.output_size(_right_output_size)
    checks.output_size(lambda i, k, s, p: math.floor((i + 2 * p - k) / s) + 1.0)
    checks.conv2d(_loop_conv2d)
    checks.conv2d(lambda x, w, s, p: _loop_conv2d(x, w, s, p).tolist())
    checks.same_padding(lambda k: (k - 1) // 2)
    checks.same_padding(lambda k: np.int64(k // 2))
    assert capsys.readouterr().out.count("Correct") == 6


@pytest.mark.parametrize(("wrong", "words"), [
    (lambda i, k, s, p: (i + 2 * p - k) / s + 1, "round"),
    (lambda i, k, s, p: -(-(i + 2 * p - k) // s) + 1, "not up"),
    (lambda i, k, s, p: i + 2 * p - k + 1, "stride"),
    (lambda i, k, s, p: (i - k) // s + 1, "padding p is missing"),
    (lambda i, k, s, p: (i + p - k) // s + 1, "both sides"),
    (lambda i, k, s, p: (i + 2 * p - k) // s, "first pixel"),
], ids=["no-floor", "ceil", "no-stride", "no-padding", "one-side", "off-by-one"])
def test_output_size_wrong_answers_have_hints(wrong, words):
    message = _expect_assertion(checks.output_size, wrong)
    assert words in message and "Hint:" in message


@pytest.mark.parametrize(("wrong", "words"), [
    (lambda x, w, s, p: _loop_conv2d(x, w[::-1, ::-1], s, p), "flipped"),
    (lambda x, w, s, p: _loop_conv2d(x, w, 1, p), "stride is missing"),
    (lambda x, w, s, p: _loop_conv2d(x, w, s, 0), "padding is missing"),
    (lambda x, w, s, p: _loop_conv2d(x, w, s, p)[:, ::-1], "output (0, "),
    (lambda x, w, s, p: _loop_conv2d(x, np.abs(w), s, p), "output (0, 0)"),
], ids=["flipped", "no-stride", "no-padding", "transposed", "values"])
def test_conv2d_wrong_answers_have_hints(wrong, words):
    message = _expect_assertion(checks.conv2d, wrong)
    assert words in message and "Hint:" in message


@pytest.mark.parametrize(("wrong", "words"), [
    (lambda k: k - 1, "full"), (lambda k: k / 2, "whole number"),
    (lambda k: k // 2 + 1, "too many"), (lambda k: 0, "solve"),
])
def test_same_padding_wrong_answers_have_hints(wrong, words):
    message = _expect_assertion(checks.same_padding, wrong)
    assert words in message and "Hint:" in message


def test_conv2d_check_cannot_be_fooled_by_changing_its_input():
    def destructive(x, w, s, p):
        out = _loop_conv2d(x, w, s, p)
        x[:] = 0.0
        w[:] = 0.0
        return out

    checks.conv2d(destructive)  # the reference is computed from the check's own copy

    def cheat(x, w, s, p):
        x[:] = 0.0
        return _loop_conv2d(x, w, s, p)

    _expect_assertion(checks.conv2d, cheat)


# ================================================================ coursework (issue 6)
# Every check, whichever chapter calls it: the book's own reference solution passes,
# nbgrader's empty answer (the student version) and wrong or broken answers get a
# sentence with a hint. The calls come from the chapters' check cells, so a new
# chapter's checks are covered without listing them here.

import importlib  # noqa: E402
import inspect  # noqa: E402
import pathlib  # noqa: E402
import pkgutil  # noqa: E402
import re  # noqa: E402

from tools import exercises as coursework  # noqa: E402
from tools.book import chapter_paths  # noqa: E402
from tools.book import read_notebook as load  # noqa: E402


def _reference_calls():
    """(chapter, check name, answer function name, answer cells' code) for every
    `checks.NAME(FUNCTION)` call of every chapter's check cells."""
    found = []
    for path in chapter_paths():
        cells = load(path)["cells"]
        answers = "\n".join(
            "".join(c["source"]) for c in cells
            if c["metadata"].get("nbgrader", {}).get("solution")
        )
        for cell in cells:
            if cell["metadata"].get("nbgrader", {}).get("grade"):
                for check, fn in re.findall(r"checks\.(\w+)\((\w+)\)", "".join(cell["source"])):
                    found.append((path.stem, check, fn, answers))
    return found


REFERENCE_CALLS = _reference_calls()


def _namespace(answers):
    import math

    space = {"np": np, "math": math, "torch": torch}
    exec(answers, space)  # the chapters' reference solutions (markers are comments)
    return space


def test_every_public_check_is_called_by_a_chapter():
    """Both ways: every check cell calls a registered check, and every registered check
    is called by a check cell of its own chapter (module chNN_slug: chapters/NN_slug)."""
    called = {}
    for chapter, check, _, _ in REFERENCE_CALLS:
        called.setdefault(check, set()).add(chapter)
    assert called, "no chapter's check cell calls lib.checks"
    unknown = sorted(set(called) - set(checks.REGISTRY))
    assert not unknown, f"check cells call checks that lib.checks lacks: {unknown}"
    for name, check in checks.REGISTRY.items():
        chapter = check.__module__.rpartition(".")[2].removeprefix("ch")
        assert chapter in called.get(name, set()), (
            f"checks.{name} ({check.__module__}) is called by no check cell of "
            f"chapters/{chapter}.ipynb (called by: {sorted(called.get(name, []))}): "
            "remove it, or give the chapter an exercise that uses it")


@pytest.mark.parametrize(
    ("chapter", "check", "fn", "answers"), REFERENCE_CALLS,
    ids=[f"{c}-{k}" for c, k, _, _ in REFERENCE_CALLS],
)
def test_reference_solution_passes_and_its_stub_and_perturbation_fail(
        chapter, check, fn, answers, capsys):
    run = getattr(checks, check)
    space = _namespace(answers)
    run(space[fn])
    assert capsys.readouterr().out.startswith("Correct")
    if not callable(space[fn]):  # a check of a value, not of a function
        return

    def stub(*args):  # what nbgrader leaves in the student version
        raise NotImplementedError()

    message = _expect_assertion(run, stub)
    assert "not written yet" in message and "raise NotImplementedError()" in message
    assert "Hint:" in message and fn in message

    def perturbed(*args):  # a wrong answer of the right type and shape
        value = space[fn](*args)
        return np.asarray(value) * 1.5 + 0.25 if np.ndim(value) else float(value) * 1.5 + 0.25

    message = _expect_assertion(run, perturbed)
    assert "Hint:" in message and fn in message
    assert "Correct" not in capsys.readouterr().out


_BROKEN = [
    (_raises, "ZeroDivisionError"),
    (_returns_none, "None"),
    (_prints_only, "None"),
    (lambda *a: "text", "number"),
    (lambda *a: {"value": 1}, "number"),
    (lambda *a: [[1.0], [2.0, 3.0]], "shape"),  # ragged
    (lambda *a: np.zeros((2, 3, 4)), "shape"),
    (0.5, "function"),
    (None, "function"),
]


@pytest.mark.parametrize("check", sorted(checks.REGISTRY))
@pytest.mark.parametrize(("answer", "word"), _BROKEN,
                         ids=["raises", "none", "prints", "text", "dict", "ragged",
                              "3-D", "number", "nothing"])
def test_every_failure_of_every_check_has_a_hint(check, answer, word):
    message = _expect_assertion(getattr(checks, check), answer)
    assert "Hint:" in message, message
    assert word in message or "returned" in message, message


def test_python_max_on_an_array_gets_the_numpy_hint_in_any_check():
    message = _expect_assertion(checks.sigmoid_prime, lambda x: x if x > 0 else 0)
    assert "element by element" in message and "np.where" in message


def test_exercise_reader_matches_the_check_cells():
    for path in chapter_paths():
        graded = [e for e in coursework.exercises(path) if e.autograded]
        assert graded, f"{path.name}: no autograded exercise"
        for exercise in graded:
            assert exercise.answers and exercise.functions, (path.name, exercise.label)
            assert exercise.points > 0


def _checks_modules():
    """Every module of the lib.checks package, found on disk (a new one included)."""
    return [importlib.import_module(f"{checks.__name__}.{info.name}")
            for info in pkgutil.iter_modules(checks.__path__)]


def test_every_public_function_of_a_checks_module_is_a_registered_check():
    chapters = [m for m in _checks_modules() if not m.__name__.rpartition(".")[2]
                .startswith("_")]
    assert chapters, "lib.checks has no chapter module"
    found = {}
    for module in chapters:
        assert re.fullmatch(r"ch\d\d_[a-z0-9_]+", module.__name__.rpartition(".")[2]), (
            f"{module.__name__}: a checks module is named ch + its chapter's file stem")
        for name, obj in vars(module).items():
            if (not name.startswith("_") and inspect.isfunction(obj)
                    and obj.__module__ == module.__name__):
                assert checks.REGISTRY.get(name) is obj, (
                    f"{module.__name__}.{name} is public but not a check: decorate it "
                    "with @check, or make it private (_name)")
                found[name] = obj
    assert found == checks.REGISTRY, "REGISTRY holds a check that no checks module defines"
    for name, check in checks.REGISTRY.items():
        assert getattr(checks, name) is check, f"checks.{name} is not the registered check"
    assert set(checks.__all__) == set(checks.REGISTRY) | {"REGISTRY", "check"}


@pytest.mark.parametrize("name", sorted(checks.REGISTRY))
def test_a_failure_shows_one_short_frame_of_lib(name):
    import traceback

    check = checks.REGISTRY[name]
    try:
        check(_raises)
    except AssertionError as exc:
        frames = traceback.extract_tb(exc.__traceback__)
        assert exc.__cause__ is None and exc.__suppress_context__
    package = pathlib.Path(checks.__file__).parent
    in_lib = [f for f in frames if pathlib.Path(f.filename).parent == package]
    assert len(in_lib) == 1 and in_lib[0].name == "run", [f.name for f in frames]


def _a_check(fn):
    """A check made for the decorator's tests: right when fn(2) == 4."""
    if fn(2) != 4:
        raise AssertionError(f"_a_check: fn(2) gave {fn(2)}, expected 4. Hint: square it.")
    print("Correct: squared.")
    return "done"


def test_the_check_decorator_registers_and_keeps_the_message_and_the_result(capsys):
    def square(fn):
        return _a_check(fn)

    made = checks.check(square)
    try:
        assert checks.REGISTRY["square"] is made and made.__name__ == "square"
        assert made(lambda x: x * x) == "done"
        assert capsys.readouterr().out == "Correct: squared.\n"
        with pytest.raises(AssertionError) as info:
            made(lambda x: x + 1)
        assert str(info.value) == "_a_check: fn(2) gave 3, expected 4. Hint: square it."
        assert info.value.__cause__ is None and info.value.__suppress_context__
        assert checks.check(square) is not made, "redefined in its module: replaced"
    finally:
        del checks.REGISTRY["square"]


def test_the_check_decorator_refuses_what_no_check_cell_could_call():
    before = dict(checks.REGISTRY)

    def _private(fn):
        return None

    with pytest.raises(TypeError, match="function must be a function"):
        checks.check("relu")
    with pytest.raises(TypeError, match="function must be a function"):
        checks.check(print)
    with pytest.raises(ValueError, match="'_private'.*public"):
        checks.check(_private)
    with pytest.raises(ValueError, match="'<lambda>'"):
        checks.check(lambda fn: None)

    def relu(fn):  # the name of chapter 4's check, from another module
        return None

    with pytest.raises(ValueError, match="already a check of lib.checks.ch04_relu"):
        checks.check(relu)
    assert checks.REGISTRY == before


def test_elementwise_failure_names_the_worst_point():
    message = _expect_assertion(checks.sigmoid_prime, lambda x: (s := 1 / (1 + np.exp(-x)))
                                * (1 + s))
    # sigma (1 + sigma) is closest to the truth far left, where a first-point report
    # looks right ("gave 2.75364e-05, expected 2.75349e-05"); the worst point does not
    assert "sigmoid_prime(30) gave 2," in message and "largest error" in message


def test_single_precision_answer_is_accepted(capsys):
    checks.sigmoid_prime(lambda x: _right_sigmoid_prime(x).astype(np.float32))
    assert capsys.readouterr().out.startswith("Correct")


# ---------------------------------------------------------------- he_variance


@pytest.mark.parametrize("right", [
    lambda n, a: 2 / ((1 + a**2) * n),
    lambda n, a: np.float64(2.0) / (n + n * a * a),
    lambda n, a: torch.tensor(2.0 / ((1 + a**2) * n), dtype=torch.float64),
    lambda n, a: np.array([2.0 / ((1 + a**2) * n)])[0],
    lambda n, a: np.float32(2.0 / ((1 + a**2) * n)),
])
def test_he_variance_right_answers_confirmed(right, capsys):
    checks.he_variance(right)
    out = capsys.readouterr().out
    assert out.startswith("Correct") and "he_variance" in out and "slopes" in out


def test_he_variance_right_answer_matches_a_simulated_network():
    # the variance the check wants keeps the mean square of z' equal to Var(z)
    rng = np.random.default_rng(0)
    n_in, slope = 64, 0.25
    z = rng.normal(size=(20_000, n_in))
    f = np.where(z > 0, z, slope * z)
    W = rng.normal(scale=(2 / ((1 + slope**2) * n_in)) ** 0.5, size=(n_in, 256))
    assert abs((f @ W).var() - 1.0) < 0.03


@pytest.mark.parametrize(
    ("wrong", "words"),
    [
        (lambda n, a: 1 / ((1 + a**2) * n), ["he_variance(1, 0.0)", "half"]),
        (lambda n, a: 2 / n, ["he_variance(1, 0.01)", "slope^2"]),
        (lambda n, a: 2 / ((1 + a) * n), ["he_variance(1, 0.01)", "square the slope"]),
        (lambda n, a: (2 / n) ** 0.5, ["standard deviation"]),
        (lambda n, a: 1 / (3 * n), ["PyTorch's default"]),
        (lambda n, a: 2.0, ["he_variance(3, 0.0)", "n_in * Var(W)"]),
    ],
)
def test_he_variance_wrong_answer_has_hint(wrong, words, capsys):
    _expect_hint(checks.he_variance, wrong, words, capsys)


@pytest.mark.parametrize(
    "broken",
    [lambda n, a: None, lambda n, a: "2/n", lambda n, a: [2 / n, 1],
     lambda n, a: 1 / 0, lambda n: 2 / n, 3],
)
def test_he_variance_broken_answer_has_hint(broken, capsys):
    assert "Hint" in _expect_assertion(checks.he_variance, broken)
    assert "Correct" not in capsys.readouterr().out


def test_same_padding_refuses_a_float_that_output_size_would_reject():
    message = _expect_assertion(checks.same_padding, lambda k: (k - 1) / 2)
    assert "whole number" in message and "//" in message


def test_conv2d_accepts_a_float32_answer_at_single_precision():
    from lib import conv

    checks.conv2d(lambda x, w, s, p: conv.conv2d(x, w, stride=s, padding=p)
                  .astype(np.float32))


# ------------------------------------------------ the curse of dimensionality (ch. 1)
def _right_ball_volume(d):
    return math.pi ** (d / 2) / math.gamma(d / 2 + 1)


def _right_born_dead_share(width, depth, bias=0.0, trials=2000, seed=0):
    # the simulation the check itself uses, with a student's smaller budget and seed
    return ch05_dying_relu._born_dead_reference(width, depth, bias, trials=trials, seed=seed)


def test_born_dead_share_confirms_right_answers(capsys):
    checks.born_dead_share(_right_born_dead_share)
    checks.born_dead_share(lambda w, d, b: _right_born_dead_share(w, d, b, seed=7))
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda w, d, b=0.0: 2000 * _right_born_dead_share(w, d, b), ["share", "count"]),
        (lambda w, d, b=0.0: _right_born_dead_share(w, d + 1, b), ["depth - 1"]),
        (lambda w, d, b=0.0: _right_born_dead_share(w, d, 0.0), ["bias"]),
        (lambda w, d, b=0.0: ch05_dying_relu._born_dead_reference(w, d, b, trials=2000,
                                                         last_only=True),
         ["one hidden layer is all zero"]),
        (lambda w, d, b=0.0: 0.5, ["expected about"]),
    ],
)
def test_born_dead_share_wrong_answers_have_hints(wrong, words):
    message = _expect_assertion(checks.born_dead_share, wrong)
    for word in words:
        assert word in message


@pytest.mark.parametrize("answer", [None, "abc", lambda w, d, b: None,
                                    lambda w, d, b: "0.7", lambda w, d, b: 1 / 0])
def test_born_dead_share_broken_answers_get_a_sentence(answer):
    message = _expect_assertion(checks.born_dead_share, answer)
    assert "born_dead_share" in message


def _right_first_dim_below(v):
    d = 1
    while _right_ball_volume(d) >= v:
        d += 1
    return d


def test_new_dimensionality_checks_confirm_right_answers(capsys):
    checks.first_dim_below(_right_first_dim_below)
    checks.first_dim_below(lambda v: np.int64(_right_first_dim_below(v)))
    checks.half_shell_eps(lambda d: (1 - 2 ** (-1 / d)) / 2)
    checks.half_shell_eps(lambda d: np.float32((1 - 2 ** (-1 / d)) / 2))
    checks.first_dim_below(lambda v: float(_right_first_dim_below(v)))
    checks.half_shell_eps(_bisected_half_shell_eps)
    assert capsys.readouterr().out.count("Correct") == 6


def _bisected_half_shell_eps(d):
    # a numerical answer, as a student might find it: bisection to 1e-9
    low, high = 0.0, 0.5
    while high - low > 1e-9:
        mid = (low + high) / 2
        low, high = (mid, high) if (1 - 2 * mid) ** d > 0.5 else (low, mid)
    return (low + high) / 2


@pytest.mark.parametrize(("wrong", "words"), [
    (lambda v: max(1, _right_first_dim_below(v) - 1), "last dimension"),
    (lambda v: _right_first_dim_below(v) + 1, "one dimension earlier"),
    (lambda v: max(6, _right_first_dim_below(v)), "before the peak"),
    (lambda v: _right_ball_volume(_right_first_dim_below(v)), "not the volume"),
    (lambda v: None, "return"),
    (lambda v: 3, "try d = 1, 2, 3"),
    (lambda v: 0, "start at d = 1"),
], ids=["last-above", "one-late", "after-peak", "volume", "none", "other", "zero"])
def test_first_dim_below_wrong_answers_have_hints(wrong, words):
    message = _expect_assertion(checks.first_dim_below, wrong)
    assert words in message and "Hint:" in message


@pytest.mark.parametrize(("wrong", "words"), [
    (lambda d: 1 - 2 ** (-1 / d), "divide by 2"),
    (lambda d: 2 ** (-1 / d), "inner cube"),
    (lambda d: 2 ** (-1 / d) / 2, "how much of the side"),
    (lambda d: 0.25 / d, "not linear"),
    (lambda d: 0.1, "solve for eps"),
], ids=["one-side", "inner", "inner-half", "linear", "other"])
def test_half_shell_eps_wrong_answers_have_hints(wrong, words):
    message = _expect_assertion(checks.half_shell_eps, wrong)
    assert words in message and "Hint:" in message


# ================================================================ issue 15: regressions
# A wrong answer of any kind is an AssertionError with a hint; a right answer in any
# reasonable container passes. tests/test_lib_properties.py draws many more.


@pytest.mark.parametrize("text", [lambda s: str(1 / s), lambda s: [str(1 / s)],
                                  lambda s: np.array(str(1 / s)), lambda s: b"4.0"])
def test_issue15_1_a_number_given_as_text_is_wrong(text, capsys):
    # balancing_gain replaced the issue's gradient_bound, whose text answer passed
    message = _expect_assertion(checks.balancing_gain, text)
    assert "Hint:" in message and ("text" in message or "str" in message)
    assert "Correct" not in capsys.readouterr().out


@pytest.mark.parametrize("check", [checks.sigmoid_prime, checks.relu, checks.leaky_relu])
def test_issue15_1_a_list_of_strings_is_wrong(check):
    message = _expect_assertion(check, lambda x, *a: [str(v) for v in np.maximum(x, 0)])
    assert "text" in message and "Hint:" in message


@pytest.mark.parametrize("huge", [10**400, -(10**400), [10**400, 1]])
@pytest.mark.parametrize("check", [checks.balancing_gain, checks.he_variance,
                                   checks.sigmoid_prime, checks.count_pieces,
                                   checks.first_dim_below, checks.same_padding])
def test_issue15_1_a_number_too_large_for_a_float_is_wrong(check, huge):
    assert "Hint:" in _expect_assertion(check, lambda *a: huge)


def test_issue15_1_complex_numbers_are_wrong():
    message = _expect_assertion(checks.sigmoid_prime, lambda x: _right_sigmoid_prime(x) + 0j)
    assert "complex" in message


def _containers(value):
    """A right answer in the containers a student may return it in."""
    value = np.asarray(value)
    if value.dtype.kind in "iu":
        return {"numpy int32": value.astype(np.int32), "list": value.tolist(),
                "tensor": torch.tensor(value), "0-d or 1-element array": value.reshape(-1)
                if value.ndim == 0 else value}
    out = {"float32": value.astype(np.float32), "list": value.tolist(),
           "tensor": torch.tensor(value),
           "tensor that requires grad": torch.tensor(value, requires_grad=True) * 1.0,
           "float32 tensor": torch.tensor(value, dtype=torch.float32)}
    if value.ndim == 0:
        out["one-element list"] = [float(value)]
        out["Python float"] = float(value)
    return out


@pytest.mark.parametrize(
    ("chapter", "check", "fn", "answers"), REFERENCE_CALLS,
    ids=[f"{c}-{k}" for c, k, _, _ in REFERENCE_CALLS],
)
def test_issue15_1_a_right_answer_passes_in_any_container(chapter, check, fn, answers,
                                                          capsys):
    run, right = getattr(checks, check), _namespace(answers)[fn]
    if not callable(right):
        pytest.skip("a check of a value, not of a function")
    names = _containers(right(*_first_call(check)))
    for name in names:
        def wrapped(*args, name=name, **kwargs):
            return _containers(right(*args, **kwargs))[name]

        try:
            run(wrapped)
        except AssertionError as exc:
            pytest.fail(f"checks.{check}: the right answer as a {name} fails: {exc}")
    assert capsys.readouterr().out.count("Correct") == len(names)


def _first_call(check):
    """Arguments that check passes to the answer first (to learn the answer's kind)."""
    seen = []

    def spy(*args):
        seen.append(args)
        raise NotImplementedError

    with pytest.raises(AssertionError):
        getattr(checks, check)(spy)
    return seen[0]


# ================================================================ chapter 6, overfitting
# One block: the checks of "Overfitting and regularisation" (rms_error, ridge_fit,
# early_stopping_epoch), their right answers and the mistakes their hints name.


def _rms(w, x, t):
    return np.sqrt(np.mean((np.vander(x, len(w), increasing=True) @ w - t) ** 2))


def _ridge(x, t, M, lam):
    Phi = np.vander(x, M + 1, increasing=True)
    return np.linalg.solve(Phi.T @ Phi + lam * np.eye(M + 1), Phi.T @ t)


def _stop(val_loss, patience):
    best = 0
    for epoch in range(1, len(val_loss)):
        if val_loss[epoch] < val_loss[best]:
            best = epoch
        elif epoch - best >= patience:
            break
    return best


def test_overfitting_checks_pass_right_answers(capsys):
    checks.rms_error(_rms)
    checks.ridge_fit(_ridge)
    checks.early_stopping_epoch(_stop)
    assert capsys.readouterr().out.count("Correct") == 3


@pytest.mark.parametrize(("wrong", "words"), [
    (lambda w, x, t: _rms(w, x, t) ** 2, ["square root"]),
    (lambda w, x, t: np.sqrt(np.sum((np.vander(x, len(w), increasing=True) @ w - t) ** 2)),
     ["divide by the number"]),
    (lambda w, x, t: np.sqrt(np.mean((np.polyval(w, x) - t) ** 2)), ["polyval"]),
])
def test_rms_error_hints(wrong, words, capsys):
    _expect_hint(checks.rms_error, wrong, words, capsys)


@pytest.mark.parametrize(("wrong", "words"), [
    (lambda x, t, M, lam: _ridge(x, t, M, lam)[::-1], ["lowest power first"]),
    (lambda x, t, M, lam: _ridge(x, t, M, 2 * lam), ["halves cancel"]),
    (lambda x, t, M, lam: _ridge(x, t, M, lam)[:-1], ["M + 1"]),
    (lambda x, t, M, lam: np.linalg.lstsq(np.vander(x, M + 1, increasing=True), t,
                                          rcond=None)[0], ["without a penalty"]),
])
def test_ridge_fit_hints(wrong, words, capsys):
    _expect_hint(checks.ridge_fit, wrong, words, capsys)


def _stopped_at(val_loss, patience):
    return min(_stop(val_loss, patience) + patience, len(val_loss) - 1)


def _first_tie_missed(val_loss, patience):
    best = 0
    for epoch in range(1, len(val_loss)):
        if val_loss[epoch] <= val_loss[best]:
            best = epoch
        elif epoch - best >= patience:
            break
    return best


@pytest.mark.parametrize(("wrong", "words"), [
    (lambda v, p: int(np.argmin(v)), ["lowest loss of the whole curve"]),
    (_stopped_at, ["where training stops"]),
    (lambda v, p: _stop(v, p) + 1, ["off by one"]),
    (_first_tie_missed, ["tie"]),
    (lambda v, p: _stop(v, p + 1), ["one epoch late"]),
    (lambda v, p: _stop(v, p) - 1, ["off by one"]),
    (lambda v, p: float(np.min(v)), ["whole number"]),
])
def test_early_stopping_epoch_hints(wrong, words, capsys):
    _expect_hint(checks.early_stopping_epoch, wrong, words, capsys)


def test_early_stopping_epoch_hint_names_the_mistake_not_the_coincidence(capsys):
    # On [1.0, 0.8, 0.7, 0.7, 0.9, 0.6, 1.0, 1.1] with patience 2, keeping the last
    # tie and stopping one epoch late both give epoch 5, the lowest loss of the curve:
    # neither may be told that it took the whole curve's minimum.
    for wrong in (_first_tie_missed, lambda v, p: _stop(v, p + 1)):
        message = _expect_assertion(checks.early_stopping_epoch, wrong)
        assert "lowest loss of the whole curve" not in message, message


# ================================================================ chapter 7, dropout
# One block: the checks of "Dropout" (dropout_forward, paper_test_weights, mc_predict),
# their right answers and the mistakes their hints name.


def _inverted(x, p, rng):
    return x * (rng.random(x.shape) >= p) / (1 - p)


def _mc_no_restore(model, X, k):
    """Right values, but the model is left in train mode."""
    model.train()
    with torch.no_grad():
        probs = [torch.softmax(model(X), dim=1) for _ in range(k)]
    return torch.stack(probs).mean(dim=0).numpy()


def _mc(model, X, k):
    was_training = model.training
    probs = _mc_no_restore(model, X, k)
    model.train(was_training)
    return probs


def _mc_one_batch(model, X, k):
    """A right answer that draws in another order: X repeated k times, one pass."""
    was_training = model.training
    model.train()
    with torch.no_grad():
        out = torch.softmax(model(X.repeat(k, 1)), dim=1)
    model.train(was_training)
    return out.reshape(k, X.shape[0], -1).mean(dim=0)            # a tensor: accepted


def _mc_always_eval(model, X, k):
    """Right values, but the model is put in eval mode whatever its mode was."""
    probs = _mc(model, X, k)
    model.eval()
    return probs


def test_mc_predict_must_restore_the_mode(capsys):
    _expect_hint(checks.mc_predict, _mc_no_restore,
                 ["eval mode, left it in train mode", "model.train(was_training)"],
                 capsys)
    _expect_hint(checks.mc_predict, _mc_always_eval,
                 ["train mode, left it in eval mode", "model.train(was_training)"],
                 capsys)


def _paper_in_place(W, p):
    W *= p
    return W


def test_paper_test_weights_must_not_change_w(capsys):
    _expect_hint(checks.paper_test_weights, _paper_in_place, ["in place", "W * p"],
                 capsys)


def test_dropout_checks_pass_right_answers(capsys):
    checks.dropout_forward(_inverted)
    checks.dropout_forward(lambda x, p, rng: np.where(rng.uniform(size=x.shape) < p, 0.0,
                                                      x / (1 - p)).astype(np.float32))
    checks.paper_test_weights(lambda W, p: W * p)
    checks.mc_predict(_mc)
    checks.mc_predict(_mc_one_batch)
    out = capsys.readouterr().out
    assert out.count("Correct") == 5
    assert all(len(line) <= 80 for line in out.splitlines())


def _global_rng(x, p, rng):
    return x * (np.random.random(x.shape) >= p) / (1 - p)


def _in_place(x, p, rng):
    x *= (rng.random(x.shape) >= p) / (1 - p)
    return x


@pytest.mark.parametrize(("wrong", "words"), [
    (lambda x, p, rng: x * (rng.random(x.shape) >= p), ["1/(1-p)"]),
    (lambda x, p, rng: x * (rng.random(x.shape) >= p) / p, ["1/p", "DROPPING"]),
    (lambda x, p, rng: x * (rng.random(x.shape) >= p) * (1 - p), ["mixes the conventions"]),
    (lambda x, p, rng: x * (rng.random(x.shape) < p) / (1 - p), ["DROPPING"]),
    (lambda x, p, rng: x * (rng.random(x.shape) < p) / p, ["DROPPING"]),
    (_global_rng, ["not from np.random"]),
    (_in_place, ["in place"]),
    (lambda x, p, rng: x, ["dropped 0.000"]),
    (lambda x, p, rng: _inverted(x, p, rng).sum(), ["shape"]),
    (lambda x, p, rng: _inverted(x, p, rng) * (1 + (p == 0)), ["p = 0"]),
])
def test_dropout_forward_hints(wrong, words, capsys):
    _expect_hint(checks.dropout_forward, wrong, words, capsys)


@pytest.mark.parametrize(("wrong", "words"), [
    (lambda W, p: W / p, ["divides by p"]),
    (lambda W, p: W * (1 - p), ["RETAINING"]),
    (lambda W, p: W, ["unchanged"]),
    (lambda W, p: W.T * p, ["shape"]),
    (lambda W, p: W * p**2, ["W * p"]),
])
def test_paper_test_weights_hints(wrong, words, capsys):
    _expect_hint(checks.paper_test_weights, wrong, words, capsys)


def _mc_eval(model, X, k):
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(X), dim=1).numpy()


def _mc_logits(model, X, k):
    model.train()
    with torch.no_grad():
        return torch.softmax(torch.stack([model(X) for _ in range(k)]).mean(dim=0), dim=1)


def _mc_one_pass(model, X, k):
    return _mc(model, X, 1)


def _mc_fixed(model, X, k):
    return _mc(model, X, 50)


def _mc_no_softmax(model, X, k):
    model.train()
    with torch.no_grad():
        return torch.stack([model(X) for _ in range(k)]).mean(dim=0)


def _mc_sum(model, X, k):
    return _mc(model, X, k) * k


def _mc_stacked(model, X, k):
    model.train()
    with torch.no_grad():
        return torch.stack([torch.softmax(model(X), dim=1) for _ in range(k)])


def _mc_columns(model, X, k):
    return _mc(model, X, k).T


@pytest.mark.parametrize(("wrong", "words"), [
    (_mc_eval, ["model.train()"]),
    (_mc_logits, ["mean logits"]),
    (_mc_one_pass, ["k is the number of passes"]),
    (_mc_fixed, ["k is the number of passes"]),
    (_mc_no_softmax, ["sum to", "softmax"]),
    (_mc_sum, ["sum to"]),
    (_mc_stacked, ["shape"]),
    (_mc_columns, ["shape"]),
])
def test_mc_predict_hints(wrong, words, capsys):
    _expect_hint(checks.mc_predict, wrong, words, capsys)


def test_mc_predict_of_another_draw_order_that_is_wrong_fails(capsys):
    # the statistical route must not accept everything that draws in another order
    def logits_one_batch(model, X, k):
        model.train()
        with torch.no_grad():
            out = model(X.repeat(k, 1)).reshape(k, X.shape[0], -1).mean(dim=0)
        return torch.softmax(out, dim=1)

    _expect_hint(checks.mc_predict, logits_one_batch, ["mean logits"], capsys)

    def half_dropout(model, X, k):                     # every other pass in eval mode
        out = []
        with torch.no_grad():
            for i in range(k):
                model.train(i % 2 == 0)
                out.append(torch.softmax(model(X.repeat(2, 1)), dim=1)[: X.shape[0]])
        return torch.stack(out).mean(dim=0)

    _expect_hint(checks.mc_predict, half_dropout, ["Hint"], capsys)


@pytest.mark.parametrize("check", ["dropout_forward", "paper_test_weights", "mc_predict"])
@pytest.mark.parametrize("answer", [
    None, 3, "abc",
    lambda *a: None,
    lambda *a: "text",
    lambda *a: 1 / 0,
    lambda *a: {"x": 1},
    lambda *a: [[1, "a"]],
])
def test_dropout_checks_broken_answers_get_a_sentence(check, answer, capsys):
    message = _expect_assertion(getattr(checks, check), answer)
    assert "Hint" in message and check in message or "function" in message


@pytest.mark.parametrize("check", ["dropout_forward", "paper_test_weights", "mc_predict"])
def test_dropout_checks_name_the_empty_answer(check):
    def stub(*args):
        raise NotImplementedError()

    message = _expect_assertion(getattr(checks, check), stub)
    assert "not written yet" in message and check in message


# ================================================================ chapter 8, dropout in practice
# One block: the checks of "Dropout in practice, and Maxout" (maxout_forward, max_norm,
# mc_gap), their right answers and the mistakes their hints name.


def _maxout_loop(x, W, b):
    return np.max(np.stack([x @ W[j] + b[j] for j in range(W.shape[0])]), axis=0)


def _maxout_einsum(x, W, b):
    return torch.as_tensor(np.einsum("nd,kdm->nkm", x, W) + b).amax(dim=1).float()


def _max_norm_where(W, c):
    norms = np.linalg.norm(W, axis=1, keepdims=True)
    return np.where(norms > c, W * c / norms, W)


def _max_norm_torch(W, c):
    return torch.renorm(torch.as_tensor(W), p=2, dim=0, maxnorm=c)


def _mc_gap_lib(model, X, y, k):
    from lib.dropout import mc_predict

    probs = mc_predict(model, X, k)
    was = model.training
    model.eval()
    with torch.no_grad():
        scaled = model(X).argmax(dim=1).numpy()
    model.train(was)
    return np.mean(probs.argmax(axis=1) == y.numpy()) - np.mean(scaled == y.numpy())


def _mc_gap_loop(model, X, y, k, *, logits=False, sign=1, mode=True, percent=1):
    was = model.training
    model.train(mode)
    with torch.no_grad():
        outs = [model(X) for _ in range(k)]
        model.eval()
        scaled = (model(X).argmax(dim=1) == y).double().mean()
    model.train(was)
    mean = (torch.stack(outs).mean(dim=0) if logits
            else torch.stack([torch.softmax(o, dim=1) for o in outs]).mean(dim=0))
    return percent * sign * ((mean.argmax(dim=1) == y).double().mean() - scaled)


def _mc_gap_one_batch(model, X, y, k, *, logits=False):
    """Another draw order: X repeated k times in one pass."""
    was = model.training
    model.train()
    with torch.no_grad():
        out = model(X.repeat(k, 1)).reshape(k, X.shape[0], -1)
        model.eval()
        scaled = (model(X).argmax(dim=1) == y).float().mean()
    model.train(was)
    mean = out.mean(dim=0) if logits else torch.softmax(out, dim=2).mean(dim=0)
    return ((mean.argmax(dim=1) == y).float().mean() - scaled).item()


def _mc_gap_left_in_train(model, X, y, k):
    value = _mc_gap_loop(model, X, y, k)
    model.train()
    return value


def _mc_gap_ends_in_eval(model, X, y, k):
    """Right values, but the model always ends in eval mode."""
    value = _mc_gap_loop(model, X, y, k)
    model.eval()
    return value


def test_dropout_in_practice_checks_pass_right_answers(capsys):
    checks.maxout_forward(_maxout_loop)
    checks.maxout_forward(_maxout_einsum)                    # a float32 tensor, other axes
    checks.max_norm(_max_norm_where)
    checks.max_norm(_max_norm_torch)
    checks.mc_gap(_mc_gap_lib)
    checks.mc_gap(_mc_gap_loop)
    checks.mc_gap(_mc_gap_one_batch)                         # judged statistically
    out = capsys.readouterr().out
    assert out.count("Correct") == 7
    assert all(len(line) <= 80 for line in out.splitlines())


def _in_place_maxout(x, W, b):
    x *= 1.0
    W += 0.0
    b[...] = b
    out = _maxout_loop(x, W, b)
    x[0] = 99.0
    return out


def _pieces(x, W, b):
    return np.stack([x @ W[j] + b[j] for j in range(W.shape[0])])


@pytest.mark.parametrize(("wrong", "words"), [
    (lambda x, W, b: _pieces(x, W, b).max(axis=1), ["shape", "pieces"]),
    (lambda x, W, b: _pieces(x, W, b).max(axis=2), ["shape", "pieces"]),
    (lambda x, W, b: _pieces(x, W, b).sum(axis=0), ["SUM"]),
    (lambda x, W, b: _pieces(x, W, b).mean(axis=0), ["MEAN"]),
    (lambda x, W, b: _pieces(x, W, b).min(axis=0), ["MINIMUM"]),
    (lambda x, W, b: np.max(np.stack([x @ w for w in W]), axis=0), ["biases"]),
    (lambda x, W, b: np.maximum(x @ W[0] + b[0], 0.0), ["maximum"]),
    (_in_place_maxout, ["in place"]),
])
def test_maxout_forward_hints(wrong, words, capsys):
    _expect_hint(checks.maxout_forward, wrong, words, capsys)


def test_maxout_forward_hint_names_the_relu_case(capsys):
    def relu_only_wrong(x, W, b):                 # right, except in the ReLU case
        out = _maxout_loop(x, W, b)
        return out + 1.0 if W.shape[0] == 2 and not W[1].any() else out

    _expect_hint(checks.maxout_forward, relu_only_wrong, ["ReLU of piece 1"], capsys)


def _max_norm_in_place(W, c):
    norms = np.linalg.norm(W, axis=1, keepdims=True)
    W *= np.minimum(1.0, c / norms)
    return W


@pytest.mark.parametrize(("wrong", "words"), [
    (lambda W, c: W * np.minimum(1.0, c / np.linalg.norm(W, axis=0, keepdims=True)),
     ["COLUMNS"]),
    (lambda W, c: W * c / np.linalg.norm(W, axis=1, keepdims=True), ["short ones"]),
    (lambda W, c: np.clip(W, -c, c), ["clips each entry"]),
    (lambda W, c: W * min(1.0, c / np.linalg.norm(W)), ["Frobenius"]),
    (_max_norm_in_place, ["in place"]),
    (lambda W, c: W, ["min(1, c / norm)"]),
    (lambda W, c: W.T, ["shape"]),
])
def test_max_norm_hints(wrong, words, capsys):
    _expect_hint(checks.max_norm, wrong, words, capsys)


@pytest.mark.parametrize(("wrong", "words"), [
    (functools.partial(_mc_gap_loop, sign=-1), ["sign is reversed"]),
    (functools.partial(_mc_gap_loop, logits=True), ["LOGITS"]),
    (functools.partial(_mc_gap_one_batch, logits=True), ["LOGITS"]),
    (functools.partial(_mc_gap_loop, mode=False), ["dropout was off"]),
    (functools.partial(_mc_gap_loop, percent=100), ["percent"]),
    (_mc_gap_left_in_train, ["train mode"]),
    (_mc_gap_ends_in_eval, ["left the model in eval mode", "it was in train mode"]),
    (lambda model, X, y, k: _mc_gap_loop(model, X, y, 1), ["Hint"]),
    (lambda model, X, y, k: [0.5, 0.1], ["single number"]),
])
def test_mc_gap_hints(wrong, words, capsys):
    _expect_hint(checks.mc_gap, wrong, words, capsys)


@pytest.mark.parametrize("check", ["maxout_forward", "max_norm", "mc_gap"])
@pytest.mark.parametrize("answer", [
    None, 3, "abc",
    lambda *a: None,
    lambda *a: "text",
    lambda *a: 1 / 0,
    lambda *a: {"x": 1},
    lambda *a: [[1, "a"]],
])
def test_dropout_in_practice_checks_broken_answers_get_a_sentence(check, answer, capsys):
    message = _expect_assertion(getattr(checks, check), answer)
    assert "Hint" in message and check in message or "function" in message


@pytest.mark.parametrize("check", ["maxout_forward", "max_norm", "mc_gap"])
def test_dropout_in_practice_checks_name_the_empty_answer(check):
    def stub(*args):
        raise NotImplementedError()

    message = _expect_assertion(getattr(checks, check), stub)
    assert "not written yet" in message and check in message


# One block: the checks of "A CNN with ReLU and dropout" (conv_stack_shape,
# cnn_parameters, per_class_accuracy), their right answers and the mistakes their
# hints name.


def _stack_shape_loop(input_shape, filters, k, p, pool, *, floor=True, pad=True,
                      pooling=True, channels=-1, one=1, ceil=False, hwc=False):
    _, h, w = input_shape
    for _ in filters:
        h, w = h + 2 * (p if pad else 0) - k + one, w + 2 * (p if pad else 0) - k + one
        if pooling and ceil:
            h, w = math.ceil(h / pool), math.ceil(w / pool)
        elif pooling:
            h, w = (h // pool, w // pool) if floor else (h / pool, w / pool)
    c = filters[channels] if channels is not None else input_shape[0]
    return (h, w, c) if hwc else (c, h, w)


def _stack_shape_torch(input_shape, filters, k, p, pool):
    """Another right form: measured with torch's layers, returned as a tensor."""
    h = torch.zeros(1, *input_shape)
    for f in filters:
        h = torch.nn.functional.max_pool2d(
            torch.nn.Conv2d(h.shape[1], f, k, padding=p)(h), pool)
    return torch.tensor(h.shape[1:])


def _cnn_parameters_torch(input_shape, filters, k, p, pool, hidden, classes):
    """Another right form: count the parameters of torch's own layers."""
    layers, channels = [], input_shape[0]
    for f in filters:
        layers += [torch.nn.Conv2d(channels, f, k, padding=p), torch.nn.MaxPool2d(pool)]
        channels = f
    body = torch.nn.Sequential(*layers)
    width = body(torch.zeros(1, *input_shape)).numel()
    for units in ([hidden] if hidden else []) + [classes]:
        layers.append(torch.nn.Linear(width, units))
        width = units
    return sum(q.numel() for q in torch.nn.Sequential(*layers).parameters())


def _cnn_parameters_formula(input_shape, filters, k, p, pool, hidden, classes, *,
                            biases=True, sharing=True, chained=True):
    total, channels = 0, input_shape[0]
    _, h, w = input_shape
    for f in filters:
        h, w = h + 2 * p - k + 1, w + 2 * p - k + 1
        total += f * channels * k * k * (1 if sharing else h * w) + (f if biases else 0)
        channels = f if chained else channels
        h, w = h // pool, w // pool
    width = filters[-1] * h * w
    for units in ([hidden] if hidden else []) + [classes]:
        total += width * units + (units if biases else 0)
        width = units
    return total


def _per_class_loop(y_true, y_pred, n):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return np.array([np.mean(y_pred[y_true == c] == c) if np.any(y_true == c)
                     else np.nan for c in range(n)])


def _per_class_confusion(y_true, y_pred, n):
    """Another right form: the diagonal of a row-normalised confusion matrix, as a
    list, from torch."""
    cm = torch.zeros(n, n, dtype=torch.float64)
    for t, q in zip(y_true, y_pred):
        cm[int(t), int(q)] += 1
    return (cm.diagonal() / cm.sum(dim=1)).tolist()          # 0 / 0 gives nan


def test_cnn_checks_pass_right_answers(capsys):
    checks.conv_stack_shape(_stack_shape_loop)
    checks.conv_stack_shape(_stack_shape_torch)
    checks.cnn_parameters(_cnn_parameters_formula)
    checks.cnn_parameters(_cnn_parameters_torch)
    checks.per_class_accuracy(_per_class_loop)
    checks.per_class_accuracy(_per_class_confusion)
    assert capsys.readouterr().out.count("Correct") == 6


@pytest.mark.parametrize(("wrong", "words"), [
    (functools.partial(_stack_shape_loop, floor=False), ["rounding DOWN"]),
    (functools.partial(_stack_shape_loop, pad=False), ["padding is missing"]),
    (functools.partial(_stack_shape_loop, pooling=False), ["pooling is missing"]),
    (functools.partial(_stack_shape_loop, channels=0), ["LAST block"]),
    (functools.partial(_stack_shape_loop, channels=None), ["not the input's"]),
    (functools.partial(_stack_shape_loop, one=0), ['"+ 1" is missing']),
    (functools.partial(_stack_shape_loop, one=0, pad=False), ["per block"]),
    (functools.partial(_stack_shape_loop, ceil=True), ["not up"]),
    (functools.partial(_stack_shape_loop, hwc=True), ["(height, width, channels)"]),
    (lambda s, f, k, p, pool: _stack_shape_loop(s, f, k, p, pool, pad=pool > 1),
     ["per block"]),
    (lambda *a: (1, 2, 3), ["per block"]),
    (lambda *a: (4, 8), ["three numbers"]),
])
def test_conv_stack_shape_hints(wrong, words, capsys):
    _expect_hint(checks.conv_stack_shape, wrong, words, capsys)


def test_conv_stack_shape_does_not_blame_the_padding_for_a_missing_plus_one():
    # (h + 2p - k) // pool and (h - k + 1) // pool agree on the first case
    message = _expect_assertion(checks.conv_stack_shape,
                                functools.partial(_stack_shape_loop, one=0))
    assert "padding is missing" not in message


@pytest.mark.parametrize(("wrong", "words"), [
    (functools.partial(_cnn_parameters_formula, biases=False), ["biases are missing"]),
    (functools.partial(_cnn_parameters_formula, sharing=False), ["shared"]),
    (functools.partial(_cnn_parameters_formula, chained=False), ["FIRST block"]),
    (lambda *a: 811, ["count each conv block"]),
    (lambda s, f, k, p, pool, hidden, classes: _cnn_parameters_formula(
        s, f, k, p, pool, hidden, classes, biases=len(f) > 1),
     ["count each conv block"]),
    (lambda *a: [811, 1], ["single number"]),
])
def test_cnn_parameters_hints(wrong, words, capsys):
    _expect_hint(checks.cnn_parameters, wrong, words, capsys)


def _per_class_in_place(y_true, y_pred, n):
    y_pred[:] = y_true                        # would make every class perfect
    return _per_class_loop(y_true, y_pred, n)


def _per_class_precision(y_true, y_pred, n):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return np.array([np.mean(y_true[y_pred == c] == c) if np.any(y_pred == c)
                     else np.nan for c in range(n)])


@pytest.mark.parametrize(("wrong", "words"), [
    (_per_class_precision, ["precision"]),
    (lambda t, q, n: np.nan_to_num(_per_class_loop(t, q, n)), ["nan"]),
    (lambda t, q, n: np.full(n, np.mean(np.asarray(t) == np.asarray(q))),
     ["overall accuracy"]),
    (lambda t, q, n: np.mean(np.asarray(t) == np.asarray(q)), ["one number per class"]),
    (lambda t, q, n: 1 - _per_class_loop(t, q, n), ["share that equal c"]),
    (lambda t, q, n: np.array([np.mean(np.asarray(q)[np.asarray(t) == c] == c)
                               for c in np.unique(t)]),
     ["one entry per class 0, 1, ..., n_classes - 1", "including classes without"]),
    # the precision on the first cases only: no single mistake, no named hint
    (lambda t, q, n: (_per_class_precision(t, q, n) if n == 3
                      else np.nan_to_num(_per_class_loop(t, q, n))),
     ["share that equal c"]),
])
def test_per_class_accuracy_hints(wrong, words, capsys):
    _expect_hint(checks.per_class_accuracy, wrong, words, capsys)


def test_per_class_accuracy_cannot_be_fooled_by_changing_its_input(capsys):
    # the reference is computed from the check's own copies, not the answer's
    _expect_hint(checks.per_class_accuracy, _per_class_in_place, ["Hint"], capsys)


@pytest.mark.parametrize("check", ["conv_stack_shape", "cnn_parameters",
                                   "per_class_accuracy"])
def test_cnn_checks_name_the_empty_answer(check):
    def stub(*args):
        raise NotImplementedError()

    message = _expect_assertion(getattr(checks, check), stub)
    assert "not written yet" in message and check in message
