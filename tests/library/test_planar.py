"""Planar maps and planar flows against the math: log-dets, inverses, invertibility, mass.

Parameters are drawn at random, many of them with ``w . u < -1``, where the raw map
``z + u tanh(w . z + b)`` folds the plane: the constraint of the paper's appendix A.1
(``u_hat``) must make every one of them invertible. Round trips run on copies of the
intermediate points, since TFP caches bijector results.
"""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

import flowdocs
from flowdocs import checks
from flowdocs.planar import PlanarLayers

tfb = tfp.bijectors


def random_parameters(seed, count=12):
    """``count`` draws of (w, u, b); about half have w . u < -1 before the fix."""
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(count):
        w = rng.normal(scale=1.5, size=2)
        u = rng.normal(scale=2.0, size=2)
        if rng.uniform() < 0.5:  # push u against w, far past w . u = -1
            u -= (3.0 + rng.exponential(2.0)) * w / (w @ w)
        draws.append((w, u, rng.normal()))
    return draws


PARAMETERS = random_parameters(0)
IDS = [f"wu={w @ u:+.1f}" for w, u, _ in PARAMETERS]


def planar(w, u, b, dtype):
    return flowdocs.Planar(*(tf.constant(p, dtype) for p in (w, u, b)))


def points(dtype, n=2000, seed=1):
    return tf.constant(np.random.default_rng(seed).normal(scale=2.0, size=(n, 2)), dtype)


def conditioning(bijector):
    """1 / min over a of d/da (a + c tanh a) = 1 / min(1, 1 + c): how much the inverse
    amplifies rounding errors."""
    c = float(np.sum(np.asarray(bijector.w) * np.asarray(bijector.u_hat)))
    return 1.0 / min(1.0, 1.0 + c)


def test_the_draws_include_maps_that_fold_before_the_fix():
    assert sum(w @ u < -1 for w, u, _ in PARAMETERS) >= 4


@pytest.mark.parametrize(("w", "u", "b"), PARAMETERS, ids=IDS)
def test_u_hat_satisfies_the_invertibility_condition(w, u, b):
    bijector = planar(w, u, b, tf.float64)
    u_hat = bijector.u_hat.numpy()
    np.testing.assert_allclose(w @ u_hat, -1 + np.log1p(np.exp(w @ u)), rtol=1e-12, atol=1e-12)
    assert w @ u_hat > -1
    # Only the component along w changes.
    normal = np.array([-w[1], w[0]])
    np.testing.assert_allclose(normal @ u_hat, normal @ u, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("w", "u", "b"), PARAMETERS, ids=IDS)
def test_forward_log_det_matches_autodiff(w, u, b, dtype, tolerance):
    bijector = planar(w, u, b, dtype)
    assert checks.log_det_error(bijector, points(dtype)) <= tolerance.log_det


@pytest.mark.parametrize(("w", "u", "b"), PARAMETERS, ids=IDS)
def test_round_trips_on_copies(w, u, b, dtype, tolerance, record_figure):
    bijector = planar(w, u, b, dtype)
    x = points(dtype)
    y = bijector.forward(x).numpy()  # a NumPy copy: TFP's cache cannot answer
    errors = [checks.round_trip_error(bijector, x), checks.round_trip_error(bijector, y, "y")]
    record_figure("round trip", max(errors))
    assert max(errors) <= tolerance.round_trip * conditioning(bijector)


@pytest.mark.parametrize(("w", "u", "b"), PARAMETERS, ids=IDS)
def test_inverse_log_det_and_its_autodiff_jacobian(w, u, b, dtype, tolerance):
    """The inverse's Jacobian by autodiff runs through the root solve's last Newton step:
    it must be the inverse of the forward Jacobian."""
    bijector = planar(w, u, b, dtype)
    x = points(dtype)
    slack = conditioning(bijector)  # the inverse is only as accurate as it is conditioned
    assert checks.inverse_log_det_error(bijector, x) <= tolerance.log_det * slack
    y = bijector.forward(x).numpy()
    assert checks.log_det_error(tfb.Invert(bijector), y) <= tolerance.log_det * slack


def test_inverse_gradients_in_the_parameters_match_finite_differences():
    w, u, b = (tf.Variable(v, dtype=tf.float64) for v in ([0.8, -1.1], [-2.0, 0.3], 0.4))
    y = tf.constant([[0.3, -0.7], [2.0, 1.0], [-1.5, 0.2]], tf.float64)

    def loss():
        return tf.reduce_sum(flowdocs.Planar(w, u, b).inverse(y + 0.0) ** 2)

    with tf.GradientTape() as tape:
        value = loss()
    gradients = tape.gradient(value, [w, u, b])
    for variable, gradient in zip([w, u, b], gradients, strict=True):
        flat = np.ravel(variable.numpy())
        numeric = np.zeros_like(flat)
        for i in range(flat.size):
            for sign in (1, -1):
                shifted = flat.copy()
                shifted[i] += sign * 1e-6
                variable.assign(shifted.reshape(variable.shape))
                numeric[i] += sign * loss().numpy() / 2e-6
            variable.assign(flat.reshape(variable.shape))
        np.testing.assert_allclose(np.ravel(gradient.numpy()), numeric, rtol=1e-6, atol=1e-8)


RESOLVABLE = [p for p in PARAMETERS if np.log1p(np.exp(p[0] @ p[1])) > 0.2][:4]
"""Maps with 1 + w . u_hat > 0.2, which compress no band more than five-fold: a grid
resolves their density."""


@pytest.mark.parametrize(("w", "u", "b"), RESOLVABLE)
def test_the_density_of_one_planar_map_has_mass_one(w, u, b):
    bijector = planar(w, u, b, tf.float64)
    base = flowdocs.base_distribution(0.0, 1.0, dtype=tf.float64)
    pushed = tfp.distributions.TransformedDistribution(base, bijector)
    reach = 7.0 + np.abs(bijector.u_hat.numpy())
    box = tuple((-r, r) for r in reach)
    assert abs(checks.probability_mass(pushed, box, resolution=500) - 1) < 1e-3


def test_a_batch_of_maps_broadcasts_against_the_points(dtype):
    (w0, u0, b0), (w1, u1, b1), (w2, u2, b2) = PARAMETERS[:3]
    batch = flowdocs.Planar(
        tf.constant([w0, w1, w2], dtype), tf.constant([u0, u1, u2], dtype), [b0, b1, b2]
    )
    assert batch.experimental_batch_shape() == [3]
    x = points(dtype, n=40).numpy().reshape(40, 1, 2)
    y, log_det = batch.forward(x), batch.forward_log_det_jacobian(x, event_ndims=1)
    assert y.shape == (40, 3, 2)
    assert log_det.shape == (40, 3)
    for k, params in enumerate(PARAMETERS[:3]):
        single = planar(*params, dtype)
        np.testing.assert_allclose(y[:, k], single.forward(x[:, 0]), rtol=1e-5)
        np.testing.assert_allclose(
            log_det[:, k], single.forward_log_det_jacobian(x[:, 0], event_ndims=1), rtol=1e-5
        )
        np.testing.assert_allclose(batch.inverse(y.numpy())[:, k], x[:, 0], atol=1e-4)


def test_planar_layers_are_the_chain_of_their_layers(dtype):
    flow = flowdocs.planar_flow(layers=5, seed=3, dtype=dtype)
    layers = flow.stages[0].bijector
    chain = tfb.Chain([layers.layer(k) for k in reversed(range(layers.layers))])
    x = points(dtype, n=500)
    np.testing.assert_allclose(layers.forward(x), chain.forward(x), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        layers.forward_log_det_jacobian(x, event_ndims=1),
        chain.forward_log_det_jacobian(x, event_ndims=1),
        rtol=1e-5,
        atol=1e-5,
    )
    y = chain.forward(x).numpy()
    np.testing.assert_allclose(layers.inverse(y), x, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(
        layers.inverse_log_det_jacobian(y, event_ndims=1),
        -chain.forward_log_det_jacobian(x, event_ndims=1),
        rtol=1e-4,
        atol=1e-4,
    )


def test_planar_layers_pass_the_checks(dtype, tolerance):
    layers = flowdocs.planar_flow(layers=8, seed=1, dtype=dtype).stages[0].bijector
    x = points(dtype, n=1000)
    assert checks.log_det_error(layers, x) <= tolerance.log_det * 10
    assert checks.inverse_log_det_error(layers, x) <= tolerance.log_det * 10
    assert checks.round_trip_error(layers, x) <= tolerance.round_trip * 10


def test_a_planar_flow_has_mass_one_and_its_samples_follow_its_density():
    flow = flowdocs.planar_flow(layers=4, seed=2, dtype=tf.float64)
    x, log_p = flow.sample_and_log_prob(20_000, seed=4)
    np.testing.assert_allclose(log_p, flow.distribution.log_prob(x.numpy()), atol=1e-9)
    box = ((-7.0, 7.0), (-7.0, 7.0))
    assert abs(checks.probability_mass(flow.distribution, box, resolution=400) - 1) < 1e-3
    agreement = checks.histogram_agreement(flow.distribution, x.numpy(), ((-2.5, 2.5),) * 2)
    assert agreement.max_abs_z < 5.5


@pytest.mark.parametrize("compile_with", ["tf.function", "xla"])
def test_planar_layers_compile_with_xla_and_agree_with_eager(compile_with):
    layers = flowdocs.planar_flow(layers=6, seed=0).stages[0].bijector
    x = points(tf.float32, n=100)

    def both(z):
        return layers.forward(z), layers.forward_log_det_jacobian(z, event_ndims=1)

    compiled = tf.function(both, jit_compile=compile_with == "xla")
    for got, expected in zip(compiled(x), both(x + 0.0), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_planar_flow_is_reproducible_from_its_seed(helpers):
    gap = helpers.reproducibility_gap(lambda seed: flowdocs.planar_flow(layers=3, seed=seed), 5)
    assert gap == (0.0, 0.0)
    first = flowdocs.planar_flow(layers=3, seed=5).stages[0].bijector.w.numpy()
    other = flowdocs.planar_flow(layers=3, seed=6).stages[0].bijector.w.numpy()
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("layers", [1, 2, 32])
def test_planar_flow_starts_near_its_gaussian_with_4_plus_5k_variables(layers):
    flow = flowdocs.planar_flow(layers=layers, seed=0)
    variables = flow.distribution.trainable_variables
    assert sum(int(np.prod(v.shape)) for v in variables) == 4 + 5 * layers
    maps = flow.stages[0].bijector
    assert isinstance(maps, PlanarLayers)
    assert maps.layers == layers
    for k in range(layers):
        layer = maps.layer(k)
        assert 0 <= float(np.dot(layer.w, layer.u_hat)) < 1
        assert np.linalg.norm(layer.u_hat) < 0.5


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("layers", [0, -1, 2.0, True, "8", None])
def test_planar_flow_refuses_a_bad_number_of_layers(layers):
    with pytest.raises(ValueError, match="layers must be a positive integer"):
        flowdocs.planar_flow(layers=layers)


@pytest.mark.parametrize(
    ("argument", "value"), [("seed", 1.5), ("seed", None), ("dtype", tf.float16)]
)
def test_planar_flow_refuses_bad_seeds_and_dtypes(argument, value):
    with pytest.raises(ValueError, match=argument):
        flowdocs.planar_flow(layers=2, **{argument: value})


@pytest.mark.parametrize("name", ["w", "u", "b"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_numbers_raise_when_built(name, bad):
    values = {"w": [1.0, 0.5], "u": [0.2, -0.3], "b": 0.1}
    values[name] = np.full(np.shape(values[name]), bad)
    with pytest.raises(ValueError, match=f"`{name}` must be finite"):
        flowdocs.Planar(**values)


@pytest.mark.parametrize(("name", "value"), [("w", [1.0, 2.0, 3.0]), ("u", 1.0), ("w", "ab")])
def test_parameters_of_the_wrong_shape_or_kind_raise(name, value):
    values = {"w": [1.0, 0.5], "u": [0.2, -0.3], "b": 0.1, name: value}
    with pytest.raises(ValueError, match=f"`{name}` must be"):
        flowdocs.Planar(**values)


def test_batch_shapes_that_do_not_broadcast_raise():
    with pytest.raises(ValueError, match="must broadcast"):
        flowdocs.Planar(np.ones((3, 2)), np.ones((4, 2)), 0.0)


def test_mixed_dtypes_raise_and_numbers_follow_a_typed_parameter():
    with pytest.raises(ValueError, match="share one float dtype"):
        flowdocs.Planar(tf.constant([1.0, 0.0], tf.float64), tf.constant([0.0, 1.0]), 0.0)
    assert flowdocs.Planar(tf.constant([1.0, 0.0], tf.float64), [0, 1], 0).dtype == tf.float64
    assert flowdocs.Planar([1, 0], [0, 1], 0).dtype == tf.float32


@pytest.mark.parametrize("size", [1, 3])
@pytest.mark.parametrize("method", ["forward", "inverse", "forward_log_det_jacobian"])
def test_points_of_another_event_size_raise(size, method):
    bijector = flowdocs.Planar([1.0, 0.5], [0.2, -0.3], 0.1)
    kwargs = {"event_ndims": 1} if method.endswith("jacobian") else {}
    with pytest.raises(ValueError, match="last dimension of size 2"):
        getattr(bijector, method)(np.zeros([4, size], np.float32), **kwargs)


def test_a_validated_variable_turned_nan_raises_inside_tf_function():
    w = tf.Variable([1.0, 0.5])
    bijector = flowdocs.Planar(w, [0.2, -0.3], 0.1, validate_args=True)
    forward = tf.function(bijector.forward)
    forward(tf.ones([2, 2]))
    w.assign([np.nan, 0.5])
    with pytest.raises(tf.errors.InvalidArgumentError, match="`w` must be finite"):
        forward(tf.ones([2, 2]))
