"""Each bijector of the flow, alone and chained, against the math.

Subjects (see conftest): the five stages of ``five_stage_flow(seed=0)``, their chain, and
standalone ``ShiftAndCube`` and ``Rotation2D`` at other parameters, each in float32 and
float64 at several batch shapes, on seeded points well inside the flow's range.
"""

import math

import numpy as np
import pytest
import tensorflow as tf

import flowdocs
from flowdocs import checks

CUSTOM_BIJECTORS = (flowdocs.ShiftAndCube, flowdocs.Rotation2D)


def test_round_trip_on_a_copy_recovers_the_points(subject, tolerance, record_figure):
    errors = {
        start: checks.round_trip_error(
            subject.bijector, subject.x if start == "x" else subject.y, start=start
        )
        for start in subject.starts
    }
    for start, error in errors.items():
        record_figure(f"round_trip_error[{start}]", error)
    assert max(errors.values()) <= tolerance.round_trip, f"relative errors by start: {errors}"


def test_forward_log_det_matches_autodiff_jacobian(subject, tolerance, record_figure):
    error = checks.log_det_error(subject.bijector, subject.x)
    record_figure("log_det_error", error)
    assert error <= tolerance.log_det, f"forward log-det vs autodiff: {error:.2e}"


def test_forward_log_det_is_minus_inverse_log_det(subject, tolerance, record_figure):
    error = checks.inverse_log_det_error(subject.bijector, subject.x)
    record_figure("inverse_log_det_error", error)
    assert error <= tolerance.log_det, f"forward + inverse log-det: {error:.2e}"


def test_outputs_keep_the_input_dtype(subject, dtype, helpers):
    assert helpers.output_dtypes(subject.bijector, subject.x) == {dtype}


@pytest.mark.parametrize("bijector_class", CUSTOM_BIJECTORS)
@pytest.mark.parametrize("size", [1, 3])
@pytest.mark.parametrize("method", ["forward", "inverse", "forward_log_det_jacobian"])
def test_wrong_event_size_raises_naming_size_2(bijector_class, size, method, dtype):
    bijector = bijector_class(tf.constant(0.5, dtype))
    points = np.zeros([4, size], dtype.as_numpy_dtype)
    kwargs = {"event_ndims": 1} if method.endswith("jacobian") else {}
    with pytest.raises(ValueError, match="last dimension of size 2"):
        getattr(bijector, method)(points, **kwargs)


@pytest.mark.parametrize("bijector_class", CUSTOM_BIJECTORS)
@pytest.mark.parametrize("validate_args", [False, True])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_parameter_raises_when_built_whatever_validate_args(
    bijector_class, value, validate_args, dtype
):
    """A parameter known at construction is refused there (issue 11, item 11)."""
    with pytest.raises(ValueError, match="must be finite"):
        bijector_class(tf.constant(value, dtype), validate_args=validate_args)
    with pytest.raises(ValueError, match="must be finite"):
        bijector_class(value, validate_args=validate_args)


@pytest.mark.parametrize("bijector_class", CUSTOM_BIJECTORS)
def test_non_finite_variable_raises_when_used_with_validate_args(bijector_class, dtype):
    parameter = tf.Variable(1.0, dtype=dtype)
    bijector = bijector_class(parameter, validate_args=True)
    points = np.ones([3, 2], dtype.as_numpy_dtype)
    bijector.forward(points)  # finite: fine
    parameter.assign(math.nan)
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be finite"):
        bijector.forward(points)


@pytest.mark.parametrize("bijector_class", CUSTOM_BIJECTORS)
def test_parameter_dtype_sets_the_bijector_dtype(bijector_class, dtype):
    assert bijector_class(tf.constant(0.5, dtype)).dtype == dtype
    assert bijector_class(0.5).dtype == tf.float32


def test_custom_bijectors_match_their_closed_forms(dtype):
    """The maps themselves, at points where the answer is known by hand."""
    x = np.array([[1.0, 2.0], [-2.0, 0.5], [0.0, -1.0]], dtype.as_numpy_dtype)
    sheared = flowdocs.ShiftAndCube(tf.constant(3.0, dtype)).forward(x).numpy()
    np.testing.assert_allclose(sheared, [[1.0, 5.0], [-2.0, -23.5], [0.0, -1.0]])
    quarter_turn = flowdocs.Rotation2D(tf.constant(math.pi / 2, dtype)).forward(x).numpy()
    np.testing.assert_allclose(quarter_turn, [[-2.0, 1.0], [-0.5, -2.0], [1.0, 0.0]], atol=1e-6)


@pytest.mark.parametrize("bijector_class", CUSTOM_BIJECTORS)
def test_a_batch_of_parameters_broadcasts_against_one_point(bijector_class, dtype):
    """Three parameters and one point give three images, each the single-parameter one."""
    values = [0.5, 1.0, 2.0]
    point = tf.constant([[0.7, -1.2]], dtype)
    batched = bijector_class(tf.constant(values, dtype))
    assert batched.experimental_batch_shape() == [3]
    for method in ("forward", "inverse"):
        images = getattr(batched, method)(point).numpy()
        singles = [getattr(bijector_class(tf.constant(v, dtype)), method)(point)[0] for v in values]
        np.testing.assert_allclose(images, np.stack(singles), rtol=1e-6)
