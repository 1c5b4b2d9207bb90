"""The midpoint grids that the checks integrate on and the figures colour."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

import flowdocs
from flowdocs import grids

tfd = tfp.distributions


def test_midpoints_are_the_centres_of_equal_cells():
    centres, width = grids.midpoints(-1, 3, 4)
    np.testing.assert_array_equal(centres, [-0.5, 0.5, 1.5, 2.5])
    assert width == 1.0
    assert centres.dtype == np.float64


@pytest.mark.parametrize(
    ("low", "high", "count", "message"),
    [
        (1.0, 1.0, 3, "low < high"),
        (2.0, 1.0, 3, "low < high"),
        (0.0, 1.0, 0, "positive integer number of cells; got 0"),
        (0.0, 1.0, 2.5, "positive integer"),
        (0.0, 1.0, True, "positive integer"),
    ],
)
def test_midpoints_refuse_empty_intervals_and_counts(low, high, count, message):
    with pytest.raises(ValueError, match=message):
        grids.midpoints(low, high, count)


def test_ij_puts_the_first_coordinate_first_and_xy_on_the_columns():
    bounds = ((0.0, 3.0), (10.0, 14.0))
    ij, area = grids.midpoint_grid(bounds, (3, 4), indexing="ij")
    xy, same_area = grids.midpoint_grid(bounds, (3, 4), indexing="xy")
    assert ij.shape == (3, 4, 2)
    assert xy.shape == (4, 3, 2)  # rows: the 4 values of the second coordinate
    assert area == same_area == 1.0
    np.testing.assert_array_equal(ij[2, 1], [2.5, 11.5])  # i-th first, j-th second
    np.testing.assert_array_equal(xy[1, 2], [2.5, 11.5])  # row j, column i
    np.testing.assert_array_equal(xy, ij.transpose(1, 0, 2))


def test_one_resolution_serves_both_axes():
    points, area = grids.midpoint_grid(((0, 1), (0, 2)), 5)
    assert points.shape == (5, 5, 2)
    assert area == pytest.approx(0.2 * 0.4)


@pytest.mark.parametrize(
    ("bounds", "resolution", "indexing", "message"),
    [
        (((0, 1), (0, 1)), 4, "yx", 'indexing must be "ij" or "xy"'),
        (((0, 1),), 4, "ij", r"shape \(2, 2\); got shape \(1, 2\)"),
        (((0, 1), (0, 1)), (2, 3, 4), "ij", "an int or a pair of ints"),
        (((0, 1), (1, 0)), 4, "ij", "low < high"),
    ],
    ids=["indexing", "bounds", "resolution", "reversed"],
)
def test_midpoint_grid_refuses_bad_input(bounds, resolution, indexing, message):
    with pytest.raises(ValueError, match=message):
        grids.midpoint_grid(bounds, resolution, indexing)


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_a_gaussian_on_a_wide_grid_has_mass_one(dtype):
    base = flowdocs.base_distribution(dtype=dtype)
    density, area = grids.density_on_grid(base, ((-4, 4), (-4, 4)), 200)
    assert density.dtype == np.float64
    assert np.sum(density) * area == pytest.approx(1.0, abs=1e-6)


def test_the_layouts_hold_the_same_values_transposed():
    skewed = tfd.MultivariateNormalDiag(loc=[0.5, -1.0], scale_diag=[1.0, 0.3])
    bounds, resolution = ((-3, 4), (-2, 0)), (7, 5)
    ij, _ = grids.log_density_on_grid(skewed, bounds, resolution, "ij")
    xy, _ = grids.log_density_on_grid(skewed, bounds, resolution, "xy")
    assert ij.shape == (7, 5)
    np.testing.assert_allclose(xy, ij.T, rtol=1e-6)
    assert np.unravel_index(np.argmax(xy), xy.shape) == (2, 3)  # b = -1 (row 2), a = 0.5


def test_a_function_of_points_and_chunks_give_the_same_values():
    base = flowdocs.base_distribution(dtype=tf.float64)
    bounds = ((-2, 2), (-1, 3))
    whole, _ = grids.log_density_on_grid(base, bounds, 30, "xy")
    chunked, _ = grids.log_density_on_grid(base, bounds, 30, "xy", chunk_size=7)
    as_function, _ = grids.log_density_on_grid(lambda p: base.log_prob(p).numpy(), bounds, 30, "xy")
    np.testing.assert_array_equal(chunked, whole)
    np.testing.assert_array_equal(as_function, whole)


def test_a_nan_density_raises_and_says_where():
    def broken(points):
        return np.where(points[:, 0] > 0, np.nan, 0.0)

    with pytest.raises(ValueError, match="broken: log_prob is NaN at 8 of 16 grid points"):
        grids.density_on_grid(broken, ((-1, 1), (-1, 1)), 4)
    log_p, _ = grids.log_density_on_grid(broken, ((-1, 1), (-1, 1)), 4)
    assert np.isnan(log_p).sum() == 8  # the log-density itself is returned as it is


@pytest.mark.parametrize(
    ("log_density", "message"),
    [
        (tfd.Normal(0.0, 1.0), r"event shape \[2\]\); got event shape \[\]"),
        (tfd.MultivariateNormalDiag(loc=[0.0, 0.0, 0.0]), r"got event shape \[3\]"),
        ("not a density", "a distribution \\(with log_prob\\) or a function"),
        (lambda points: np.zeros(3), r"one value per point, shape \(4,\); got shape \(3,\)"),
    ],
    ids=["scalar", "three", "string", "shape"],
)
def test_log_density_on_grid_refuses_what_it_cannot_evaluate(log_density, message):
    with pytest.raises(ValueError, match=message):
        grids.log_density_on_grid(log_density, ((0, 1), (0, 1)), 2)
