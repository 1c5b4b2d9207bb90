"""``checks.energy_distance``: exact on tiny samples, close to the closed form between two
Gaussians, symmetric, invariant under a common shift, and refuses bad samples."""

import math

import numpy as np
import pytest

from flowdocs import checks


def test_two_single_points_are_twice_their_distance_apart():
    assert checks.energy_distance([[0.0, 0.0]], [[3.0, 4.0]]) == pytest.approx(10.0)


def test_a_sample_against_itself_is_zero_and_the_distance_is_symmetric():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 2)), rng.normal(1.0, 2.0, size=(40, 2))
    assert checks.energy_distance(x, x) == 0.0
    assert checks.energy_distance(x, y) == pytest.approx(checks.energy_distance(y, x))
    shifted = checks.energy_distance(x + 5.0, y + 5.0)
    assert shifted == pytest.approx(checks.energy_distance(x, y), rel=1e-12)


def test_it_matches_the_closed_form_between_two_gaussians_on_the_line():
    """X ~ N(0, 1), Y ~ N(m, 1): 2 E|N(m, 2)| - 2 E|N(0, 2)|."""
    m, s = 1.5, math.sqrt(2.0)

    def mean_abs(mean):  # E|N(mean, s^2)|
        return s * math.sqrt(2 / math.pi) * math.exp(-(mean**2) / (2 * s**2)) + mean * math.erf(
            mean / (s * math.sqrt(2))
        )

    exact = 2 * mean_abs(m) - 2 * mean_abs(0.0)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(3000, 1)), rng.normal(m, 1.0, size=(3000, 1))
    assert checks.energy_distance(x, y) == pytest.approx(exact, rel=0.05)
    # Two samples of one distribution: small, positive, of order 1 / n.
    same = checks.energy_distance(x, rng.normal(size=(3000, 1)))
    assert 0 < same < 0.01 * exact


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (np.zeros((0, 2)), np.zeros((3, 2)), r"x must be a non-empty sample .* \[0, 2\]"),
        (np.zeros((3, 2)), np.zeros(3), r"y must be a non-empty sample .* \[3\]"),
        ([[np.nan, 0.0]], [[0.0, 0.0]], "x must be finite"),
        ([[0.0, 0.0]], [[np.inf, 0.0]], "y must be finite"),
        (np.zeros((3, 2)), np.zeros((3, 3)), "same dimension; got 2 and 3"),
    ],
)
def test_it_refuses_bad_samples(x, y, message):
    with pytest.raises(ValueError, match=message):
        checks.energy_distance(x, y)
