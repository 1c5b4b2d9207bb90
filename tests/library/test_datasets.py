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


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_checkerboard_has_mass_one_and_matches_its_samples(dtype):
    board = flowdocs.checkerboard(dtype=dtype)
    box = [(-2.5, 2.5), (-2.5, 2.5)]  # grid lines on the squares' edges: the sum is exact
    assert abs(checks.probability_mass(board, box, resolution=100) - 1.0) < 1e-6
    samples = board.sample(80_000, seed=(0, 4)).numpy()
    assert samples.dtype == dtype.as_numpy_dtype
    agreement = checks.histogram_agreement(board, samples, box, bins=20)
    assert agreement.max_abs_z < 5.5, agreement
    assert agreement.bins_used == 128  # the 8 black squares, 16 bins each


@pytest.mark.parametrize("cells", [2, 3, 4, 5])
def test_checkerboard_is_uniform_on_the_black_squares_only(cells):
    board = flowdocs.checkerboard(cells=cells, dtype=tf.float64)
    black = (cells * cells + 1) // 2
    centres = np.array([(i, j) for i in range(cells) for j in range(cells)]) + 0.5 - cells / 2
    is_black = (np.arange(cells)[:, None] + np.arange(cells)[None, :]).ravel() % 2 == 0
    log_p = board.log_prob(centres).numpy()
    np.testing.assert_allclose(log_p[is_black], -np.log(black), rtol=1e-12)
    assert np.all(log_p[~is_black] == -np.inf)
    outside = np.array([[cells / 2 + 0.3, 0.1], [0.1, -cells / 2 - 0.3]])
    assert np.all(board.log_prob(outside).numpy() == -np.inf)
    samples = board.sample(2000, seed=(1, 2)).numpy()
    assert np.all(np.abs(samples) <= cells / 2)
    assert np.all(np.isfinite(board.log_prob(samples).numpy()))  # every sample on black
    held_out_nll = -np.mean(board.log_prob(samples).numpy())
    assert held_out_nll == pytest.approx(np.log(black), rel=1e-12)
