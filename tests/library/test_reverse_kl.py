"""Reverse-KL fitting: ``fit_reverse_kl`` must lower KL(q || p) using only the target's
unnormalized density, repeat itself from a seed, and refuse bad input before training.

The reference problem has a closed form: a trainable diagonal Gaussian fitted to another
Gaussian, whose KL divergence is known exactly, so the fit can be judged without
sampling error.
"""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

import flowdocs

tfd = tfp.distributions
TARGET_LOC, TARGET_SCALE = np.array([1.0, -2.0]), np.array([0.5, 2.0])


def trainable_gaussian():
    return tfd.MultivariateNormalDiag(
        loc=tf.Variable(tf.zeros(2), name="loc"),
        scale_diag=tfp.util.TransformedVariable(
            tf.ones(2), bijector=tfp.bijectors.Softplus(), name="scale"
        ),
    )


def gaussian_kl(model):
    """KL(model || target) in closed form, in nats."""
    target = tfd.MultivariateNormalDiag(
        TARGET_LOC.astype(np.float32), TARGET_SCALE.astype(np.float32)
    )
    return float(model.kl_divergence(target))


def unnormalized_gaussian(z):
    """log p~ of the target Gaussian without its constant: log Z is 0.5 log((2 pi)^2 |S|)."""
    return -0.5 * tf.reduce_sum(((z - TARGET_LOC.astype(np.float32)) / TARGET_SCALE) ** 2, -1)


LOG_Z = float(np.log(2 * np.pi) + np.sum(np.log(TARGET_SCALE)))


@pytest.mark.parametrize("jit_compile", [False, True])
def test_fit_reverse_kl_finds_the_gaussian_from_its_unnormalized_density(jit_compile):
    model = trainable_gaussian()
    before = gaussian_kl(model)
    history = flowdocs.fit_reverse_kl(
        model,
        unnormalized_gaussian,
        steps=600,
        learning_rate=0.05,
        progress=False,
        jit_compile=jit_compile,
    )
    assert before > 2
    assert gaussian_kl(model) < 0.01
    np.testing.assert_allclose(model.mean(), TARGET_LOC, atol=0.1)
    np.testing.assert_allclose(model.stddev(), TARGET_SCALE, rtol=0.1)
    # The loss estimates KL - log Z: near the end it hovers at -log Z.
    assert abs(history[-100:].mean() + LOG_Z) < 0.05


def test_a_planar_flow_gets_closer_to_an_energy_target():
    target = flowdocs.energy_target("U2")
    flow = flowdocs.planar_flow(layers=4, seed=0)

    def kl():
        z, log_q = flow.distribution.experimental_sample_and_log_prob(20_000, seed=(5, 5))
        return float(np.mean(log_q - target.log_unnormalized_prob(z))) + target.log_normalizer

    before = kl()
    flowdocs.fit_reverse_kl(flow, target, steps=500, progress=False, jit_compile=True)
    assert kl() < before / 3


def test_the_same_seed_gives_the_same_fit_and_another_seed_another():
    def run(seed):
        model = trainable_gaussian()
        history = flowdocs.fit_reverse_kl(
            model, unnormalized_gaussian, steps=50, seed=seed, progress=False
        )
        return history, [v.numpy() for v in model.trainable_variables]

    (first, first_values), (again, again_values) = run(3), run(3)
    np.testing.assert_array_equal(first, again)
    for a, b in zip(first_values, again_values, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first, run(4)[0])


def test_annealing_changes_the_steps_but_not_what_the_history_measures():
    """The loss recorded is always the beta = 1 estimate: step 0 (same draw, same
    starting variables) is the same with and without annealing; later steps differ."""

    def run(anneal_steps):
        return flowdocs.fit_reverse_kl(
            trainable_gaussian(),
            unnormalized_gaussian,
            steps=100,
            seed=1,
            anneal_steps=anneal_steps,
            progress=False,
        )

    plain, annealed = run(0), run(100)
    assert plain[0] == pytest.approx(annealed[0], rel=1e-6)
    assert not np.allclose(plain[10:], annealed[10:])


def test_annealing_makes_the_first_step_follow_the_flattened_target():
    """At beta = 0.01 the target hardly pulls: the entropy term widens the model even
    along z_1, where the target (scale 0.5) is narrower than the model (scale 1) and
    the plain first step narrows it. Adam's first step is -learning_rate * sign(gradient)."""

    def first_step_scale(anneal_steps):
        model = trainable_gaussian()
        flowdocs.fit_reverse_kl(
            model,
            unnormalized_gaussian,
            steps=1,
            anneal_steps=anneal_steps,
            learning_rate=0.1,
            progress=False,
        )
        return model.stddev().numpy()

    plain, annealed = first_step_scale(0), first_step_scale(1)
    assert plain[0] < 1 < annealed[0]
    assert plain[1] > 1
    assert annealed[1] > 1


def test_a_target_traced_for_unknown_shapes_and_a_float64_flow():
    """A target compiled for points of any shape ([None, None]) gets its static shape
    from the samples; a float64 model is fitted in float64 against a float32 target."""

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32)])
    def target(z):
        return unnormalized_gaussian(z)

    flow = flowdocs.planar_flow(layers=2, seed=1, dtype=tf.float64)
    history = flowdocs.fit_reverse_kl(
        flow,
        lambda z: tf.cast(target(tf.cast(z, tf.float32)), z.dtype),
        steps=200,
        learning_rate=0.05,
        progress=False,
        jit_compile=True,
    )
    assert history.dtype == np.float64
    assert np.all(np.isfinite(history))
    assert history[-50:].mean() < history[:10].mean() - 1
    assert all(v.dtype == tf.float64 for v in flow.distribution.trainable_variables)
    first = flowdocs.fit_reverse_kl(trainable_gaussian(), target, steps=20, progress=False)
    np.testing.assert_array_equal(
        first,
        flowdocs.fit_reverse_kl(
            trainable_gaussian(), unnormalized_gaussian, steps=20, progress=False
        ),
    )


def test_a_distribution_target_and_a_flow_model_are_accepted():
    target = tfd.MultivariateNormalDiag(
        TARGET_LOC.astype(np.float32), TARGET_SCALE.astype(np.float32)
    )
    flow = flowdocs.planar_flow(layers=1, seed=0)
    history = flowdocs.fit_reverse_kl(flow, target, steps=300, learning_rate=0.05, progress=False)
    assert history[-50:].mean() < 0.1  # log Z = 0: the loss is the KL itself


@pytest.mark.parametrize(("progress", "lines"), [(True, 10), (25, 4), (False, 0)])
def test_progress_lines_name_the_function_and_go_to_stderr(progress, lines, capsys):
    flowdocs.fit_reverse_kl(
        trainable_gaussian(),
        unnormalized_gaussian,
        steps=100 if progress is not True else 1000,
        progress=progress,
    )
    printed = capsys.readouterr().err.splitlines()
    assert len(printed) == lines
    assert all(line.startswith("fit_reverse_kl: step") for line in printed)


def test_a_loss_that_stops_being_finite_raises_and_restores_the_variables():
    def explodes_far_away(z):
        """A Gaussian at (10, 10) whose log-density is NaN past z_1 = 6: the fit, which
        starts at 0, walks into the NaN."""
        log_p = -0.5 * tf.reduce_sum((z - 10.0) ** 2, axis=-1)
        return tf.where(z[:, 0] > 6.0, tf.constant(np.nan, tf.float32), log_p)

    model = trainable_gaussian()
    with pytest.raises(FloatingPointError, match="The loss became nan"):
        flowdocs.fit_reverse_kl(
            model, explodes_far_away, steps=500, learning_rate=2.0, progress=False
        )
    assert all(np.all(np.isfinite(v.numpy())) for v in model.trainable_variables)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"steps": 0}, "steps must be a positive integer"),
        ({"batch_size": None}, "batch_size must be a positive integer"),
        ({"batch_size": 0}, "batch_size must be None or a positive integer"),
        ({"learning_rate": -1.0}, "learning_rate must be a positive number"),
        ({"seed": 1.5}, "seed must be an integer"),
        ({"seed": 2**32}, "seed must lie in the int32 range"),
        ({"seed": -(2**31) - 1}, "seed must lie in the int32 range"),
        ({"anneal_steps": -1}, "anneal_steps must lie between 0 and steps"),
        ({"anneal_steps": 101}, "anneal_steps must lie between 0 and steps"),
        ({"anneal_steps": 2.0}, "anneal_steps must be an integer"),
        ({"progress": 0}, "progress must be True, False or a positive integer"),
    ],
)
def test_bad_arguments_raise_naming_them(arguments, message):
    model = trainable_gaussian()
    start = [v.numpy() for v in model.trainable_variables]
    with pytest.raises(ValueError, match=message):
        flowdocs.fit_reverse_kl(model, unnormalized_gaussian, **{"steps": 100, **arguments})
    for before, variable in zip(start, model.trainable_variables, strict=True):
        np.testing.assert_array_equal(before, variable.numpy())


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (3.0, "target must have a log_unnormalized_prob method"),
        (lambda z: tf.zeros([7]), r"one log-density per sample: shape \[256\]"),
        (lambda z: tf.fill(tf.shape(z)[:1], np.nan), "log-density of the target is NaN"),
        (lambda z: tf.fill(tf.shape(z)[:1], np.inf), r"log-density of the target is \+inf"),
    ],
)
def test_bad_targets_raise_before_training(target, message):
    with pytest.raises(ValueError, match=message):
        flowdocs.fit_reverse_kl(trainable_gaussian(), target, steps=10)


def test_a_hard_box_target_is_refused_with_the_reason():
    def hard_box(z):
        inside = tf.reduce_all(tf.abs(z) < 1.0, axis=-1)
        return tf.where(inside, 0.0, -np.inf)

    with pytest.raises(ValueError, match=r"zero density \(log = -inf\) at \d+ of 256 samples"):
        flowdocs.fit_reverse_kl(trainable_gaussian(), hard_box, steps=10)


def test_bad_models_raise_before_training():
    with pytest.raises(ValueError, match="model must be a Flow or a TFP distribution"):
        flowdocs.fit_reverse_kl("gaussian", unnormalized_gaussian)
    fixed = tfd.MultivariateNormalDiag(tf.zeros(2), tf.ones(2))
    with pytest.raises(ValueError, match="no trainable variables"):
        flowdocs.fit_reverse_kl(fixed, unnormalized_gaussian)
    batch = tfd.MultivariateNormalDiag(tf.Variable(tf.zeros([3, 2])), tf.ones([3, 2]))
    with pytest.raises(ValueError, match="batch shape"):
        flowdocs.fit_reverse_kl(batch, unnormalized_gaussian)
    mixture = tfd.MixtureSameFamily(
        tfd.Categorical(logits=tf.Variable(tf.zeros(2))),
        tfd.MultivariateNormalDiag(tf.zeros([2, 2]), tf.ones([2, 2])),
    )
    with pytest.raises(ValueError, match="not reparameterized"):
        flowdocs.fit_reverse_kl(mixture, unnormalized_gaussian)


# kl_divergence: the Monte Carlo KL that the variational pages print.


def test_kl_divergence_agrees_with_the_closed_form_within_its_standard_error():
    model = trainable_gaussian()  # N(0, I) against N((1, -2), diag(0.25, 4))
    exact = gaussian_kl(model)
    estimate = flowdocs.kl_divergence(
        model, unnormalized_gaussian, samples=50_000, seed=3, log_normalizer=LOG_Z
    )
    assert estimate.standard_error > 0
    assert abs(estimate.nats - exact) < 4 * estimate.standard_error
    assert estimate.standard_error < 0.02 * exact


def test_kl_divergence_of_a_distribution_from_itself_is_zero_with_no_spread():
    model = tfd.MultivariateNormalDiag(tf.zeros(2, tf.float64), tf.ones(2, tf.float64))
    estimate = flowdocs.kl_divergence(model, model, samples=100, seed=0)
    assert estimate == (0.0, 0.0)


def test_kl_divergence_reads_log_z_of_an_energy_target_and_repeats_from_a_seed():
    target = flowdocs.energy_target("U1")
    flow = flowdocs.planar_flow(layers=2, seed=0)
    first = flowdocs.kl_divergence(flow, target, samples=2000, seed=(1, 0))
    again = flowdocs.kl_divergence(flow.distribution, target, samples=2000, seed=(1, 0))
    other = flowdocs.kl_divergence(flow, target, samples=2000, seed=(1, 1))
    assert first == again
    assert first != other
    manual = flowdocs.kl_divergence(
        flow, target.log_unnormalized_prob, 2000, (1, 0), target.log_normalizer
    )
    assert manual.nats == pytest.approx(first.nats, abs=1e-6)
    # KL is at least 0 up to its error: a wrong sign of log Z would make it negative.
    assert first.nats > -3 * first.standard_error


@pytest.mark.parametrize("samples", [0, 1, -5, 2.5, True, None])
def test_kl_divergence_refuses_a_bad_sample_count(samples):
    with pytest.raises(ValueError, match="samples must be an integer of at least 2"):
        flowdocs.kl_divergence(trainable_gaussian(), unnormalized_gaussian, samples, 0, LOG_Z)


@pytest.mark.parametrize("log_normalizer", [None, np.nan, np.inf])
def test_kl_divergence_needs_a_finite_log_normalizer(log_normalizer):
    with pytest.raises(ValueError, match="needs the target's log normalizer"):
        flowdocs.kl_divergence(
            trainable_gaussian(), unnormalized_gaussian, log_normalizer=log_normalizer
        )


def test_kl_divergence_says_when_the_target_vanishes_at_a_sample():
    def boxed(z):  # a hard box: zero density outside (-1, 1)^2
        inside = tf.reduce_all(tf.abs(z) < 1.0, axis=-1)
        return tf.where(inside, tf.zeros_like(z[..., 0]), -np.inf * tf.ones_like(z[..., 0]))

    with pytest.raises(ValueError, match=r"target's log-density is not finite at \d+ of 1000"):
        flowdocs.kl_divergence(trainable_gaussian(), boxed, 1000, 0, log_normalizer=np.log(4.0))


def test_kl_divergence_refuses_a_model_with_a_batch_shape_and_a_bad_seed():
    batched = tfd.Normal(tf.zeros(3), 1.0)
    with pytest.raises(ValueError, match="no batch shape"):
        flowdocs.kl_divergence(batched, batched)
    with pytest.raises(ValueError, match="int32 range"):
        flowdocs.kl_divergence(trainable_gaussian(), unnormalized_gaussian, 10, 2**40, LOG_Z)


def test_kl_divergence_refuses_a_target_that_does_not_give_one_value_per_sample():
    def column(z):  # [n, 1]: would broadcast the terms to [n, n]
        return unnormalized_gaussian(z)[:, None]

    with pytest.raises(ValueError, match=r"one log-density per sample: shape \[100\]"):
        flowdocs.kl_divergence(trainable_gaussian(), column, 100, 0, LOG_Z)


def test_kl_divergence_says_when_the_models_own_density_is_not_finite():
    # A uniform on a point: every sample has infinite density.
    model = tfd.Independent(tfd.Uniform(low=[0.0, 0.0], high=[0.0, 0.0]), 1)
    with pytest.raises(ValueError, match="model's log-density is not finite at 50 of 50"):
        flowdocs.kl_divergence(model, unnormalized_gaussian, 50, 0, LOG_Z)
