"""Bad and edge inputs to every public function: a correct value or a clear error, never a
silent wrong answer, a NaN or a deep TensorFlow trace.

Each test names what it feeds (NaN, inf, zero, negative, wrong event size, empty,
integer, float16 and complex dtypes, unknown static shapes inside ``tf.function``, odd
seeds) and what must come back. Where an error is the answer, its message must name the
argument and what was expected.
"""

import math

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

import flowdocs

tfb = tfp.bijectors
CUSTOM = {"ShiftAndCube": flowdocs.ShiftAndCube, "Rotation2D": flowdocs.Rotation2D}
PARAMETER = {"ShiftAndCube": "strength", "Rotation2D": "angle"}


# --------------------------------------------------------------------------- bijectors


@pytest.mark.parametrize("name", CUSTOM)
@pytest.mark.parametrize("compile_with", ["eager", "tf.function", "xla"])
def test_validated_bijectors_work_in_eager_graphs_and_xla(name, compile_with, dtype):
    """validate_args=True used to hand an eager assertion to later graphs (TypeError)."""
    bijector = CUSTOM[name](tf.constant(0.7, dtype), validate_args=True)
    x = tf.constant([[0.3, -1.2], [2.0, 0.5]], dtype)

    def both(points):
        return bijector.forward(points), bijector.inverse_log_det_jacobian(points, event_ndims=1)

    run = {
        "eager": both,
        "tf.function": tf.function(both),
        "xla": tf.function(both, jit_compile=True),
    }[compile_with]
    y, log_det = run(x)
    np.testing.assert_allclose(y.numpy(), bijector.forward(x + 0.0).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(log_det.numpy(), np.zeros(2))


@pytest.mark.parametrize("compile_with", ["eager", "tf.function", "xla"])
def test_validated_flow_samples_and_scores_in_eager_graphs_and_xla(compile_with):
    flow = flowdocs.five_stage_flow(seed=0, validate_args=True)
    x, log_p = flow.sample_and_log_prob(10)
    assert np.all(np.isfinite(log_p.numpy()))
    score = {
        "eager": flow.distribution.log_prob,
        "tf.function": tf.function(flow.distribution.log_prob),
        "xla": tf.function(flow.distribution.log_prob, jit_compile=True),
    }[compile_with]
    inside = np.clip(x.numpy(), 0.01, 0.99)
    np.testing.assert_allclose(
        score(tf.constant(inside)).numpy(), flow.distribution.log_prob(inside).numpy(), rtol=1e-5
    )


@pytest.mark.parametrize("name", CUSTOM)
def test_a_validated_variable_turned_nan_raises_inside_tf_function(name, dtype):
    parameter = tf.Variable(1.0, dtype=dtype)
    forward = tf.function(CUSTOM[name](parameter, validate_args=True).forward)
    forward(tf.ones([2, 2], dtype))
    parameter.assign(math.nan)
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be finite"):
        forward(tf.ones([2, 2], dtype))


@pytest.mark.parametrize("name", CUSTOM)
@pytest.mark.parametrize("validate_args", [False, True])
def test_unknown_event_size_is_checked_when_the_graph_runs(name, validate_args):
    """A [4, 3] input through a [None, None] signature used to lose its third coordinate."""
    bijector = CUSTOM[name](0.5, validate_args=validate_args)
    spec = tf.TensorSpec([None, None], tf.float32)
    for method in ("forward", "inverse"):
        run = tf.function(getattr(bijector, method), input_signature=[spec])
        assert run(tf.ones([4, 2])).shape == (4, 2)
        with pytest.raises(tf.errors.InvalidArgumentError, match="last dimension of size 2"):
            run(tf.ones([4, 3]))


def test_the_shear_is_not_declared_affine():
    """TFP reads is_constant_jacobian as 'affine' and pushed moments through the shear:
    var(x_b) after f3 came out 2.05 where Monte Carlo gives about 147."""
    assert not flowdocs.ShiftAndCube(1.0).is_constant_jacobian
    assert flowdocs.Rotation2D(1.0).is_constant_jacobian  # a rotation is linear
    after_shear = flowdocs.five_stage_flow(seed=0, dtype=tf.float64).distribution_after(3)
    for moment in ("mean", "covariance"):
        with pytest.raises(NotImplementedError, match="non-affine"):
            getattr(after_shear, moment)()
    np.testing.assert_array_equal(
        flowdocs.ShiftAndCube(2.0).forward_log_det_jacobian(tf.ones([5, 2]), event_ndims=1),
        np.zeros(5),
    )


def test_moments_that_tfp_can_compute_stay_right():
    """Shift and scale are affine: the mean after them is the pushed-forward mean."""
    after_scale = flowdocs.five_stage_flow(seed=0, dtype=tf.float64).distribution_after(2)
    np.testing.assert_allclose(after_scale.mean().numpy(), [0.0, -3.0])


@pytest.mark.parametrize("name", CUSTOM)
@pytest.mark.parametrize(
    "value", [np.int64(2), 2, np.array(3, np.int32)], ids=["np.int64", "int", "np-int32-array"]
)
def test_integer_numbers_become_float32(name, value):
    bijector = CUSTOM[name](value)
    assert bijector.dtype == tf.float32
    expected = CUSTOM[name](float(value)).forward(tf.ones([1, 2]))
    np.testing.assert_allclose(bijector.forward(tf.ones([1, 2])).numpy(), expected.numpy())


@pytest.mark.parametrize("name", CUSTOM)
@pytest.mark.parametrize(
    "value",
    [tf.constant(1), tf.constant(1.0, tf.float16), tf.Variable(1), 1 + 2j, "one", None, True],
    ids=["int32-tensor", "float16", "int-variable", "complex", "string", "None", "bool"],
)
def test_parameters_that_are_not_float32_or_float64_numbers_are_refused(name, value):
    with pytest.raises(ValueError, match=f"`{PARAMETER[name]}` must be"):
        CUSTOM[name](value)


@pytest.mark.parametrize("name", CUSTOM)
def test_parameter_shapes_follow_the_event_shape(name):
    """shape_fn gave [5, 2] for outputs [5, 2]; one value per 2-vector event means [5]."""
    properties = CUSTOM[name].parameter_properties()[PARAMETER[name]]
    assert list(properties.shape_fn(tf.TensorShape([5, 2]))) == [5]
    bijector = CUSTOM[name](tf.fill(properties.shape_fn(tf.TensorShape([5, 2])), 0.5))
    assert bijector.experimental_batch_shape() == [5]
    assert bijector.forward(tf.ones([5, 2])).shape == (5, 2)


def test_the_sigmoid_gradient_stays_finite_past_its_overflow():
    """TFP's sigmoid forward has a NaN gradient once exp(x) overflows (x > 88.7, float32)."""
    x = tf.constant([[-100.0, -30.0], [0.0, 30.0], [89.0, 1000.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        ours = flowdocs.bijectors.Sigmoid().forward(x)
        theirs = tfb.Sigmoid().forward(x)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert np.all(np.isfinite(tape.gradient(ours, x).numpy()))
    assert not np.all(np.isfinite(tape.gradient(theirs, x).numpy()))  # the defect we avoid


# --------------------------------------------------------------------------- the flow


def test_gradients_through_sample_and_log_prob_are_finite():
    """NaN gradients in 12 of 20 float32 batches of 1,000 before the sigmoid fix."""
    flow = flowdocs.five_stage_flow(seed=0, trainable=True)
    variables = flow.distribution.trainable_variables
    for seed in range(20):
        with tf.GradientTape() as tape:
            _, log_p = flow.sample_and_log_prob(1000, seed=seed)
            loss = -tf.reduce_mean(log_p)
        for gradient in tape.gradient(loss, variables):
            assert np.all(np.isfinite(gradient.numpy())), f"seed {seed}"


def test_a_masked_point_on_the_edge_leaves_the_other_gradients_finite():
    """log_prob of a point on the edge of the square is -inf; masking it with tf.where must
    not poison the gradient of every parameter (the 'double where' inside log_prob)."""
    flow = flowdocs.five_stage_flow(seed=0, trainable=True)
    points = tf.constant([[0.5, 0.5], [1.0, 0.5], [0.3, 0.0]])
    with tf.GradientTape() as tape:
        log_p = flow.distribution.log_prob(points)
        loss = -tf.reduce_sum(tf.where(tf.math.is_finite(log_p), log_p, 0.0))
    assert list(np.isfinite(log_p.numpy())) == [True, False, False]
    gradients = tape.gradient(loss, flow.distribution.trainable_variables)
    assert all(np.all(np.isfinite(g.numpy())) for g in gradients)
    assert any(np.any(g.numpy() != 0) for g in gradients)


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ([np.inf, 0.5], -np.inf),
        ([0.5, -np.inf], -np.inf),
        ([1.0, 0.5], -np.inf),
        ([1.5, 0.5], -np.inf),
        ([np.nan, 0.5], np.nan),
        ([np.nan, np.inf], np.nan),
    ],
)
def test_log_prob_off_the_support_is_minus_inf_and_nan_stays_nan(point, expected, dtype):
    flow = flowdocs.five_stage_flow(seed=0, dtype=dtype)
    log_p = flow.distribution.log_prob(np.array([point, [0.5, 0.5]], dtype.as_numpy_dtype))
    np.testing.assert_array_equal(log_p.numpy()[0], expected)
    assert np.isfinite(log_p.numpy()[1])


@pytest.mark.parametrize("k", [-1, 6, 10, 2.5, "2", True])
def test_chain_and_distribution_after_refuse_a_stage_count_out_of_range(k):
    """chain(-1) silently dropped the sigmoid; chain(10) ignored k."""
    flow = flowdocs.five_stage_flow(seed=0)
    for method in (flow.chain, flow.distribution_after, flow.composition):
        with pytest.raises(ValueError, match="k must be"):
            method(k)


@pytest.mark.parametrize("k", [0, 3, 5, np.int64(4)])
def test_chain_accepts_every_stage_count(k):
    flow = flowdocs.five_stage_flow(seed=0)
    assert len(flow.chain(k).bijectors) == int(k)


@pytest.mark.parametrize("n", [0, -1, 2.5, "10", None, True, np.float64(3)])
def test_sampling_refuses_a_count_that_is_not_a_positive_integer(n):
    """staged_samples(2.5) returned 2 points; staged_samples(-1) failed deep in TF."""
    flow = flowdocs.five_stage_flow(seed=0)
    for method in (flow.staged_samples, flow.sample_and_log_prob):
        with pytest.raises(ValueError, match="n must be a positive integer"):
            method(n)


@pytest.mark.parametrize(
    ("argument", "value", "message"),
    [
        ("shift", (math.nan, 0.0), "`shift` must be finite"),
        ("shift", (0.0, math.inf), "`shift` must be finite"),
        ("scale", (math.inf, 1.0), "`scale` must be finite"),
        ("scale", (0.0, 1.0), "`scale` must have no zero entry"),
        ("scale", (1.0, 2.0, 3.0), "`scale` must be a number or 2 numbers"),
        ("shift", [[0.0, 1.0, 2.0]], "`shift` must be a number or 2 numbers"),
        ("strength", math.nan, "`strength` must be finite"),
        ("angle", math.inf, "`angle` must be finite"),
        ("strength", "big", "`strength` must be real numbers"),
        ("shift", (1j, 0.0), "`shift` must be real numbers"),
    ],
)
@pytest.mark.parametrize("validate_args", [False, True])
def test_five_stage_flow_refuses_bad_numbers_when_built(argument, value, message, validate_args):
    with pytest.raises(ValueError, match=message):
        flowdocs.five_stage_flow(seed=0, validate_args=validate_args, **{argument: value})


@pytest.mark.parametrize("dtype", [tf.float16, tf.int32, tf.complex64])
def test_five_stage_flow_refuses_dtypes_other_than_float32_and_float64(dtype):
    with pytest.raises(ValueError, match=r"dtype must be tf\.float32 or tf\.float64"):
        flowdocs.five_stage_flow(seed=0, dtype=dtype)


def test_integer_parameters_of_the_flow_are_cast_to_its_dtype():
    flow = flowdocs.five_stage_flow(seed=0, shift=(1, -2), scale=(2, 3), strength=3, angle=1)
    same = flowdocs.five_stage_flow(seed=0, shift=(1.0, -2.0), scale=(2.0, 3.0), strength=3.0,
                                    angle=1.0)  # fmt: skip
    np.testing.assert_array_equal(
        flow.staged_samples(50, seed=1)[-1], same.staged_samples(50, seed=1)[-1]
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"loc": math.nan}, "`loc` must be finite"),
        ({"scale": 0.0}, "`scale` must have only positive entries"),
        ({"scale": (-1.0, 1.0)}, "`scale` must have only positive entries"),
        ({"scale": (1.0, 1.0, 1.0)}, "`scale` must be a number or 2 numbers"),
        ({"loc": [[0.0, 1.0, 2.0]]}, "`loc` must be a number or 2 numbers"),
    ],
)
def test_base_distribution_refuses_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        flowdocs.base_distribution(**kwargs)


def test_flow_refuses_stages_that_are_not_stages():
    with pytest.raises(ValueError, match=r"must be a flowdocs\.Stage"):
        flowdocs.Flow(flowdocs.base_distribution(), [tfb.Shift([1.0, 0.0])])


# --------------------------------------------------------------------------- seeds


@pytest.mark.parametrize("seed", [2**31, 2**40, -(2**31) - 1])
def test_seeds_outside_int32_are_refused_rather_than_wrapped(seed):
    """seed=2**40 used to give the samples of seed 0."""
    flow = flowdocs.five_stage_flow(seed=0)
    with pytest.raises(ValueError, match="int32 range"):
        flow.sample_and_log_prob(5, seed=seed)
    with pytest.raises(ValueError, match="int32 range"):
        flow.staged_samples(5, seed=seed)


@pytest.mark.parametrize("seed", [0, 2**31 - 1, -(2**31), np.int64(7), [3, 4], (3, 4)])
def test_seeds_in_range_and_pairs_are_honoured_and_reproducible(seed):
    flow = flowdocs.five_stage_flow(seed=0)
    first, second = flow.staged_samples(5, seed=seed), flow.staged_samples(5, seed=seed)
    np.testing.assert_array_equal(first[-1], second[-1])


def test_different_large_seeds_give_different_samples():
    flow = flowdocs.five_stage_flow(seed=0)
    assert not np.allclose(
        flow.staged_samples(5, seed=2**31 - 1)[0], flow.staged_samples(5, seed=0)[0]
    )


@pytest.mark.parametrize("seed", [1.5, "0", True, [1, 2, 3], [1.0, 2.0]])
def test_malformed_seeds_are_refused(seed):
    with pytest.raises(ValueError, match="seed must"):
        flowdocs.stateless_seed(seed)


# --------------------------------------------------------------------------- data


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"noise": 0}, "noise must be a positive finite number"),
        ({"noise": -0.1}, "noise must be a positive finite number"),
        ({"noise": math.nan}, "noise must be a positive finite number"),
        ({"noise": math.inf}, "noise must be a positive finite number"),
        ({"noise": "0.1"}, "noise must be a positive number"),
        ({"centres_per_arc": 2.5}, "centres_per_arc must be a positive integer"),
        ({"centres_per_arc": 0}, "centres_per_arc must be a positive integer"),
        ({"dtype": tf.float16}, "dtype must be tf.float32 or tf.float64"),
    ],
)
def test_two_moons_refuses_bad_arguments(kwargs, message):
    """noise=0 gave NaN log_prob; noise < 0 and centres_per_arc=2.5 were accepted."""
    with pytest.raises(ValueError, match=message):
        flowdocs.two_moons(**kwargs)


@pytest.mark.parametrize(
    ("cells", "message"),
    [(1, "got 1"), (0, "got 0"), (2.0, "got 2.0"), (True, "got True"), ("4", "got .4.")],
)
def test_checkerboard_refuses_bad_cells(cells, message):
    with pytest.raises(ValueError, match=f"cells must be an integer of at least 2; {message}"):
        flowdocs.checkerboard(cells=cells)


def test_checkerboard_refuses_other_dtypes():
    with pytest.raises(ValueError, match=r"dtype must be tf\.float32 or tf\.float64"):
        flowdocs.checkerboard(dtype=tf.float16)


def test_two_moons_with_one_centre_per_arc_is_two_gaussians():
    moons = flowdocs.two_moons(noise=0.2, centres_per_arc=1, dtype=tf.float64)
    centre = np.array([[math.cos(math.pi / 2) - 0.5, math.sin(math.pi / 2) - 0.25]])
    expected = (
        np.log(0.5)
        + tfp.distributions.MultivariateNormalDiag(centre[0], [0.2, 0.2]).log_prob(centre).numpy()
        + np.log1p(np.exp(-np.sum((2 * centre) ** 2) / (2 * 0.2**2)))
    )
    np.testing.assert_allclose(moons.log_prob(centre).numpy(), expected, rtol=1e-12)


# --------------------------------------------------------------------------- fitting


def _angle_of(flow):
    return next(v for v in flow.distribution.trainable_variables if "angle" in v.name)


@pytest.mark.parametrize("values", [[math.nan, math.nan], [1.0, math.inf], []])
def test_best_start_refuses_candidates_that_are_not_finite_numbers(values):
    """best_start(model, data, angle, [nan, nan]) scored 1.8e308 and set the angle to NaN."""
    flow = flowdocs.five_stage_flow(seed=0, trainable=True)
    data = flowdocs.five_stage_flow(seed=0).staged_samples(200, seed=1)[-1]
    data = data[np.all((data > 1e-3) & (data < 1 - 1e-3), axis=-1)]
    angle = _angle_of(flow)
    before = float(angle.numpy())
    with pytest.raises(ValueError, match="values"):
        flowdocs.best_start(flow, data, angle, values)
    assert float(angle.numpy()) == before


def test_best_start_says_when_every_candidate_gives_zero_density():
    """nan_to_num turned inf into a finite number, so this error never fired."""
    flow = flowdocs.five_stage_flow(seed=0, trainable=True)
    outside = np.float32([[0.5, 1.0]])  # on the edge of the square: density 0 at any value
    strength = next(v for v in flow.distribution.trainable_variables if "strength" in v.name)
    data = flow.staged_samples(50, seed=2)[-1]
    data = np.concatenate([data[np.all((data > 1e-3) & (data < 1 - 1e-3), axis=-1)], outside])
    with pytest.raises(ValueError, match="zero density"):
        flowdocs.best_start(flow, data, strength, [1.0, 2.0])
