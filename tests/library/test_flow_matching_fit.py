"""Flow matching learns two moons: held-out NLL near the true density's, and mass 1.

One trained model (about a minute on two cores) serves both checks. The bounds are the
issue's: within 0.25 nats of the exact density's held-out NLL, mass within 0.02 of 1.
"""

import numpy as np
import pytest
import tensorflow as tf
import tf_keras

import flowdocs
from flowdocs import checks

STEPS = 5000


@pytest.fixture(scope="module")
def trained():
    moons = flowdocs.two_moons()
    data = moons.sample(20_000, seed=(0, 1))
    model = flowdocs.cnf_flow(hidden_units=(64, 64, 64), seed=0, rtol=1e-4, atol=1e-4)
    flowdocs.fit_flow_matching(
        model,
        data,
        steps=STEPS,
        batch_size=512,
        learning_rate=tf_keras.optimizers.schedules.CosineDecay(5e-3, STEPS),
        seed=0,
        progress=False,
        jit_compile=True,
    )
    return moons, model


def test_the_held_out_nll_is_within_a_quarter_nat_of_the_true_density(trained):
    moons, model = trained
    held_out = moons.sample(1000, seed=(0, 2))
    model_nll = -float(tf.reduce_mean(tf.function(model.log_prob)(held_out)))
    true_nll = -float(tf.reduce_mean(moons.log_prob(held_out)))
    assert true_nll <= model_nll + 0.05  # no model beats the truth by more than noise
    assert model_nll - true_nll < 0.25, (model_nll, true_nll)


def test_the_trained_density_has_total_mass_one(trained):
    _, model = trained
    mass = checks.probability_mass(model, ((-2.5, 2.5), (-1.75, 1.75)), resolution=(60, 42))
    assert abs(mass - 1) < 0.02, mass
    assert np.isfinite(mass)
