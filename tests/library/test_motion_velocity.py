"""The motion of the five-stage flow as a velocity field: ``partial_velocity`` is the time
derivative of ``partial_map`` (against central differences and the rotation's closed
form), and ``motion_log_det``, the integral of the field's divergence along a path, is
each stage's log-determinant (the instantaneous change of variables), or refuses to
answer where its rule cannot be trusted.
"""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

import flowdocs
from flowdocs.bijectors import Rotation2D, Sigmoid, partial_map, partial_velocity
from flowdocs.continuous import motion_log_det

RNG = np.random.default_rng(7)
POINTS = RNG.uniform(-2.0, 2.0, size=(64, 2))


def float64_stages():
    """The five maps of the flow with their parameters in float64."""
    flow = flowdocs.five_stage_flow()
    return {
        "shift": tfp.bijectors.Shift(tf.constant([0.6, -1.1], tf.float64)),
        "scale": tfp.bijectors.Scale(tf.constant([1.5, 2.0], tf.float64)),
        "shift_and_cube": flowdocs.ShiftAndCube(tf.constant(0.4, tf.float64)),
        "rotation": Rotation2D(tf.constant(0.8, tf.float64)),
        "sigmoid": Sigmoid(),
    } | {"five_stage_names": [stage.name for stage in flow.stages]}


STAGES = {k: v for k, v in float64_stages().items() if k != "five_stage_names"}


def test_the_stages_are_those_of_the_five_stage_flow():
    assert list(STAGES) == float64_stages()["five_stage_names"]


@pytest.mark.parametrize("name", list(STAGES))
@pytest.mark.parametrize("t", [0.1, 0.5, 0.9])
def test_partial_velocity_is_the_time_derivative_of_partial_map(name, t):
    bijector, y, h = STAGES[name], tf.constant(POINTS), 1e-6
    central = (partial_map(bijector, t + h)(y) - partial_map(bijector, t - h)(y)) / (2 * h)
    velocity = partial_velocity(bijector, t)(y)
    assert velocity.shape == y.shape
    assert velocity.dtype == tf.float64
    np.testing.assert_allclose(velocity, central, rtol=1e-7, atol=1e-8)


def test_the_rotation_moves_a_quarter_turn_ahead_of_its_position():
    angle, t = 0.8, 0.25
    y = POINTS
    phi = t * angle
    turn = np.array([[np.cos(phi), -np.sin(phi)], [np.sin(phi), np.cos(phi)]])
    generator = np.array([[0.0, -1.0], [1.0, 0.0]])
    expected = angle * y @ (generator @ turn).T
    np.testing.assert_allclose(partial_velocity(STAGES["rotation"], t)(tf.constant(y)), expected)
    # The speed is the angle times the distance from the origin, and the motion is
    # perpendicular to the position.
    position = partial_map(STAGES["rotation"], t)(tf.constant(y)).numpy()
    np.testing.assert_allclose(np.sum(expected * position, -1), 0.0, atol=1e-12)


def test_partial_velocity_refuses_t_outside_the_stage():
    for t in (-0.1, 1.5, np.nan):
        with pytest.raises(ValueError, match="t must lie between 0"):
            partial_velocity(STAGES["shift"], t)
        with pytest.raises(ValueError, match="t must lie between 0"):
            partial_velocity(STAGES["rotation"], t)


def test_partial_velocity_refuses_a_family_with_its_own_partial_map_and_no_velocity():
    class Stretch(tfp.bijectors.Scale):
        pass

    class Curved(tfp.bijectors.Exp):
        pass

    @partial_map.register(Curved)
    def _(bijector, t):  # not linear in t: the default velocity would be wrong
        return lambda z: z * (1 + t**2 * (tf.exp(z) / z - 1))

    # A subclass of a registered family inherits its rules; a new rule needs its own.
    assert partial_velocity(Stretch(2.0), 0.5)(tf.constant([[1.0, 1.0]])).numpy().tolist() == [
        [1.0, 1.0]
    ]
    with pytest.raises(NotImplementedError, match="Curved has its own partial_map rule"):
        partial_velocity(Curved(), 0.5)


@pytest.mark.parametrize("name", ["shift", "scale", "shift_and_cube", "rotation"])
def test_motion_log_det_is_the_stage_log_det_along_the_flows_own_samples(name):
    flow = flowdocs.five_stage_flow()
    k = [stage.name for stage in flow.stages].index(name)
    bijector = flow.stages[k].bijector
    y = flow.staged_samples(300, seed=4)[k].astype(np.float32)
    exact = bijector.forward_log_det_jacobian(y, event_ndims=1)
    np.testing.assert_allclose(motion_log_det(bijector, y), exact * np.ones(300), atol=2e-6)


def test_motion_log_det_of_the_sigmoid_near_zero_in_float64():
    y = tf.constant(RNG.uniform(-3.0, 3.0, size=(200, 2)))
    exact = Sigmoid().forward_log_det_jacobian(y, event_ndims=1)
    assert float(tf.reduce_min(exact)) < -5.5  # not only the easy middle
    np.testing.assert_allclose(motion_log_det(Sigmoid(), y), exact, atol=1e-8)


def test_motion_log_det_refuses_where_its_rule_cannot_be_trusted():
    y = tf.constant([[0.5, 0.0], [30.0, -25.0]], tf.float64)  # sigmoid' ~ 1e-13 far out
    with pytest.raises(FloatingPointError, match="1 of 2 points change by up to"):
        motion_log_det(Sigmoid(), y)


@pytest.mark.parametrize(
    ("y", "nodes", "message"),
    [
        (POINTS, 0, "nodes must be a positive integer"),
        (POINTS, True, "nodes must be a positive integer"),
        (POINTS, 2.5, "nodes must be a positive integer"),
        (np.zeros((4, 3)), 8, r"shape \[n, 2\]; got shape \[4, 3\]"),
        (np.zeros(2), 8, r"shape \[n, 2\]; got shape \[2\]"),
        (np.array([[np.nan, 0.0]]), 8, "must be finite"),
        (np.array([[np.inf, 0.0]]), 8, "must be finite"),
        (tf.zeros((2, 2), tf.int32), 8, "bijector's dtype float64"),
        (tf.zeros((2, 2), tf.float32), 8, "bijector's dtype float64"),
    ],
)
def test_motion_log_det_refuses_bad_input(y, nodes, message):
    with pytest.raises(ValueError, match=message):
        motion_log_det(STAGES["scale"], y, nodes=nodes)


def test_motion_log_det_of_no_points_is_empty():
    assert motion_log_det(STAGES["rotation"], np.zeros((0, 2))).shape == (0,)


def test_partial_velocity_of_a_batch_of_bijectors_matches_each_one():
    """A batch of parameters moves each point by its own bijector's velocity."""
    t, h = 0.3, 1e-6
    y = tf.constant(POINTS[:2])
    for batched in (
        Rotation2D(tf.constant([0.5, 1.0], tf.float64)),
        tfp.bijectors.Scale(tf.constant([[1.5, 2.0], [0.5, 3.0]], tf.float64)),
        flowdocs.ShiftAndCube(tf.constant([0.4, -1.0], tf.float64)),
    ):
        central = (partial_map(batched, t + h)(y) - partial_map(batched, t - h)(y)) / (2 * h)
        velocity = partial_velocity(batched, t)(y)
        assert velocity.shape == (2, 2)
        np.testing.assert_allclose(velocity, central, rtol=1e-7, atol=1e-8)
