"""``fit_flow_matching``: the loss it minimises, its seeds, its pairing and its refusals.

The held-out likelihood it reaches on two moons is checked in test_flow_matching_fit.py.
"""

import numpy as np
import pytest
import tensorflow as tf

import flowdocs

MOONS = flowdocs.two_moons()


def small_flow(seed=0, dtype=tf.float32):
    return flowdocs.cnf_flow(hidden_units=(16,), seed=seed, dtype=dtype)


def moons_data(n=512, seed=0, dtype=tf.float32):
    return tf.cast(MOONS.sample(n, seed=(7, seed)), dtype)


def weights(model):
    return [v.numpy() for v in model.trainable_variables]


def test_the_first_loss_is_the_conditional_flow_matching_loss_by_hand():
    model, data = small_flow(), moons_data(64)
    velocity = model.bijector.velocity
    history = flowdocs.fit_flow_matching(
        model, data, steps=1, batch_size=None, seed=3, progress=False, learning_rate=1e-9
    )
    # The same draws, by hand: step 0 of seed 3, every data row in order.
    rows_seed, base_seed, time_seed = tf.unstack(
        tf.random.experimental.stateless_split(tf.constant([3, 0], tf.int32), 3)
    )
    x0 = model.distribution.sample(64, seed=base_seed)
    t = tf.random.stateless_uniform([64, 1], seed=time_seed)
    x_t = (1 - t) * x0 + t * data
    by_hand = np.mean(np.sum((velocity(t, x_t) - (data - x0)) ** 2, axis=-1))
    np.testing.assert_allclose(history[0], by_hand, rtol=1e-5)
    del rows_seed


def test_training_lowers_the_loss_and_changes_the_weights_in_place():
    model = small_flow()
    before = weights(model)
    history = flowdocs.fit_flow_matching(
        model, moons_data(), steps=300, batch_size=256, learning_rate=1e-2, progress=False
    )
    assert history.shape == (300,)
    assert history.dtype == np.float64
    assert history[-50:].mean() < 0.85 * history[:50].mean()
    assert any(not np.array_equal(a, b) for a, b in zip(before, weights(model), strict=True))


def test_the_same_seed_repeats_the_history_and_another_seed_does_not():
    runs = [
        flowdocs.fit_flow_matching(small_flow(), moons_data(), steps=20, seed=s, progress=False)
        for s in (4, 4, 5)
    ]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])


def test_paired_base_points_are_used_row_by_row():
    """With x0 = x1 the straight paths stand still: the target velocity is 0, so a field
    that is 0 (all weights zero) has loss exactly 0."""
    model, data = small_flow(), moons_data(32)
    for variable in model.trainable_variables:
        variable.assign(tf.zeros_like(variable))
    history = flowdocs.fit_flow_matching(
        model, data, steps=3, base_points=data, progress=False, learning_rate=1e-3
    )
    np.testing.assert_array_equal(history, 0.0)


def test_float64_models_train_in_float64():
    model = small_flow(dtype=tf.float64)
    history = flowdocs.fit_flow_matching(
        model, moons_data(dtype=tf.float64), steps=5, progress=False
    )
    assert np.isfinite(history).all()
    assert all(v.dtype == tf.float64 for v in model.trainable_variables)


def test_the_compiled_loop_repeats_itself_and_gives_the_same_loss_by_hand():
    """XLA draws other random numbers from the same stateless seed than the plain loop
    (TensorFlow picks the generator per device), so the two are compared through the
    loss they report, not draw for draw."""
    runs = [
        flowdocs.fit_flow_matching(
            small_flow(), moons_data(), steps=10, progress=False, jit_compile=True
        )
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0], runs[1])
    plain = flowdocs.fit_flow_matching(small_flow(), moons_data(), steps=10, progress=False)
    assert abs(runs[0].mean() - plain.mean()) < 0.2 * plain.mean()


def test_progress_lines_name_the_loss_without_a_unit(capsys):
    flowdocs.fit_flow_matching(small_flow(), moons_data(), steps=4, progress=2)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    assert lines[-1].startswith("fit_flow_matching: step 4/4  flow-matching loss ")
    assert not lines[-1].endswith("nats")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"data": np.zeros((10, 3))}, r"shape \[n, 2\]"),
        ({"data": np.zeros((0, 2))}, "holds no points"),
        ({"data": [[0.0, np.nan]]}, "NaN"),
        ({"data": [[np.inf, 0.0]]}, "infinite"),
        ({"steps": 0}, "steps must be a positive integer"),
        ({"batch_size": 0}, "batch_size must be None or a positive integer"),
        ({"learning_rate": -1.0}, "learning_rate must be a positive number"),
        ({"seed": 2**31}, "int32 range"),
        ({"base_points": np.zeros((5, 2))}, r"base_points must pair .* \[10, 2\]; got \[5, 2\]"),
        ({"base_points": np.full((10, 2), np.nan)}, "NaN"),
    ],
)
def test_bad_input_is_refused_before_training(changes, message):
    model = small_flow()
    before = weights(model)
    arguments = {"data": np.zeros((10, 2)), "steps": 5, "progress": False, **changes}
    with pytest.raises(ValueError, match=message):
        flowdocs.fit_flow_matching(model, **arguments)
    for a, b in zip(before, weights(model), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "model", [flowdocs.five_stage_flow(seed=0, trainable=True), MOONS, "cnf"], ids=str
)
def test_a_model_that_is_not_a_continuous_flow_is_refused(model):
    with pytest.raises(ValueError, match=r"must be a continuous flow from flowdocs\.cnf_flow"):
        flowdocs.fit_flow_matching(model, np.zeros((4, 2)), steps=1, progress=False)


def test_a_loss_that_stops_being_finite_stops_training_and_restores_the_weights():
    model = small_flow()
    data = moons_data(64)
    with pytest.raises(FloatingPointError):
        flowdocs.fit_flow_matching(model, data * 1e30, steps=50, learning_rate=1e30, progress=False)
    assert all(np.isfinite(w).all() for w in weights(model))
