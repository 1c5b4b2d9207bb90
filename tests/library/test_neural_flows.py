"""The five families of learned flows in D dimensions: NICE, RealNVP, splines, MAF, IAF.

Every family is checked the way the hand-built maps are: each layer's log-det against an
autodiff Jacobian, inverses against the forward map on copies, log_prob on copies of
samples against the sampling path, total mass 1 and samples against the density in 2-D.
The weights are set to seeded random values first: a fresh coupling flow is the
identity, which would pass every check trivially.
"""

import functools

import numpy as np
import pytest
import tensorflow as tf

import flowdocs
from flowdocs import checks

FAMILIES = {
    "nice": lambda dims, dtype, seed=0: flowdocs.nice_flow(
        dims=dims, couplings=3, hidden_units=(8, 8), seed=seed, dtype=dtype
    ),
    "realnvp": lambda dims, dtype, seed=0: flowdocs.realnvp_flow(
        couplings=3, hidden_units=(8, 8), seed=seed, dtype=dtype, dims=dims
    ),
    "spline": lambda dims, dtype, seed=0: flowdocs.spline_flow(
        dims=dims, couplings=3, hidden_units=(8, 8), bins=5, bound=3.0, seed=seed, dtype=dtype
    ),
    "maf": lambda dims, dtype, seed=0: flowdocs.maf_flow(
        layers=3, hidden_units=(8, 8), seed=seed, dtype=dtype, dims=dims
    ),
    "iaf": lambda dims, dtype, seed=0: flowdocs.iaf_flow(
        dims=dims, layers=3, hidden_units=(8, 8), seed=seed, dtype=dtype
    ),
}
DEPTH_ARGUMENT = {"nice": "couplings", "realnvp": "couplings", "spline": "couplings"}
DEPTH_ARGUMENT |= {"maf": "layers", "iaf": "layers"}
BUILDERS = {
    "nice": flowdocs.nice_flow,
    "realnvp": flowdocs.realnvp_flow,
    "spline": flowdocs.spline_flow,
    "maf": flowdocs.maf_flow,
    "iaf": flowdocs.iaf_flow,
}


def copy_of(tensor):
    """A new tensor with the same values, which no bijector cache entry can match."""
    return tf.constant(np.array(tensor))


@functools.cache
def perturbed(name, dims, dtype, scale=0.4):
    """A small flow of the family whose every weight is set to seeded N(0, scale²) values,
    so every layer is a real, non-linear map. Cached: the tests only read it."""
    flow = FAMILIES[name](dims, dtype)
    flow.distribution.log_prob(tf.zeros([1, dims], dtype))  # builds every variable
    rng = np.random.default_rng(dims)
    for variable in flow.distribution.trainable_variables:
        variable.assign(scale * rng.normal(size=variable.shape))
        if getattr(variable, "constraint", None) is not None:  # MADE's masks
            variable.assign(variable.constraint(variable))
    return flow


@pytest.mark.parametrize("dims", [1, 2, 3, 5])
@pytest.mark.parametrize("name", FAMILIES)
def test_every_layer_log_det_matches_autodiff_and_inverts(name, dims, dtype, tolerance):
    flow = perturbed(name, dims, dtype)
    points = flow.staged_samples(100, seed=2)
    for stage, x in zip(flow.stages, points, strict=False):
        assert checks.log_det_error(stage.bijector, x) <= tolerance.log_det, stage.name
        assert checks.inverse_log_det_error(stage.bijector, x) <= tolerance.log_det, stage.name
        assert checks.round_trip_error(stage.bijector, x) <= tolerance.round_trip, stage.name
    # Through the whole chain the layers' rounding errors compound: 10x the layer's.
    whole = flow.bijector
    assert checks.round_trip_error(whole, points[0]) <= 10 * tolerance.round_trip
    assert checks.round_trip_error(whole, points[-1], start="y") <= 10 * tolerance.round_trip


@pytest.mark.parametrize("dims", [1, 3, 32])
@pytest.mark.parametrize("name", FAMILIES)
def test_log_prob_of_copied_samples_matches_the_sampling_path(name, dims, dtype, tolerance):
    """Scoring a sample from scratch (inverse direction) agrees with the log-density the
    sampling direction carries along, eq. 6 evaluated both ways."""
    flow = perturbed(name, dims, dtype, scale=0.2)
    z = flow.base.sample(200, seed=tf.constant([0, 4]))
    x, log_prob = flow.forward_with_log_prob(z)
    assert x.shape == (200, dims)
    scored = flow.distribution.log_prob(copy_of(x)).numpy()
    gap = np.abs(scored - log_prob.numpy()) / np.maximum(1.0, np.abs(log_prob.numpy()))
    assert np.max(gap) <= 10 * tolerance.log_prob


@pytest.mark.parametrize("name", FAMILIES)
def test_two_dimensional_density_has_mass_one_and_matches_its_samples(name):
    flow = perturbed(name, 2, tf.float64, scale=0.3)
    distribution = flow.distribution
    samples = distribution.sample(50_000, seed=tf.constant([0, 9])).numpy()
    low, high = np.quantile(samples, [1e-4, 1 - 1e-4], axis=0)
    box = tuple(zip(low - 1.0, high + 1.0, strict=True))
    assert abs(checks.probability_mass(distribution, box, resolution=300) - 1.0) < 1e-2
    inner = tuple(zip(*np.quantile(samples, [0.01, 0.99], axis=0), strict=True))
    agreement = checks.histogram_agreement(distribution, samples, inner, bins=20)
    assert agreement.bins_used > 200
    assert agreement.max_abs_z < 5.5


@pytest.mark.parametrize("name", FAMILIES)
def test_a_short_fit_lowers_the_loss(name):
    flow = FAMILIES[name](2, tf.float32)
    data = flowdocs.two_moons(noise=0.1).sample(2000, seed=(0, 0)).numpy()
    history = flowdocs.fit(flow, data, steps=40, learning_rate=1e-2, batch_size=256, progress=False)
    assert history[-5:].mean() < history[:5].mean() - 0.1


@pytest.mark.parametrize("name", FAMILIES)
def test_flows_are_seeded_and_trainable(name):
    def weights(seed):
        flow = FAMILIES[name](3, tf.float32, seed)
        variables = flow.distribution.trainable_variables
        assert variables, "no trainable variables: fit would have nothing to train"
        return np.concatenate([np.ravel(v) for v in variables])

    assert np.array_equal(weights(1), weights(1))
    assert not np.array_equal(weights(1), weights(2))


@pytest.mark.parametrize("name", FAMILIES)
def test_flows_have_the_event_shape_of_dims_and_start_from_a_standard_normal(name):
    flow = FAMILIES[name](7, tf.float64)
    distribution = flow.distribution
    assert isinstance(distribution, flowdocs.FlowDistribution)
    assert distribution.event_shape == [7]
    assert distribution.dtype == tf.float64
    assert [p.shape for p in flow.staged_samples(4)] == [(4, 7)] * (len(flow.stages) + 1)
    # Every family starts at the identity map, except MADE's random first layers, which
    # move the points of an autoregressive layer from the start.
    x = flow.base.sample(5, seed=tf.constant([0, 1]))
    if name in ("nice", "realnvp", "spline"):
        np.testing.assert_allclose(flow.bijector.forward(x), x, atol=1e-12)


@pytest.mark.parametrize("name", FAMILIES)
def test_unknown_static_shapes_inside_tf_function(name):
    flow = perturbed(name, 3, tf.float32)
    distribution = flow.distribution

    @tf.function(
        input_signature=[tf.TensorSpec([None, 3], tf.float32), tf.TensorSpec([], tf.int32)]
    )
    def score_and_sample(x, n):
        return distribution.log_prob(x), distribution.sample(n, seed=tf.constant([0, 3]))

    x = np.random.default_rng(0).normal(size=(11, 3)).astype(np.float32)
    log_prob, samples = score_and_sample(x, tf.constant(6))
    np.testing.assert_allclose(log_prob, distribution.log_prob(x), rtol=1e-5, atol=1e-5)
    assert samples.shape == (6, 3)
    assert np.all(np.isfinite(samples))


def test_the_coupling_jacobian_is_block_triangular_and_the_maf_one_triangular():
    """The structure the docstrings state: a coupling layer's Jacobian has an identity
    block on the kept coordinates and zeros above it; MAF's is lower triangular."""
    x = tf.constant(np.random.default_rng(1).normal(size=(4, 5)))
    for name, upper_zero in (("realnvp", slice(0, 2)), ("maf", None)):
        bijector = perturbed(name, 5, tf.float64).stages[0].bijector
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = bijector.forward(x)
        jacobian = tape.batch_jacobian(y, x).numpy()
        if upper_zero is not None:  # kept coordinates 0, 1: rows of the identity
            np.testing.assert_array_equal(
                jacobian[:, :2, :], np.broadcast_to(np.eye(5)[:2], (4, 2, 5))
            )
        assert np.all(np.triu(jacobian, k=1) == 0), name
        assert np.all(np.abs(np.diagonal(jacobian, axis1=1, axis2=2)) > 0), name


def test_the_nice_couplings_preserve_volume():
    flow = perturbed("nice", 4, tf.float64)
    z = flow.base.sample(100, seed=tf.constant([0, 2]))
    for stage in flow.stages[:-1]:
        log_det = stage.bijector.forward_log_det_jacobian(z, event_ndims=1).numpy()
        np.testing.assert_array_equal(np.broadcast_to(log_det, [100]), 0.0)
        assert checks.log_det_error(stage.bijector, z) < 1e-12


@pytest.mark.parametrize("name", ["realnvp", "maf"])
def test_two_dimensional_calls_are_the_old_ones(name):
    """Existing calls (no ``dims``) build the 2-D flow: the same weights and densities as
    ``dims=2``, and for RealNVP the old structure, a swap around every even coupling."""
    build = BUILDERS[name]
    depth = {DEPTH_ARGUMENT[name]: 2}
    old, new = (
        build(**depth, hidden_units=(4,), seed=5),
        build(**depth, hidden_units=(4,), seed=5, dims=2),
    )
    x = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
    np.testing.assert_array_equal(old.distribution.log_prob(x), new.distribution.log_prob(x))
    assert old.distribution.event_shape == [2]
    if name == "realnvp":
        first, second = (stage.bijector for stage in old.stages)
        assert first._num_masked == 1
        permutations = [b.permutation.numpy().tolist() for b in second.bijectors[::2]]
        assert permutations == [[1, 0], [1, 0]]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("dims", [0, -1, 2.0, True, None, "2"])
def test_bad_dims_are_refused_by_name(name, dims):
    with pytest.raises(ValueError, match=rf"^dims must be a positive integer; got {dims!r}"):
        BUILDERS[name](dims=dims)


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("depth", [0, -3, 1.5, False])
def test_zero_or_bad_layers_are_refused_by_name(name, depth):
    argument = DEPTH_ARGUMENT[name]
    with pytest.raises(ValueError, match=rf"^{argument} must be a positive integer; got {depth}"):
        BUILDERS[name](**{argument: depth})


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("hidden_units", [(), (8, 0), (0,), (-2,), (4.0,), "8", 8])
def test_bad_hidden_units_are_refused_by_name(name, hidden_units):
    with pytest.raises(ValueError, match=r"^hidden_units must be a non-empty sequence"):
        BUILDERS[name](hidden_units=hidden_units)


@pytest.mark.parametrize("name", FAMILIES)
def test_bad_seed_and_dtype_are_refused_by_name(name):
    with pytest.raises(ValueError, match=r"^seed must be an integer; got 1.5"):
        BUILDERS[name](seed=1.5)
    for dtype in (tf.int32, tf.float16, "int64", None, np.complex64):
        with pytest.raises(TypeError, match=r"^dtype must be tf.float32 or tf.float64"):
            BUILDERS[name](dtype=dtype)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bins": 1}, r"^bins must be an integer of at least 2; got 1"),
        ({"bins": 4.0}, r"^bins must be an integer"),
        ({"bound": 0.0}, r"^bound must be a positive finite number; got 0.0"),
        ({"bound": float("inf")}, r"^bound must be a positive finite number"),
        ({"bound": float("nan")}, r"^bound must be a positive finite number"),
        ({"bound": "4"}, r"^bound must be a positive finite number"),
    ],
)
def test_spline_flow_refuses_bad_bins_and_bounds(kwargs, message):
    with pytest.raises(ValueError, match=message):
        flowdocs.spline_flow(**kwargs)


@pytest.mark.parametrize("name", FAMILIES)
def test_nan_and_infinite_points_get_nan_and_zero_density(name):
    distribution = perturbed(name, 3, tf.float32).distribution
    x = np.array([[np.nan, 0.0, 0.0], [np.inf, 0.0, 0.0], [0.0, 0.0, 0.0]], np.float32)
    log_prob = distribution.log_prob(x).numpy()
    assert np.isnan(log_prob[0])
    assert log_prob[1] == -np.inf
    assert np.isfinite(log_prob[2])
