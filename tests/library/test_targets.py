"""The four energies of Rezende and Mohamed (2015) as boxed targets, and their log Z.

The energies are written here again in NumPy from the paper's Table 1, and integrated
by another rule (the midpoint rule on a regular grid, extrapolated), so that neither the
formulas nor the quadrature of ``flowdocs.targets`` is checked against itself.
"""

import math

import numpy as np
import pytest
import tensorflow as tf

import flowdocs
from flowdocs import targets

NAMES = targets.ENERGY_NAMES


def _gauss(x, width):
    return np.exp(-0.5 * (x / width) ** 2)


def reference_energy(name, z1, z2):
    """Table 1 of the paper, in float64 NumPy: U(z), no box."""
    w1 = np.sin(2 * np.pi * z1 / 4)
    w2 = 3 * np.exp(-0.5 * ((z1 - 1) / 0.6) ** 2)
    w3 = 3 / (1 + np.exp(-(z1 - 1) / 0.3))
    if name == "U1":
        ring = 0.5 * ((np.hypot(z1, z2) - 2) / 0.4) ** 2
        return ring - np.log(_gauss(z1 - 2, 0.6) + _gauss(z1 + 2, 0.6))
    if name == "U2":
        return 0.5 * ((z2 - w1) / 0.4) ** 2
    if name == "U3":
        return -np.log(_gauss(z2 - w1, 0.35) + _gauss(z2 - w1 + w2, 0.35))
    return -np.log(_gauss(z2 - w1, 0.4) + _gauss(z2 - w1 + w3, 0.35))


def reference_log_unnormalized(name, z1, z2):
    """-U minus the soft wall of the module docstring, written out again."""
    wall = sum(0.5 * (np.maximum(np.abs(zi) - 4.0, 0.0) / 0.1) ** 2 for zi in (z1, z2))
    return -reference_energy(name, z1, z2) - wall


def midpoint_log_z(name, cell):
    """log Z by the midpoint rule on cells of side ``cell`` over [-5.2, 5.2]^2.

    Cell edges fall on ±4, where the wall's second derivative jumps, so the error is a
    series in cell^2 and Richardson extrapolation applies.
    """
    count = round(10.4 / cell)
    centres = -5.2 + cell * (np.arange(count) + 0.5)
    total = 0.0
    for start in range(0, count, 256):  # rows in chunks, to bound memory
        z1 = centres[start : start + 256, None]
        total += np.exp(reference_log_unnormalized(name, z1, centres[None, :])).sum()
    return math.log(total * cell**2)


@pytest.mark.parametrize("name", NAMES)
def test_log_normalizer_agrees_with_an_independent_quadrature(name, record_figure):
    coarse, fine = midpoint_log_z(name, 0.01), midpoint_log_z(name, 0.005)
    extrapolated = fine + (fine - coarse) / 3  # log Z, with the cell^2 term removed
    gap = abs(flowdocs.energy_target(name).log_normalizer - extrapolated)
    record_figure("log Z gap", gap)
    assert gap < 1e-8, (
        f"{name}: log Z {flowdocs.energy_target(name).log_normalizer} vs {extrapolated}"
    )


@pytest.mark.parametrize("name", NAMES)
def test_log_normalizer_has_converged_in_the_nodes_per_panel(name):
    target = flowdocs.energy_target(name)
    assert abs(target.log_normalizer - target._log_normalizer(nodes_per_panel=32)) < 1e-12


@pytest.mark.parametrize("name", NAMES)
def test_inside_the_box_the_target_is_minus_the_paper_energy(name, dtype):
    """Away from the wall, log p~ = -U exactly (the constant is 0), in both dtypes."""
    rng = np.random.default_rng(0)
    z = rng.uniform(-3.9, 3.9, size=(2000, 2))
    target = flowdocs.energy_target(name)
    log_p = target.log_unnormalized_prob(tf.constant(z, dtype)).numpy()
    expected = -reference_energy(name, z[:, 0], z[:, 1])
    tolerance = 1e-5 if dtype == tf.float32 else 1e-12
    np.testing.assert_allclose(log_p, expected, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(target.energy(z), -expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_outside_the_box_the_wall_takes_over(name):
    """Past the box the target falls like a Gaussian tail of width 0.1 on top of -U."""
    target = flowdocs.energy_target(name)
    z = np.array([[4.3, 0.5], [-0.5, -4.2], [4.1, 4.1], [-6.0, 1.0]])
    expected = reference_log_unnormalized(name, z[:, 0], z[:, 1])
    np.testing.assert_allclose(target.log_unnormalized_prob(z).numpy(), expected, rtol=1e-12)
    assert np.all(target.log_unnormalized_prob(z).numpy() < -target.energy(z).numpy() - 0.9)


@pytest.mark.parametrize("name", NAMES)
def test_log_prob_integrates_to_one(name):
    target = flowdocs.energy_target(name)
    nodes, weights = targets._gauss_legendre_axis(16)
    z = np.stack(np.meshgrid(nodes, nodes, indexing="ij"), axis=-1)
    mass = np.sum(np.exp(target.log_prob(z).numpy()) * np.outer(weights, weights))
    assert abs(mass - 1) < 1e-10


@pytest.mark.parametrize("name", NAMES)
def test_gradients_are_finite_everywhere_including_the_origin(name):
    z = tf.constant([[0.0, 0.0], [1.0, -2.0], [5.0, -5.0], [-30.0, 30.0]])
    target = flowdocs.energy_target(name)
    with tf.GradientTape() as tape:
        tape.watch(z)
        log_p = target.log_unnormalized_prob(z)
    assert np.all(np.isfinite(tape.gradient(log_p, z).numpy()))


def test_the_two_bumps_are_summed_stably_far_from_both():
    """log(e^a + e^b) underflows to log 0 = -inf if computed naively for z_1 = 40."""
    value = flowdocs.energy_target("U1").energy(tf.constant([[40.0, 0.0]], tf.float32))
    assert np.isfinite(value.numpy()).all()


def test_numbers_and_integer_points_become_float32():
    target = flowdocs.energy_target("U2")
    assert target.log_unnormalized_prob([[0, 1]]).dtype == tf.float32
    assert target.log_unnormalized_prob([[0.5, 1.0]]).dtype == tf.float32
    assert target.log_unnormalized_prob(np.zeros((3, 2))).dtype == tf.float64


@pytest.mark.parametrize("name", ["U5", "u1", "", None, 1])
def test_an_unknown_name_raises_listing_the_names(name):
    with pytest.raises(ValueError, match=r"name must be one of \['U1', 'U2', 'U3', 'U4'\]"):
        flowdocs.energy_target(name)


@pytest.mark.parametrize("shape", [(5, 3), (5, 1), (3,), ()])
def test_points_of_another_event_size_raise(shape):
    target = flowdocs.energy_target("U1")
    with pytest.raises(ValueError, match="last dimension of size 2"):
        target.log_unnormalized_prob(np.zeros(shape, np.float32))


@pytest.mark.parametrize("points", [np.zeros((2, 2), np.float16), np.zeros((2, 2), complex)])
def test_points_of_another_dtype_raise(points):
    with pytest.raises(ValueError, match="z must be"):
        flowdocs.energy_target("U3").log_unnormalized_prob(points)
