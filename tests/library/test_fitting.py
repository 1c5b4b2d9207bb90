"""Learning flows by maximum likelihood: ``fit``, ``best_start``, trainable and neural flows.

``fit`` must lower the negative log-likelihood, reach the true flow's held-out value when
it learns the five-stage flow back from its samples, repeat itself exactly from the same
seed, and refuse bad input before it changes a single variable. The neural flows must
pass the same log-det and round-trip checks as the hand-built bijectors.
"""

import functools
import re

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp
import tf_keras

import flowdocs
from flowdocs import checks

tfd = tfp.distributions

# --------------------------------------------------------------------------- helpers


def trainable_gaussian(dtype=tf.float32):
    """A 2-D diagonal Gaussian with a trainable mean and a positive trainable scale."""
    loc = tf.Variable(tf.zeros([2], dtype), name="loc")
    scale = tfp.util.TransformedVariable(
        tf.ones([2], dtype), bijector=tfp.bijectors.Softplus(), name="scale"
    )
    return tfd.MultivariateNormalDiag(loc=loc, scale_diag=scale)


def gaussian_data(n=500, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, 2)) * [0.5, 2.0] + [1.0, -2.0]).astype(np.float32)


def values_of(distribution):
    return [v.numpy() for v in distribution.trainable_variables]


def fresh_five_stage_flow(angle=0.0):
    """The starting point of the gallery's example: far from the truth."""
    return flowdocs.five_stage_flow(
        shift=(0.0, 0.0),
        scale=(1.0, 1.0),
        strength=1.0,
        angle=angle,
        trainable=True,
        dtype=tf.float64,
    )


def five_stage_data():
    """float64 samples of five_stage_flow(seed=0) off the unit square's edge: train, held out."""
    true_flow = flowdocs.five_stage_flow(seed=0, dtype=tf.float64)
    x, _ = true_flow.sample_and_log_prob(8000, seed=1)
    x = x.numpy()
    x = x[~np.any((x == 0) | (x == 1), axis=1)]
    return true_flow, x[:4000], x[4000:]


# --------------------------------------------------------------------------- fit works


def test_fit_lowers_the_nll_to_the_maximum_likelihood_estimate(record_figure):
    model, data = trainable_gaussian(), gaussian_data()
    history = flowdocs.fit(model, data, steps=300, learning_rate=0.1, progress=False)
    assert history.shape == (300,)
    assert history.dtype == np.float64
    assert np.all(np.isfinite(history))
    assert history[-1] < history[0] - 1.0
    # The Gaussian's maximum-likelihood estimate is the sample mean and standard deviation.
    best = tfd.MultivariateNormalDiag(data.mean(axis=0), data.std(axis=0))
    best_nll = -float(np.mean(best.log_prob(data)))
    fitted_nll = -float(np.mean(model.log_prob(data)))
    record_figure("nll_above_mle", fitted_nll - best_nll)
    assert -1e-5 <= fitted_nll - best_nll < 1e-3  # float32 rounding may dip below
    np.testing.assert_allclose(model.mean(), data.mean(axis=0), atol=1e-2)


def test_fit_accepts_a_flow_and_updates_its_variables():
    flow = flowdocs.five_stage_flow(seed=0, trainable=True)
    data = flowdocs.five_stage_flow(seed=0, angle=1.0).staged_samples(500, seed=1)[-1]
    data = data[np.all((data > 0) & (data < 1), axis=1)]
    before = values_of(flow.distribution)
    history = flowdocs.fit(flow, data, steps=20, learning_rate=0.01, progress=False)
    assert history[-1] < history[0]
    assert all(np.any(b != a) for b, a in zip(before, values_of(flow.distribution), strict=True))


def test_same_seed_gives_the_same_history_and_another_seed_another():
    def run(seed):
        return flowdocs.fit(
            trainable_gaussian(), gaussian_data(), steps=50, batch_size=32, seed=seed,
            progress=False,
        )  # fmt: skip

    first, again, other = run(3), run(3), run(4)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_full_batch_loss_is_the_mean_nll_before_each_update():
    model, data = trainable_gaussian(), gaussian_data()
    start = -float(np.mean(model.log_prob(data)))
    history = flowdocs.fit(model, data, steps=1, progress=False)
    assert history[0] == pytest.approx(start, rel=1e-6)


def test_trace_fn_records_values_before_every_step():
    model = trainable_gaussian()
    history, trace = flowdocs.fit(
        model, gaussian_data(), steps=250, learning_rate=0.05, progress=False,
        trace_fn=lambda: {"loc": tf.convert_to_tensor(model.loc)},
    )  # fmt: skip
    assert history.shape == (250,)
    assert trace["loc"].shape == (250, 2)
    np.testing.assert_array_equal(trace["loc"][0], [0.0, 0.0])
    assert not np.allclose(trace["loc"][-1], 0.0)


def test_learning_rate_schedule_is_accepted():
    schedule = tf_keras.optimizers.schedules.CosineDecay(0.1, decay_steps=100)
    history = flowdocs.fit(
        trainable_gaussian(), gaussian_data(), steps=100, learning_rate=schedule, progress=False
    )
    assert history[-1] < history[0]


@pytest.mark.parametrize(("progress", "lines"), [(True, 2), (50, 4), (False, 0)])
def test_progress_lines_go_to_stderr_and_can_be_turned_off(progress, lines, capsys):
    flowdocs.fit(trainable_gaussian(), gaussian_data(), steps=200, progress=progress)
    captured = capsys.readouterr()
    assert captured.out == ""
    printed = captured.err.splitlines()
    assert len(printed) == lines
    if lines:
        assert printed[-1].startswith("fit: step 200/200")


def test_a_loss_that_stops_being_finite_stops_training():
    # A uniform distribution's support shrinks under maximum likelihood until it no
    # longer covers the data: the loss becomes infinite.
    low, high = tf.Variable([-1.0, -1.0]), tf.Variable([2.0, 2.0])
    model = tfd.Independent(tfd.Uniform(low, high), reinterpreted_batch_ndims=1)
    data = np.random.default_rng(0).uniform(size=(100, 2)).astype(np.float32)
    with pytest.raises(FloatingPointError, match="became inf at step"):
        flowdocs.fit(model, data, steps=200, learning_rate=0.5, progress=False)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_a_diverging_fit_leaves_the_variables_at_their_last_finite_state(jit_compile):
    # Steps of 1e30 send the flow's variables far out after the first update; the loss
    # at the next step is infinite, and the update after that would make them NaN.
    flow = flowdocs.five_stage_flow(seed=0, trainable=True)
    data = flowdocs.five_stage_flow(seed=0, angle=1.0).staged_samples(500, seed=1)[-1]
    data = data[np.all((data > 0) & (data < 1), axis=1)]
    before = values_of(flow.distribution)
    with pytest.raises(FloatingPointError, match="became inf at step 1") as error:
        flowdocs.fit(flow, data, steps=5, learning_rate=1e30, progress=False,
                     jit_compile=jit_compile)  # fmt: skip
    after = values_of(flow.distribution)
    assert all(np.all(np.isfinite(a)) for a in after)
    # The loss of step 0 was the last finite one: the variables it was computed from.
    assert all(np.array_equal(b, a) for b, a in zip(before, after, strict=True))
    assert "back at the values that gave the last finite loss, that of step 0" in str(error.value)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_a_fit_that_fails_later_keeps_the_variables_of_the_step_before(jit_compile):
    def uniform():
        low, high = tf.Variable([-1.0, -1.0]), tf.Variable([2.0, 2.0])
        return tfd.Independent(tfd.Uniform(low, high), reinterpreted_batch_ndims=1)

    data = np.random.default_rng(0).uniform(size=(100, 2)).astype(np.float32)
    model = uniform()
    with pytest.raises(FloatingPointError, match=r"at step (\d+)") as error:
        flowdocs.fit(model, data, steps=200, learning_rate=0.5, progress=False,
                     jit_compile=jit_compile)  # fmt: skip
    failed_at = int(re.search(r"at step (\d+)", str(error.value)).group(1))
    assert failed_at >= 2
    # The same training stopped one step before the failing one ends where fit put
    # the variables back: the values under which the last finite loss was computed.
    reference = uniform()
    history = flowdocs.fit(reference, data, steps=failed_at - 1, learning_rate=0.5,
                           progress=False, jit_compile=jit_compile)  # fmt: skip
    assert np.all(np.isfinite(history))
    for kept, expected in zip(values_of(model), values_of(reference), strict=True):
        np.testing.assert_array_equal(kept, expected)
    assert f"that of step {failed_at - 1}" in str(error.value)


# --------------------------------------------------------------------------- the five-stage flow


def test_fitted_five_stage_flow_reaches_the_true_held_out_nll(record_figure):
    """The gallery's recipe: scan the angle, then 6,000 Adam steps from far away."""
    true_flow, train, held_out = five_stage_data()
    flow = fresh_five_stage_flow()
    angle = flow.stages[3].bijector.angle
    angles = np.linspace(0.0, 2 * np.pi, 360, endpoint=False)
    scores = flowdocs.best_start(flow, train, angle, angles)
    assert float(angle.numpy()) == angles[np.argmin(scores)]
    schedule = tf_keras.optimizers.schedules.CosineDecay(0.01, decay_steps=6000, alpha=0.05)
    flowdocs.fit(flow, train, steps=6000, learning_rate=schedule, progress=False, jit_compile=True)
    gap = float(
        np.mean(true_flow.distribution.log_prob(held_out) - flow.distribution.log_prob(held_out))
    )
    record_figure("held_out_nll_gap", gap)
    assert abs(gap) <= 0.05


def test_the_best_start_lies_in_the_valley_of_the_true_angle_or_its_twin():
    true_flow, train, _ = five_stage_data()
    flow = fresh_five_stage_flow()
    angle = flow.stages[3].bijector.angle
    flowdocs.best_start(flow, train, angle, np.linspace(0.0, 2 * np.pi, 360, endpoint=False))
    true_angle = float(true_flow.stages[3].bijector.angle.numpy())
    distance = (float(angle.numpy()) - true_angle) % np.pi  # the twin is half a turn away
    assert min(distance, np.pi - distance) < 0.05


def test_a_rotation_by_pi_with_negated_shift_is_the_same_flow():
    flow = flowdocs.five_stage_flow(seed=0, dtype=tf.float64)
    strength, angle = flowdocs.draw_parameters(0)
    twin = flowdocs.five_stage_flow(
        shift=(0.0, 2.0), strength=strength, angle=angle + np.pi, dtype=tf.float64
    )
    x = np.random.default_rng(0).uniform(0.01, 0.99, size=(2000, 2))
    np.testing.assert_allclose(twin.distribution.log_prob(x), flow.distribution.log_prob(x))


# --------------------------------------------------------------------------- trainable flows


def test_trainable_flow_has_the_same_density_and_four_variables(dtype, tolerance, helpers):
    fixed = flowdocs.five_stage_flow(seed=0, dtype=dtype)
    trainable = flowdocs.five_stage_flow(seed=0, dtype=dtype, trainable=True)
    variables = trainable.distribution.trainable_variables
    assert sorted(v.name.split(":")[0] for v in variables) == [
        "angle",
        "scale",
        "shift",
        "strength",
    ]
    assert {v.dtype for v in variables} == {dtype}
    x = helpers.draw(fixed.distribution, 2000, seed=3)
    x = x[helpers.inside_unit_square(x, helpers.EDGE_MARGIN)]
    error = helpers.log_prob_error(
        trainable.distribution.log_prob(x), fixed.distribution.log_prob(x).numpy()
    )
    assert error <= tolerance.log_prob


def test_trainable_scale_stays_positive_whatever_its_variable_holds():
    flow = flowdocs.five_stage_flow(seed=0, trainable=True)
    scale = flow.stages[1].bijector.scale
    (raw,) = scale.trainable_variables
    raw.assign([-50.0, 50.0])
    assert np.all(tf.convert_to_tensor(scale).numpy() > 0)


def test_trainable_flow_keeps_variables_it_is_given():
    angle = tf.Variable(0.3)
    flow = flowdocs.five_stage_flow(seed=0, angle=angle, trainable=True)
    assert flow.stages[3].bijector.angle is angle
    assert any(v is angle for v in flow.distribution.trainable_variables)


@pytest.mark.parametrize("scale", [(0.0, 1.0), (-1.0, 2.0)])
def test_trainable_flow_refuses_a_scale_that_is_not_positive(scale):
    with pytest.raises(ValueError, match=r"initial value must be positive|no zero entry"):
        flowdocs.five_stage_flow(seed=0, scale=scale, trainable=True)


# --------------------------------------------------------------------------- neural flows

NEURAL_FLOWS = {
    "realnvp": lambda dtype, seed=0: flowdocs.realnvp_flow(
        couplings=4, hidden_units=(16, 16), seed=seed, dtype=dtype
    ),
    "maf": lambda dtype, seed=0: flowdocs.maf_flow(
        layers=4, hidden_units=(16, 16), seed=seed, dtype=dtype
    ),
}


@functools.cache
def trained(name, dtype):
    """A small neural flow after 100 Adam steps on a curved 2-D data set, so that every
    stage is a real, non-linear map (an untrained RealNVP is the identity). Cached: the
    tests only read it."""
    flow = NEURAL_FLOWS[name](dtype)
    rng = np.random.default_rng(0)
    a = rng.normal(size=1000)
    data = np.stack([a, 0.5 * a**2 + 0.3 * rng.normal(size=1000)], axis=1)
    flowdocs.fit(flow, data, steps=100, learning_rate=0.01, batch_size=256, progress=False)
    return flow


@pytest.fixture(params=NEURAL_FLOWS)
def trained_neural_flow(request, dtype):
    return trained(request.param, dtype)


def test_neural_flow_stages_pass_the_log_det_and_round_trip_checks(
    trained_neural_flow, tolerance, record_figure
):
    flow = trained_neural_flow
    points = flow.staged_samples(1000, seed=2)
    for stage, x in zip(flow.stages, points, strict=False):
        bijector = stage.bijector
        log_det = checks.log_det_error(bijector, x)
        inverse = checks.inverse_log_det_error(bijector, x)
        round_trip = max(
            checks.round_trip_error(bijector, x, start="x"),
            checks.round_trip_error(bijector, bijector.forward(x).numpy(), start="y"),
        )
        record_figure(f"{stage.name}.log_det_error", log_det)
        record_figure(f"{stage.name}.round_trip_error", round_trip)
        assert log_det <= tolerance.log_det, stage.name
        assert inverse <= tolerance.log_det, stage.name
        assert round_trip <= tolerance.round_trip, stage.name


def test_neural_flow_chain_adds_the_stage_log_dets_and_round_trips(trained_neural_flow, tolerance):
    """The whole flow: log-dets add (equation 7) and the chain inverts. (Autodiff of the
    whole chain is not the reference here: the product of four trained Jacobians is so
    ill-conditioned that its float64 determinant is only good to about 1e-6.)"""
    flow = trained_neural_flow
    points = flow.staged_samples(1000, seed=2)
    chain = flow.bijector.forward_log_det_jacobian(points[0], event_ndims=1).numpy()
    stages = sum(
        stage.bijector.forward_log_det_jacobian(x, event_ndims=1).numpy()
        for stage, x in zip(flow.stages, points, strict=False)
    )
    np.testing.assert_allclose(chain, stages, rtol=0, atol=tolerance.log_det)
    assert checks.round_trip_error(flow.bijector, points[0]) <= tolerance.round_trip
    assert checks.round_trip_error(flow.bijector, points[-1], start="y") <= tolerance.round_trip


def test_neural_flow_log_prob_is_the_change_of_variables(trained_neural_flow, tolerance):
    """Equation 6 by hand: base log-density at the inverse, minus the forward log-det."""
    flow = trained_neural_flow
    z = flow.base.sample(500, seed=tf.constant([0, 5]))
    x = tf.constant(flow.bijector.forward(z).numpy())
    z_back = flow.bijector.inverse(x)
    by_hand = flow.base.log_prob(z_back) - flow.bijector.forward_log_det_jacobian(
        z_back, event_ndims=1
    )
    gap = np.max(np.abs(flow.distribution.log_prob(x) - by_hand))
    assert gap <= tolerance.log_det


@pytest.mark.parametrize("name", NEURAL_FLOWS)
def test_neural_flows_are_seeded(name):
    def weights(seed):
        flow = NEURAL_FLOWS[name](tf.float32, seed)
        return np.concatenate([np.ravel(v) for v in flow.distribution.trainable_variables])

    assert np.array_equal(weights(1), weights(1))
    assert not np.array_equal(weights(1), weights(2))


@pytest.mark.parametrize("name", NEURAL_FLOWS)
def test_neural_flows_are_flows_with_named_stages(name):
    flow = NEURAL_FLOWS[name](tf.float32)
    assert isinstance(flow, flowdocs.Flow)
    assert len(flow.stages) == 4
    assert [stage.symbol for stage in flow.stages] == ["f_1", "f_2", "f_3", "f_4"]
    assert [p.shape for p in flow.staged_samples(10)] == [(10, 2)] * 5


BUILDERS = {"realnvp": (flowdocs.realnvp_flow, "couplings"), "maf": (flowdocs.maf_flow, "layers")}


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize("depth", [0, -1, 2.0, True, None])
def test_neural_flows_refuse_a_number_of_stages_that_is_not_positive(name, depth):
    build, argument = BUILDERS[name]
    with pytest.raises(ValueError, match=rf"^{argument} must be a positive integer; got {depth}"):
        build(**{argument: depth})


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize(
    "hidden_units", [(), [], (64, 0), (-8,), (16.0,), 64, "64", b"64", (True,)]
)
def test_neural_flows_refuse_hidden_units_that_are_empty_or_not_positive(name, hidden_units):
    build, _ = BUILDERS[name]
    with pytest.raises(ValueError, match=r"^hidden_units must be a non-empty sequence"):
        build(hidden_units=hidden_units)


@pytest.mark.parametrize("name", BUILDERS)
def test_neural_flows_take_widths_from_any_sequence_of_integers(name):
    build, argument = BUILDERS[name]
    flow = build(**{argument: 1}, hidden_units=np.array([3, 5]))
    assert len(flow.stages) == 1
    assert flow.distribution.log_prob(np.zeros((4, 2), np.float32)).shape == (4,)


@pytest.mark.parametrize("module", [flowdocs.fitting, flowdocs.neural_flows])
def test_docstrings_hold_no_control_characters(module):
    """A backslash in a docstring that is not raw turns LaTeX into escapes (\\tanh -> tab)."""
    own = [v for v in vars(module).values() if getattr(v, "__module__", None) == module.__name__]
    for cls in [obj for obj in own if isinstance(obj, type)]:
        own += [v for v in vars(cls).values() if callable(v) or isinstance(v, property)]
    for obj in [module, *own]:
        assert not re.search(r"[\x00-\x09\x0b-\x1f]", obj.__doc__ or ""), obj


# --------------------------------------------------------------------------- bad input


BAD_DATA = {
    "three columns": (np.zeros((10, 3)), r"shape \[n, 2\].*got shape \[10, 3\]"),
    "one point, no batch": (np.zeros(2), r"shape \[n, 2\].*got shape \[2\]"),
    "extra axis": (np.zeros((10, 2, 1)), r"shape \[n, 2\]"),
    "no points": (np.zeros((0, 2)), "no points"),
    "NaN": (np.array([[0.0, 0.0], [np.nan, 1.0]]), "1 NaN and 0 infinite values, in 1 of 2"),
    "inf": (np.array([[np.inf, 0.0], [0.0, -np.inf]]), "0 NaN and 2 infinite values, in 2 of 2"),
    "not numbers": ([["a", "b"]], "array of numbers"),
    "complex": (np.full((10, 2), 0.5 + 0.5j), r"real numbers; got complex values \(complex128\)"),
    "complex, imaginary part 0": (np.zeros((10, 2), np.complex64), "got complex values"),
}


@pytest.mark.parametrize("name", BAD_DATA)
def test_bad_data_raises_before_training(name):
    data, message = BAD_DATA[name]
    model = trainable_gaussian()
    before = values_of(model)
    with pytest.raises(ValueError, match=message):
        flowdocs.fit(model, data, steps=5, progress=False)
    assert all(np.array_equal(b, a) for b, a in zip(before, values_of(model), strict=True))


def test_points_on_the_edge_are_refused_naming_how_many_and_the_fix():
    flow = flowdocs.five_stage_flow(seed=0, trainable=True)
    data = np.array([[0.5, 0.5], [1.0, 0.3], [0.2, 0.0], [0.4, 0.6]], np.float32)
    before = values_of(flow.distribution)
    with pytest.raises(ValueError, match=r"2 of 4 data points have zero density") as error:
        flowdocs.fit(flow, data, steps=5, progress=False)
    assert "edge of the unit square" in str(error.value)
    assert "np.isfinite" in str(error.value)
    assert all(
        np.array_equal(b, a) for b, a in zip(before, values_of(flow.distribution), strict=True)
    )


def test_a_model_without_trainable_variables_is_refused():
    flow = flowdocs.five_stage_flow(seed=0)
    with pytest.raises(ValueError, match=r"no trainable variables.*trainable=True"):
        flowdocs.fit(flow, [[0.5, 0.5]], steps=5, progress=False)


def test_a_batch_of_models_is_refused():
    model = tfd.Normal(tf.Variable([0.0, 1.0]), 1.0)
    with pytest.raises(ValueError, match="batch shape"):
        flowdocs.fit(model, [0.0, 1.0], steps=5, progress=False)


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("steps", 0),
        ("steps", 2.5),
        ("learning_rate", 0.0),
        ("learning_rate", -1e-3),
        ("learning_rate", float("nan")),
        ("batch_size", 0),
        ("seed", 1.5),
        ("progress", 0),
    ],
)
def test_out_of_range_arguments_are_refused(argument, value):
    with pytest.raises(ValueError, match=argument):
        flowdocs.fit(trainable_gaussian(), gaussian_data(), **{argument: value})


# --------------------------------------------------------------------------- best_start


def test_best_start_keeps_the_most_likely_value_and_returns_every_score():
    model, data = trainable_gaussian(), gaussian_data()
    (loc,) = (v for v in model.trainable_variables if "loc" in v.name)
    candidates = np.array([[0.0, 0.0], [1.0, -2.0], [3.0, 3.0]], np.float32)
    scores = flowdocs.best_start(model, data, loc, candidates)
    assert scores.shape == (3,)
    assert np.argmin(scores) == 1
    np.testing.assert_array_equal(loc.numpy(), [1.0, -2.0])


def test_best_start_refuses_complex_data_as_fit_does():
    model = trainable_gaussian()
    (loc,) = (v for v in model.trainable_variables if "loc" in v.name)
    with pytest.raises(ValueError, match="complex values"):
        flowdocs.best_start(model, gaussian_data() + 0j, loc, [[0.0, 0.0]])
    np.testing.assert_array_equal(loc.numpy(), [0.0, 0.0])


def test_best_start_refuses_a_variable_of_another_model_and_wrong_shapes():
    model, data = trainable_gaussian(), gaussian_data()
    with pytest.raises(ValueError, match="not a trainable variable"):
        flowdocs.best_start(model, data, tf.Variable([0.0, 0.0]), [[0.0, 0.0]])
    (loc,) = (v for v in model.trainable_variables if "loc" in v.name)
    with pytest.raises(ValueError, match=r"values of shape \[2\]"):
        flowdocs.best_start(model, data, loc, [0.0, 1.0])
