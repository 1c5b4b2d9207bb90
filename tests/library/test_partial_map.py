"""partial_map: the map a fraction t of the way from the identity to a bijector.

t = 0 is the identity and t = 1 the bijector, for every registered family and for the
default blend; points are fresh copies, so TFP's cache cannot answer for the map.
"""

import math

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

import flowdocs
from flowdocs.bijectors import Sigmoid, partial_map

tfb = tfp.bijectors

BIJECTORS = {
    "Shift": lambda dtype: tfb.Shift(tf.constant([0.5, -2.0], dtype)),
    "Scale": lambda dtype: tfb.Scale(tf.constant([2.0, 0.3], dtype)),
    "ShiftAndCube": lambda dtype: flowdocs.ShiftAndCube(tf.constant(2.7, dtype)),
    "Rotation2D": lambda dtype: flowdocs.Rotation2D(tf.constant(1.9, dtype)),
    "Sigmoid (blend)": lambda dtype: Sigmoid(),
    "Exp (blend)": lambda dtype: tfb.Exp(),
}


def points(dtype, seed=0):
    """Fresh points, shape [3, 5, 2]: a new tensor on every call."""
    values = np.random.default_rng(seed).normal(scale=1.5, size=(3, 5, 2))
    return tf.constant(values, dtype)


@pytest.fixture(params=BIJECTORS)
def bijector(request, dtype):
    return BIJECTORS[request.param](dtype)


def test_t_zero_is_the_identity(bijector, dtype):
    x = points(dtype)
    moved = partial_map(bijector, 0.0)(x)
    assert moved.dtype == dtype
    np.testing.assert_array_equal(moved.numpy(), x.numpy())


def test_t_one_is_the_bijector(bijector, dtype, tolerance):
    full = partial_map(bijector, 1.0)(points(dtype))
    expected = bijector.forward(points(dtype))  # another fresh copy
    assert full.shape == expected.shape
    np.testing.assert_allclose(full.numpy(), expected.numpy(), rtol=tolerance.round_trip)


def test_each_family_grows_its_parameter(dtype):
    x = points(dtype)
    half = {name: partial_map(make(dtype), 0.5)(x).numpy() for name, make in BIJECTORS.items()}
    a, b = x.numpy()[..., 0], x.numpy()[..., 1]
    np.testing.assert_allclose(half["Shift"], x.numpy() + np.array([0.25, -1.0]), rtol=1e-6)
    np.testing.assert_allclose(half["Scale"], x.numpy() * [1.5, 0.65], rtol=1e-6)
    np.testing.assert_allclose(half["ShiftAndCube"][..., 1], b + 1.35 * a**3, rtol=1e-5)
    rotated = flowdocs.Rotation2D(tf.constant(0.95, dtype)).forward(points(dtype))
    np.testing.assert_allclose(half["Rotation2D"], rotated.numpy(), rtol=1e-5, atol=1e-6)
    sigma = 1 / (1 + np.exp(-x.numpy()))
    np.testing.assert_allclose(half["Sigmoid (blend)"], 0.5 * x.numpy() + 0.5 * sigma, rtol=1e-5)


def test_a_subclass_follows_its_family():
    class Stronger(flowdocs.ShiftAndCube):
        pass

    x = points(tf.float64)
    moved = partial_map(Stronger(tf.constant(2.0, tf.float64)), 0.25)(x)
    np.testing.assert_allclose(
        moved.numpy()[..., 1], x.numpy()[..., 1] + 0.5 * x.numpy()[..., 0] ** 3
    )


def test_a_new_family_registers_its_own_rule():
    class Turn(tfb.Bijector):
        def __init__(self):
            super().__init__(forward_min_event_ndims=1, name="turn")

        def _forward(self, x):
            return tf.stack([-x[..., 1], x[..., 0]], axis=-1)

    @partial_map.register(Turn)
    def _(bijector, t):
        return flowdocs.Rotation2D(t * math.pi / 2).forward

    moved = partial_map(Turn(), 1.0)(tf.constant([[1.0, 0.0]]))
    np.testing.assert_allclose(moved.numpy(), [[0.0, 1.0]], atol=1e-6)


@pytest.mark.parametrize("t", [-0.1, 1.5, math.nan])
@pytest.mark.parametrize("name", ["Shift", "Sigmoid (blend)"])
def test_t_outside_zero_one_is_refused(name, t):
    with pytest.raises(ValueError, match=r"t must lie between 0 .* and 1"):
        partial_map(BIJECTORS[name](tf.float32), t)
