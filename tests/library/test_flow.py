"""The five-stage flow: its densities, its samples, and its API.

Densities are checked three independent ways: they integrate to one, histograms of
samples match them bin by bin, and they equal a NumPy evaluation of eq. (6).
"""

import functools

import numpy as np
import pytest
import tensorflow as tf

import flowdocs
from flowdocs import checks

N_POINTS = 20_000


# --------------------------------------------------------------------------- densities


def test_each_stage_density_integrates_to_one(flow, stage_count, tolerance, helpers, record_figure):
    """Mass that float rounding puts exactly on the unit square's edge (after the sigmoid:
    about 5% in float32, 1% in float64) has no finite density; the rest integrates to 1."""
    figure = helpers.stage_mass(flow, stage_count)
    record_figure("mass", figure.mass)
    record_figure("edge_share", figure.edge_share)
    if not helpers.ends_in_sigmoid(flow, stage_count):
        assert figure.edge_share == 0
    assert abs(figure.mass + figure.edge_share - 1) <= tolerance.mass, (
        f"mass {figure.mass:.5f} + edge share {figure.edge_share:.5f} should be 1"
    )


def test_final_inner_square_mass_matches_share_of_samples(flow, tolerance, helpers, record_figure):
    margin = helpers.INNER_MARGIN
    square = ((margin, 1 - margin),) * 2
    mass = checks.probability_mass(flow.distribution, square, resolution=600)
    samples = flow.staged_samples(100_000, seed=helpers.stateless(1))[-1]
    share = float(np.mean(helpers.inside_unit_square(samples, margin)))
    record_figure("inner_mass", mass)
    record_figure("inner_sample_share", share)
    assert abs(mass - share) <= tolerance.mass, f"inner mass {mass:.5f}, sample share {share:.5f}"
    assert share < 0.9  # the edges hold real mass: the inner square is a real test


def test_each_stage_histogram_agrees_with_density(
    flow, stage_count, tolerance, helpers, record_figure
):
    agreement = helpers.stage_histogram(flow, stage_count)
    record_figure("max_abs_z", agreement.max_abs_z)
    assert agreement.bins_used >= 100
    assert agreement.max_abs_z <= tolerance.max_abs_z, agreement


def test_each_stage_log_prob_matches_numpy_reference(
    flow, stage_count, tolerance, helpers, record_figure
):
    distribution = flow.distribution_after(stage_count)
    x = helpers.draw(distribution, N_POINTS, seed=3)
    if helpers.ends_in_sigmoid(flow, stage_count):
        x = x[helpers.inside_unit_square(x, helpers.EDGE_MARGIN)]
    log_prob = distribution.log_prob(helpers.copy_of(x))
    error = helpers.log_prob_error(log_prob, helpers.reference_log_prob(flow, x, stage_count))
    record_figure("log_prob_error", error)
    assert len(x) > N_POINTS // 2
    assert error <= tolerance.log_prob, f"log_prob vs reference: {error:.2e}"


@pytest.mark.parametrize("shuffle_seed", [1, 2, 3])
def test_reordered_flow_log_prob_matches_numpy_reference(shuffle_seed, helpers, record_figure):
    """Another order is another distribution, and its density is still eq. (6).

    float64 only: in float32 a sigmoid in the middle of the chain saturates, and the
    stages after it amplify the rounding far beyond any useful tolerance.
    """
    flow = flowdocs.five_stage_flow(seed=0, dtype=tf.float64)
    order = np.random.default_rng(shuffle_seed).permutation(len(flow.stages))
    shuffled = flow.reordered(order)
    x = helpers.draw(shuffled.distribution, N_POINTS, seed=3)
    log_prob = shuffled.distribution.log_prob(helpers.copy_of(x)).numpy()
    reference = helpers.reference_log_prob(shuffled, x)
    assert np.all(np.isfinite(log_prob))
    assert np.all(np.isfinite(reference))
    error = helpers.log_prob_error(log_prob, reference)
    record_figure("log_prob_error", error)
    assert error <= helpers.TOLERANCES[tf.float64].log_prob
    original = flow.distribution.log_prob(helpers.copy_of(x)).numpy()
    assert not np.allclose(original, log_prob, equal_nan=True)


# --------------------------------------------------------------------------- edges and NaN


def test_log_prob_is_never_nan_at_samples_on_the_edge(flow, dtype, helpers):
    """float32 samples round onto the unit square's edge; there log_prob is -inf, not NaN."""
    float32_flow = flowdocs.five_stage_flow(seed=0, dtype=tf.float32)
    x = helpers.draw(float32_flow.distribution, N_POINTS, seed=5).astype(dtype.as_numpy_dtype)
    on_edge = np.any((x == 0) | (x == 1), axis=-1)
    assert 0.03 <= on_edge.mean() <= 0.08
    log_prob = flow.distribution.log_prob(helpers.copy_of(x)).numpy()
    assert not np.any(np.isnan(log_prob))
    assert np.all(log_prob[on_edge] == -np.inf)
    assert np.all(np.isfinite(log_prob[~on_edge]))


def test_log_prob_is_never_nan_on_a_grid_with_the_boundary(flow, dtype):
    ticks = np.linspace(0.0, 1.0, 65, dtype=dtype.as_numpy_dtype)
    grid = np.stack(np.meshgrid(ticks, ticks, indexing="ij"), axis=-1)
    log_prob = flow.distribution.log_prob(grid).numpy()
    boundary = np.ones(grid.shape[:2], bool)
    boundary[1:-1, 1:-1] = False
    assert not np.any(np.isnan(log_prob))
    assert np.all(log_prob[boundary] == -np.inf)
    assert np.all(np.isfinite(log_prob[~boundary]))


def test_sample_and_log_prob_is_finite_and_matches_log_prob(
    flow, tolerance, helpers, record_figure
):
    x, log_prob = flow.sample_and_log_prob(N_POINTS, seed=helpers.stateless(3))
    assert np.all(np.isfinite(log_prob.numpy()))
    interior = helpers.inside_unit_square(x, helpers.EDGE_MARGIN)
    rescored = flow.distribution.log_prob(helpers.copy_of(x)).numpy()
    error = helpers.log_prob_error(rescored[interior], log_prob.numpy()[interior])
    record_figure("log_prob_error", error)
    assert error <= tolerance.log_prob, f"sample_and_log_prob vs log_prob: {error:.2e}"


def test_compiled_sample_and_log_prob_matches_eager_tfp(flow, tolerance, helpers, record_figure):
    """The XLA path draws the same points as TFP's own eager sample_and_log_prob, and
    gives them the same log-densities."""
    seed = helpers.stateless(4)
    x, log_prob = flow.sample_and_log_prob(N_POINTS, seed=seed)
    x_tfp, log_prob_tfp = flow.distribution.experimental_sample_and_log_prob(N_POINTS, seed=seed)
    error = helpers.log_prob_error(log_prob_tfp.numpy(), log_prob.numpy())
    record_figure("compiled_vs_eager_log_prob_error", error)
    np.testing.assert_allclose(x, x_tfp, rtol=0, atol=tolerance.round_trip)
    assert error <= tolerance.log_prob, f"compiled vs eager TFP log_prob: {error:.2e}"


def test_forward_with_log_prob_eager_equals_sample_and_log_prob(flow, helpers):
    x, log_prob = flow.sample_and_log_prob(100, seed=helpers.stateless(5))
    z = flow.base.sample(100, seed=helpers.stateless(5))
    x_eager, log_prob_eager = flow.forward_with_log_prob(z)
    np.testing.assert_allclose(x_eager, x, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(log_prob_eager, log_prob, rtol=1e-5, atol=1e-5)


def test_sample_and_log_prob_compiles_once_per_size(dtype):
    """New seeds reuse the compiled function; only a new number of points compiles again."""
    flow = flowdocs.five_stage_flow(seed=0, dtype=dtype)
    for seed in range(3):
        flow.sample_and_log_prob(50, seed=seed)
    assert flow._push_forward.experimental_get_tracing_count() == 1
    assert flow._draw_base.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("n", [0, -3, 2.5, True, "10", None])
def test_sample_and_log_prob_rejects_a_bad_count(flow, n):
    with pytest.raises(ValueError, match="n must be a positive integer number of samples"):
        flow.sample_and_log_prob(n, seed=0)


def test_flow_keeps_its_dtype(flow, dtype):
    x, log_prob = flow.sample_and_log_prob(10, seed=0)
    assert x.dtype == log_prob.dtype == dtype
    assert flow.distribution.log_prob(x.numpy()).dtype == dtype
    assert {points.dtype for points in flow.staged_samples(10)} == {np.dtype(dtype.as_numpy_dtype)}


# --------------------------------------------------------------------------- reproducibility


def test_same_seed_gives_the_same_flow_and_samples(dtype, helpers):
    """The documented usage: ``five_stage_flow(seed=s)`` and int sampling seeds."""
    factory = functools.partial(flowdocs.five_stage_flow, dtype=dtype)
    gap = helpers.reproducibility_gap(factory, seed=3)
    assert gap.parameters == 0, "five_stage_flow(seed=3) drew different parameters"
    assert gap.draws == 0, "the same int seed gave different samples"


def test_same_stateless_seed_gives_the_same_samples(flow, helpers):
    seed = helpers.stateless(3)
    assert np.array_equal(helpers.flow_draws(flow, seed), helpers.flow_draws(flow, seed))


def test_different_seeds_give_different_flows(helpers):
    first, second = (flowdocs.five_stage_flow(seed=s) for s in (0, 1))
    assert not np.allclose(helpers.flow_parameters(first), helpers.flow_parameters(second))
    seed = helpers.stateless(0)
    assert not np.allclose(helpers.flow_draws(first, seed), helpers.flow_draws(second, seed))
    assert not np.allclose(
        helpers.flow_draws(first, seed), helpers.flow_draws(first, helpers.stateless(1))
    )


def test_draw_parameters_is_seeded_and_feeds_the_flow(dtype):
    strength, angle = flowdocs.draw_parameters(4)
    assert (strength, angle) == flowdocs.draw_parameters(4)
    assert (strength, angle) != flowdocs.draw_parameters(5)
    assert 0 <= angle < 2 * np.pi
    flow = flowdocs.five_stage_flow(seed=4, dtype=dtype)
    as_dtype = dtype.as_numpy_dtype
    assert flow.stages[2].bijector.strength.numpy() == as_dtype(strength)
    assert flow.stages[3].bijector.angle.numpy() == as_dtype(angle)


def test_draws_follow_their_distributions():
    """e ~ N(3, 1) and θ ~ U(0, 2π), over 2,000 seeds (5-sigma bounds on the moments)."""
    strengths, angles = np.array([flowdocs.draw_parameters(seed) for seed in range(2000)]).T
    assert abs(strengths.mean() - 3) < 5 / np.sqrt(2000)
    assert abs(strengths.std() - 1) < 5 / np.sqrt(2 * 2000)
    assert abs(angles.mean() - np.pi) < 5 * (2 * np.pi / np.sqrt(12)) / np.sqrt(2000)


# --------------------------------------------------------------------------- variables


def test_variables_stay_trainable_and_receive_gradients(dtype):
    variables = {
        "shift": tf.Variable([0.0, -2.0], dtype=dtype),
        "scale": tf.Variable([2.0, 1.5], dtype=dtype),
        "strength": tf.Variable(3.0, dtype=dtype),
        "angle": tf.Variable(1.0, dtype=dtype),
    }
    flow = flowdocs.five_stage_flow(seed=0, dtype=dtype, **variables)
    trainable = flow.bijector.trainable_variables
    assert {id(v) for v in trainable} == {id(v) for v in variables.values()}
    points = np.random.default_rng(0).uniform(0.05, 0.95, size=(2000, 2))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(flow.distribution.log_prob(points.astype(dtype.as_numpy_dtype)))
    gradients = tape.gradient(loss, list(variables.values()))
    for name, gradient in zip(variables, gradients, strict=True):
        assert gradient is not None, name
        assert np.all(np.isfinite(gradient.numpy())), name
        assert np.any(gradient.numpy() != 0), name


@pytest.mark.parametrize("validate_args", [False, True])
def test_non_finite_parameter_raises_when_built_whatever_validate_args(dtype, validate_args):
    with pytest.raises(ValueError, match="`angle` must be finite"):
        flowdocs.five_stage_flow(seed=0, dtype=dtype, angle=np.inf, validate_args=validate_args)


# --------------------------------------------------------------------------- API


def test_stages_in_order_with_names_and_symbols(flow, helpers):
    assert flow.names == helpers.STAGE_NAMES
    assert [stage.symbol for stage in flow.stages] == [f"f_{i}" for i in range(1, 6)]
    assert len(flow.staged()) == 6
    assert flow.staged()[0] is flow.base


def test_stage_formulas_use_only_their_variables_and_parameters(flow, helpers):
    problems = {stage.name: helpers.formula_problems(stage) for stage in flow.stages}
    assert problems == {name: [] for name in helpers.STAGE_NAMES}


def test_composition_text(flow):
    assert flow.composition(0) == "z"
    assert flow.composition(1) == "f_1(z)"
    assert flow.composition(2) == r"(f_2 \circ f_1)(z)"
    assert flow.composition() == r"(f_5 \circ f_4 \circ f_3 \circ f_2 \circ f_1)(z)"


ORDER = ("rotation", "shift", "sigmoid", "scale", "shift_and_cube")


@pytest.mark.parametrize("by", ["names", "indices"])
def test_reordered_permutes_the_stages(flow, helpers, by):
    order = ORDER if by == "names" else [helpers.STAGE_NAMES.index(name) for name in ORDER]
    shuffled = flow.reordered(order)
    assert shuffled.names == ORDER
    assert all(
        shuffled.stages[i] is flow.stages[helpers.STAGE_NAMES.index(name)]
        for i, name in enumerate(ORDER)
    )
    assert shuffled.composition() == r"(f_3 \circ f_2 \circ f_5 \circ f_1 \circ f_4)(z)"
    assert shuffled.base is flow.base
    seed = helpers.stateless(0)
    assert not np.allclose(
        shuffled.staged_samples(100, seed=seed)[-1], flow.staged_samples(100, seed=seed)[-1]
    )


@pytest.mark.parametrize(
    "order",
    [
        ["shift", "scale", "cube", "rotation", "sigmoid"],
        [0, 0, 1, 2, 3],
        [0, 1, 2, 3],
        [0, 1, 2, 3, 4, 5],
        [0, 1, 2, 3, 7],
    ],
    ids=["unknown-name", "repeat", "missing", "extra", "out-of-range"],
)
def test_reordered_rejects_non_permutations_naming_the_stages(flow, order):
    with pytest.raises(ValueError, match=r"'shift_and_cube'"):
        flow.reordered(order)
