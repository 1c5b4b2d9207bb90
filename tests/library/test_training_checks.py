"""The checks every fit runs first, called directly: what they accept and what they refuse.

``fit`` exercises them through its own arguments (tests/library/test_fitting.py); here each
check is called on its own, as a fit written later (reverse KL, flow matching) will call it,
so that its contract holds whoever calls it.
"""

import re

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp
import tf_keras

import flowdocs
from flowdocs.training_checks import check_training_arguments, checked_data, trainable_variables

tfd = tfp.distributions

GOOD = {"steps": 10, "learning_rate": 1e-2, "batch_size": 32, "seed": 0, "progress": True}


def arguments(**changes):
    return {**GOOD, **changes}


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"steps": np.int64(3), "seed": np.int32(-5), "batch_size": None},
        {"learning_rate": np.float32(0.5), "progress": False},
        {"learning_rate": 1, "progress": 7},
        {"learning_rate": tf_keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)},
    ],
)
def test_good_arguments_pass(changes):
    assert check_training_arguments(**arguments(**changes)) is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("steps", 0),
        ("steps", -1),
        ("steps", 2.0),
        ("steps", True),
        ("steps", "10"),
        ("learning_rate", 0.0),
        ("learning_rate", -1e-3),
        ("learning_rate", float("nan")),
        ("learning_rate", float("inf")),
        ("learning_rate", True),
        ("learning_rate", "0.1"),
        ("learning_rate", tf.constant(0.1)),
        ("batch_size", 0),
        ("batch_size", 1.5),
        ("batch_size", False),
        ("seed", 0.0),
        ("seed", None),
        ("seed", True),
        ("progress", 0),
        ("progress", -3),
        ("progress", 2.5),
        ("progress", None),
    ],
)
def test_each_bad_argument_is_refused_by_name(name, value):
    with pytest.raises(ValueError, match=rf"^{name} must be .*got {re.escape(repr(value))}"):
        check_training_arguments(**arguments(**{name: value}))


def gaussian(dims=2, dtype=tf.float32):
    loc = tf.Variable(tf.zeros([dims], dtype), name="loc")
    return tfd.MultivariateNormalDiag(loc=loc, scale_diag=tf.ones([dims], dtype))


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_checked_data_converts_to_the_distributions_dtype(dtype):
    data = [[1, 2], [3, 4], [5, 6]]  # a list of ints
    tensor = checked_data(gaussian(dtype=dtype), data)
    assert tensor.dtype == dtype
    np.testing.assert_array_equal(tensor.numpy(), data)


def test_checked_data_takes_scalar_events_as_a_vector():
    normal = tfd.Normal(tf.Variable(0.0), 1.0)
    assert checked_data(normal, np.arange(4.0)).shape == (4,)
    with pytest.raises(ValueError, match=r"shape \[n, \]: .* got shape \[4, 1\]"):
        checked_data(normal, np.zeros((4, 1)))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (np.zeros((5, 3)), r"shape \[n, 2\].*got shape \[5, 3\]"),
        (np.zeros(5), r"shape \[n, 2\].*got shape \[5\]"),
        (np.zeros((2, 5, 2)), r"shape \[n, 2\].*got shape \[2, 5, 2\]"),
        (np.zeros((0, 2)), "holds no points"),
        ([[1.0, np.nan], [0.0, 0.0]], "1 NaN and 0 infinite values, in 1 of 2 points"),
        ([[np.inf, -np.inf], [np.nan, 0.0]], "1 NaN and 2 infinite values, in 2 of 2 points"),
        (np.ones((3, 2)) * 1j, "real numbers; got complex values"),
        ([["a", "b"]], "array of numbers"),
        ([[1.0, 2.0], [3.0]], "array of numbers"),
    ],
)
def test_checked_data_refuses_bad_data_saying_what_was_expected(data, message):
    with pytest.raises(ValueError, match=message):
        checked_data(gaussian(), data)


def test_checked_data_refuses_a_batch_of_distributions():
    batch = tfd.MultivariateNormalDiag(loc=tf.Variable(tf.zeros([3, 2])))
    with pytest.raises(ValueError, match=r"batch shape \(3,\)"):
        checked_data(batch, np.zeros((4, 2)))


def test_trainable_variables_creates_the_variables_of_keras_layers_first():
    network = tfp.bijectors.AutoregressiveNetwork(params=2, hidden_units=[4])
    model = tfd.TransformedDistribution(
        tfd.MultivariateNormalDiag(loc=tf.zeros(2)), tfp.bijectors.MaskedAutoregressiveFlow(network)
    )
    assert not model.trainable_variables  # a Keras layer is built on its first call
    variables = trainable_variables(model, checked_data(model, np.zeros((4, 2))))
    assert len(variables) == len(network.trainable_variables) == 4


def test_trainable_variables_refuses_a_model_with_nothing_to_fit():
    fixed = flowdocs.five_stage_flow(seed=0).distribution
    data = checked_data(fixed, np.full((3, 2), 0.5))
    with pytest.raises(ValueError, match="no trainable variables"):
        trainable_variables(fixed, data)


def test_trainable_variables_refuses_data_outside_the_support_and_counts_it():
    model = flowdocs.five_stage_flow(seed=0, trainable=True).distribution
    data = checked_data(model, [[0.5, 0.5], [1.0, 0.5], [0.5, 0.0], [1.5, 0.2]])
    with pytest.raises(ValueError, match=r"^3 of 4 data points have zero density"):
        trainable_variables(model, data)


def test_trainable_variables_refuses_nan_and_unbounded_likelihoods():
    data = tf.constant([1.0, 2.0])

    class Constant(tfd.Normal):
        """A Normal whose log_prob is one constant value everywhere."""

        def __init__(self, value):
            super().__init__(tf.Variable(0.0), 1.0)
            self.value = value

        def _log_prob(self, x):
            return tf.fill(tf.shape(x), tf.constant(self.value, x.dtype))

    with pytest.raises(ValueError, match=r"^log_prob is NaN at 2 of 2 data points"):
        trainable_variables(Constant(np.nan), data)
    with pytest.raises(ValueError, match=r"^log_prob is \+inf at 2 of 2 data points"):
        trainable_variables(Constant(np.inf), data)
    with pytest.raises(ValueError, match=r"^2 of 2 data points have zero density"):
        trainable_variables(Constant(-np.inf), data)
    assert len(trainable_variables(Constant(-1.0), data)) == 1
