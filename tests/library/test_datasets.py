"""The two-moons data set: a normalised density whose samples follow it."""

import numpy as np
import pytest
import tensorflow as tf

import flowdocs
from flowdocs import checks

BOX = [(-2.2, 2.2), (-1.6, 1.6)]  # the arcs and 5 noise standard deviations around them


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_two_moons_density_has_mass_one_and_matches_its_samples(dtype):
    moons = flowdocs.two_moons(noise=0.1, dtype=dtype)
    assert abs(checks.probability_mass(moons, BOX, resolution=400) - 1.0) < 1e-3
    samples = moons.sample(100_000, seed=(0, 3)).numpy()
    assert samples.dtype == dtype.as_numpy_dtype
    agreement = checks.histogram_agreement(moons, samples, BOX, bins=30)
    assert agreement.max_abs_z < 5.5, agreement
    assert agreement.bins_used > 200


def test_two_moons_mixes_two_arcs_reflected_through_the_origin():
    moons = flowdocs.two_moons(noise=0.05, centres_per_arc=50)
    centres = moons.components_distribution.loc.numpy()
    np.testing.assert_allclose(centres[:50], -centres[50:])
    np.testing.assert_allclose(np.hypot(centres[:50, 0] + 0.5, centres[:50, 1] + 0.25), 1.0)
    assert np.all(centres[:50, 1] > -0.25)  # the upper arc is the upper half circle
