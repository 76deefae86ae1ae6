"""Checks that the chapters' exercise cells call: ``checks.NAME(answer)``.

Each check prints a short confirmation when the answer is right. When it is wrong it
raises AssertionError with a sentence and a hint, never a traceback from inside lib:
a function that raises, returns None or the wrong shape is described, not re-raised.

One module per chapter, named after the chapter's file: ``ch04_relu`` holds the checks
of ``chapters/04_relu.ipynb``. Each check is decorated with ``check``, which registers
it in ``REGISTRY`` (name -> check); the helpers they share are in ``_common``.
Introduced with the exercises of chapter "Sigmoid and the vanishing gradient".
"""

from lib.checks._common import REGISTRY, check
from lib.checks.ch01_dimensionality import first_dim_below, half_shell_eps
from lib.checks.ch02_convolution import conv2d, output_size, same_padding
from lib.checks.ch03_sigmoid_vanishing_gradients import balancing_gain, sigmoid_prime
from lib.checks.ch04_relu import count_pieces, he_variance, predicted_sparsity, relu, relu_prime
from lib.checks.ch05_dying_relu import born_dead_share, count_dead, leaky_relu, leaky_relu_prime
from lib.checks.ch06_overfitting import early_stopping_epoch, ridge_fit, rms_error
from lib.checks.ch07_dropout import dropout_forward, mc_predict, paper_test_weights
from lib.checks.ch08_dropout_in_practice import max_norm, maxout_forward, mc_gap
from lib.checks.ch09_cnn import cnn_parameters, conv_stack_shape, per_class_accuracy

__all__ = [
    "REGISTRY", "check",
    "first_dim_below", "half_shell_eps",
    "conv2d", "output_size", "same_padding",
    "balancing_gain", "sigmoid_prime",
    "count_pieces", "he_variance", "predicted_sparsity", "relu", "relu_prime",
    "born_dead_share", "count_dead", "leaky_relu", "leaky_relu_prime",
    "early_stopping_epoch", "ridge_fit", "rms_error",
    "dropout_forward", "mc_predict", "paper_test_weights",
    "max_norm", "maxout_forward", "mc_gap",
    "cnn_parameters", "conv_stack_shape", "per_class_accuracy",
]
