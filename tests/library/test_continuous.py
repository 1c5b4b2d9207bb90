"""Continuous flows: the velocity field, ``cnf_flow`` and its Euler discretisation.

The ODE's log-density must be the change of variables: the exact trace against an
autodiff Jacobian, the whole map's log-det against autodiff through the solver, mass 1 on
a grid, samples against the density, the inverse against the forward map on a copy, and
the Euler steps' sum of log-dets (eq. 6 for K maps) tending to the ODE's as K grows.
"""

import itertools

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from flowdocs import checks
from flowdocs.continuous import (
    ContinuousFlow,
    VelocityField,
    _euler_step,
    cnf_flow,
    euler_flow,
    euler_log_prob,
    euler_path,
    flow_until,
)

tfb = tfp.bijectors

BOX = ((-3.0, 3.0), (-3.0, 3.0))


@pytest.fixture(scope="module", params=[tf.float32, tf.float64], ids=["float32", "float64"])
def flow(request):
    """An untrained continuous flow: Glorot weights everywhere, so a nontrivial field."""
    return cnf_flow(hidden_units=(16, 16), seed=3, rtol=1e-6, atol=1e-6, dtype=request.param)


def points(n=64, seed=0, dtype=tf.float32):
    return tf.constant(np.random.default_rng(seed).normal(0, 0.7, (n, 2)), dtype)


def test_the_exact_trace_is_the_trace_of_the_autodiff_jacobian(flow):
    velocity, z, t = flow.bijector.velocity, points(dtype=flow.dtype), 0.3
    augmented = tfb.ffjord.trace_jacobian_exact(velocity, z.shape, z.dtype)
    v, diagonal = augmented(tf.constant(t, flow.dtype), (z, tf.zeros(z.shape[:1], flow.dtype)))
    with tf.GradientTape() as tape:
        tape.watch(z)
        expected_v = velocity(t, z)
    jacobian = tape.batch_jacobian(expected_v, z)
    np.testing.assert_allclose(v, expected_v, rtol=1e-6)
    np.testing.assert_allclose(
        tf.reduce_sum(diagonal, -1), tf.linalg.trace(jacobian), rtol=1e-5, atol=1e-6
    )


def test_the_flows_log_det_is_the_autodiff_one_through_the_solver(flow):
    tolerance = 1e-3 if flow.dtype == tf.float32 else 1e-5
    assert checks.log_det_error(flow.bijector, points(16, dtype=flow.dtype)) < tolerance


def test_the_inverse_undoes_the_forward_map_on_a_copy(flow):
    tolerance = 1e-4 if flow.dtype == tf.float32 else 1e-6
    assert checks.round_trip_error(flow.bijector, points(32, dtype=flow.dtype)) < tolerance
    assert checks.inverse_log_det_error(flow.bijector, points(32, dtype=flow.dtype)) < tolerance


def test_the_density_has_total_mass_one(flow):
    mass = checks.probability_mass(flow, BOX, resolution=100)
    assert abs(mass - 1) < 0.02, mass


def test_samples_follow_the_density(flow):
    samples = flow.sample(4000, seed=(1, 2))
    agreement = checks.histogram_agreement(flow, samples, BOX, bins=12)
    assert agreement.bins_used >= 20
    assert agreement.max_abs_z < 4.5, agreement


def test_euler_steps_tend_to_the_ode_as_their_number_grows(flow):
    z = points(32, dtype=flow.dtype)
    x = flow.bijector.forward(z)
    log_det = flow.bijector.forward_log_det_jacobian(tf.identity(z), event_ndims=1)
    errors = []
    for steps in (4, 16, 64):
        end, euler_log_det = euler_flow(flow.bijector.velocity, z, steps)
        errors.append(
            (
                float(tf.reduce_max(tf.abs(end - x))),
                float(tf.reduce_max(tf.abs(euler_log_det - log_det))),
            )
        )
    for coarse, fine in itertools.pairwise(errors):
        # First order: four times the steps, about a quarter of the error.
        assert fine[0] < coarse[0] / 2.5, errors
        assert fine[1] < coarse[1] / 2.5, errors


def test_one_euler_step_log_det_is_the_autodiff_log_det_of_that_map():
    velocity = VelocityField((8,), seed=1)
    z = points(16)
    end, log_det = euler_flow(velocity, z, 1)
    step = tfb.Inline(
        forward_fn=lambda u: u + velocity(0.0, u),
        forward_log_det_jacobian_fn=lambda u: euler_flow(velocity, u, 1)[1],
        inverse_fn=lambda y: y,
        forward_min_event_ndims=1,
        name="euler_step",
    )
    np.testing.assert_allclose(end, z + velocity(0.0, z), rtol=1e-6)
    np.testing.assert_allclose(log_det, checks.autodiff_log_det(step, z), atol=1e-5)


def test_log_prob_works_inside_tf_function_with_an_unknown_batch_size():
    flow = cnf_flow(hidden_units=(8,), seed=0)
    log_prob = tf.function(flow.log_prob, input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    x = points(5)
    np.testing.assert_allclose(log_prob(x), flow.log_prob(x), atol=1e-5)


def test_the_velocity_field_takes_any_batch_shape_and_times_per_point():
    velocity = VelocityField((8,), seed=0)
    z = tf.reshape(points(12), [3, 4, 2])
    assert velocity(0.5, z).shape == (3, 4, 2)
    per_point = velocity(tf.fill([3, 4], 0.5), z)
    np.testing.assert_allclose(per_point, velocity(0.5, z), rtol=1e-6)
    np.testing.assert_allclose(velocity(tf.fill([3, 4, 1], 0.5), z), per_point, rtol=1e-6)


def test_the_same_seed_gives_the_same_field_and_another_seed_another():
    z = points(4)
    same = [VelocityField((8,), seed=5)(0.1, z) for _ in range(2)]
    np.testing.assert_array_equal(*same)
    assert not np.allclose(same[0], VelocityField((8,), seed=6)(0.1, z))
    assert not np.allclose(VelocityField((8,), seed=-1)(0.1, z), same[0])


def test_a_cnf_flow_is_a_transformed_distribution_with_named_velocity():
    flow = cnf_flow(hidden_units=(8,), seed=0, dtype=tf.float64)
    assert isinstance(flow.bijector, ContinuousFlow)
    assert flow.event_shape == [2]
    assert flow.dtype == tf.float64
    assert len(flow.trainable_variables) == 4  # two dense layers: kernels and biases


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"rtol": 0.0}, "rtol must be a positive finite number"),
        ({"atol": -1e-3}, "atol must be a positive finite number"),
        ({"rtol": float("nan")}, "rtol must be a positive finite number"),
        ({"atol": float("inf")}, "atol must be a positive finite number"),
        ({"rtol": "1e-5"}, "rtol must be a positive finite number"),
        ({"hidden_units": ()}, "non-empty sequence of positive integers"),
        ({"hidden_units": (8, 0)}, "non-empty sequence of positive integers"),
        ({"hidden_units": (8.0,)}, "non-empty sequence of positive integers"),
        ({"hidden_units": 8}, "sequence of positive integers"),
        ({"seed": 2**40}, "int32 range"),
        ({"seed": 1.5}, "seed must be"),
        ({"dtype": tf.int32}, "dtype must be tf.float32 or tf.float64"),
        ({"dtype": "float16"}, "dtype must be tf.float32 or tf.float64"),
    ],
)
def test_bad_arguments_are_refused_by_name(arguments, message):
    with pytest.raises(ValueError, match=message):
        cnf_flow(**arguments)


@pytest.mark.parametrize(
    ("z", "steps", "message"),
    [
        (np.zeros((4, 3)), 4, r"shape \[n, 2\]"),
        (np.zeros(2), 4, r"shape \[n, 2\]"),
        ([[0.0, np.nan]], 4, "NaN or infinite"),
        ([[np.inf, 0.0]], 4, "NaN or infinite"),
        (np.zeros((4, 2)), 0, "steps must be a positive integer"),
        (np.zeros((4, 2)), 2.0, "steps must be a positive integer"),
        (np.zeros((4, 2)), True, "steps must be a positive integer"),
    ],
)
def test_euler_flow_refuses_bad_points_and_step_counts(z, steps, message):
    with pytest.raises(ValueError, match=message):
        euler_flow(VelocityField((4,), seed=0), z, steps)
    with pytest.raises(ValueError, match=message):
        euler_path(VelocityField((4,), seed=0), z, steps)


def test_euler_path_keeps_every_step_and_ends_where_euler_flow_does():
    velocity = VelocityField((8,), seed=3)
    z = np.random.default_rng(2).normal(size=(50, 2)).astype(np.float32)
    points = euler_path(velocity, z, 5)
    assert points.shape == (6, 50, 2)
    np.testing.assert_array_equal(points[0], z)
    np.testing.assert_allclose(points[-1], euler_flow(velocity, z, 5)[0], rtol=1e-5, atol=1e-6)
    # Each step moves by h v(t_k, z_k).
    k = 2
    step = points[k] + 0.2 * velocity(tf.constant(k / 5), points[k])
    np.testing.assert_allclose(points[k + 1], step, rtol=1e-6)
    assert euler_path(velocity, np.zeros((0, 2)), 3).shape == (4, 0, 2)


def test_euler_flow_of_no_points_is_empty():
    end, log_det = euler_flow(VelocityField((4,), seed=0), np.zeros((0, 2)), 3)
    assert end.shape == (0, 2)
    assert log_det.shape == (0,)


def test_euler_flow_compiles_its_step_once_per_field():
    velocity = VelocityField(hidden_units=(8,), seed=0)
    z = tf.zeros([3, 2])
    euler_flow(velocity, z, 2)
    step = _euler_step(velocity, tf.float32)
    euler_flow(velocity, z, 3)
    assert _euler_step(velocity, tf.float32) is step
    other = VelocityField(hidden_units=(8,), seed=1)
    assert _euler_step(other, tf.float32) is not step


def test_euler_log_prob_tends_to_the_ode_log_prob_as_the_steps_grow(flow):
    x = flow.sample(64, seed=(4, 1))
    exact = flow.log_prob(x)
    errors = [
        float(tf.reduce_max(tf.abs(euler_log_prob(flow, x, steps) - exact)))
        for steps in (4, 16, 64)
    ]
    for coarse, fine in itertools.pairwise(errors):
        assert fine < coarse / 2.5, errors  # first order: a quarter per fourfold steps
    assert errors[-1] < 0.02, errors


def test_euler_log_prob_is_the_base_density_at_the_inverse_map_and_its_autodiff_log_det():
    model = cnf_flow(hidden_units=(8,), seed=2, dtype=tf.float64)
    velocity, h = model.bijector.velocity, 0.5
    x = points(20, seed=5, dtype=tf.float64)

    def inverse_map(u):  # two Euler steps backwards in time, written out
        u = u - h * velocity(tf.constant(1.0, tf.float64), u)
        return u - h * velocity(tf.constant(0.5, tf.float64), u)

    with tf.GradientTape() as tape:
        tape.watch(x)
        z = inverse_map(x)
    log_det = tf.math.log(tf.abs(tf.linalg.det(tape.batch_jacobian(z, x))))
    expected = model.distribution.log_prob(z) + log_det
    np.testing.assert_allclose(euler_log_prob(model, x, 2), expected, rtol=1e-6)


def test_euler_log_prob_is_a_density_of_mass_one():
    model = cnf_flow(hidden_units=(16, 16), seed=3)

    def four_steps(u):  # the log-density of four Euler steps, of NumPy points
        return euler_log_prob(model, u.astype(np.float32), 4).numpy()

    mass = checks.probability_mass(four_steps, BOX, resolution=100)
    assert abs(mass - 1) < 0.02, mass


@pytest.mark.parametrize(
    ("model", "x", "steps", "message"),
    [
        ("flow", np.zeros((4, 3)), 4, r"shape \[n, 2\]"),
        ("flow", [[np.nan, 0.0]], 4, "NaN or infinite"),
        ("flow", np.zeros((4, 2)), 0, "steps must be a positive integer"),
        ("gaussian", np.zeros((4, 2)), 4, "continuous flow from flowdocs.cnf_flow"),
    ],
)
def test_euler_log_prob_refuses_bad_input(model, x, steps, message):
    model = (
        cnf_flow(hidden_units=(4,), seed=0)
        if model == "flow"
        else tfp.distributions.MultivariateNormalDiag(tf.zeros(2))
    )
    with pytest.raises(ValueError, match=message):
        euler_log_prob(model, x, steps)


def test_euler_log_prob_of_no_points_is_empty():
    assert euler_log_prob(cnf_flow(hidden_units=(4,), seed=0), np.zeros((0, 2)), 3).shape == (0,)


def test_flow_until_one_is_the_flow_and_until_t_matches_euler_steps_to_t(flow):
    x = points(16, dtype=flow.dtype)
    np.testing.assert_allclose(flow_until(flow, 1.0).log_prob(x), flow.log_prob(x), rtol=1e-5)
    half = flow_until(flow, 0.5)
    z = points(16, seed=3, dtype=flow.dtype)
    moved = half.bijector.forward(z)
    h = 0.5 / 256  # 256 Euler steps from t = 0 to t = 1/2
    expected = z
    for k in range(256):
        expected = expected + h * flow.bijector.velocity(tf.constant(k * h, flow.dtype), expected)
    np.testing.assert_allclose(moved, expected, atol=2e-3)


def test_flow_until_half_is_a_density_of_mass_one():
    model = cnf_flow(hidden_units=(16, 16), seed=3, rtol=1e-5, atol=1e-5)
    mass = checks.probability_mass(flow_until(model, 0.5), BOX, resolution=80)
    assert abs(mass - 1) < 0.02, mass
    samples = flow_until(model, 0.5).sample(3000, seed=(2, 2))
    agreement = checks.histogram_agreement(flow_until(model, 0.5), samples, BOX, bins=10)
    assert agreement.max_abs_z < 4.5, agreement


@pytest.mark.parametrize("t", [0.0, -0.5, 1.5, float("nan"), "half", True])
def test_flow_until_refuses_times_outside_zero_to_one(t):
    with pytest.raises(ValueError, match=r"t must be a number in \(0, 1\]"):
        flow_until(cnf_flow(hidden_units=(4,), seed=0), t)


def test_flow_until_refuses_a_model_that_is_not_a_continuous_flow():
    with pytest.raises(ValueError, match=r"continuous flow from flowdocs\.cnf_flow"):
        flow_until(tfp.distributions.MultivariateNormalDiag(tf.zeros(2)), 0.5)


def test_flow_until_log_prob_works_inside_tf_function_with_an_unknown_batch_size():
    model = cnf_flow(hidden_units=(8,), seed=0)
    half = flow_until(model, 0.5)
    log_prob = tf.function(half.log_prob, input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    x = points(5)
    np.testing.assert_allclose(log_prob(x), half.log_prob(x), atol=1e-5)


def test_euler_log_prob_refuses_infinite_points_and_takes_float64_fields():
    with pytest.raises(ValueError, match="NaN or infinite"):
        euler_log_prob(cnf_flow(hidden_units=(4,), seed=0), [[np.inf, 0.0]], 2)
    model = cnf_flow(hidden_units=(4,), seed=0, dtype=tf.float64)
    assert euler_log_prob(model, np.zeros((3, 2)), 2).dtype == tf.float64
