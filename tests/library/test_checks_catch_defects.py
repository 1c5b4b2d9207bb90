"""The checks can fail: known answers, then each defect of the original post, planted.

Part 1 gives ``flowdocs.checks`` problems whose answers are known in closed form. Part 2
plants each defect listed in ORIGINAL.md in a small test double and shows that a check
used by the real tests reports a figure beyond the tolerance those tests allow. Weaken a
check or loosen a tolerance until it misses a defect, and a test here fails.
"""

import dataclasses
import math

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

import flowdocs
from flowdocs import checks

tfb = tfp.bijectors
tfd = tfp.distributions


def _standard_normal_2d(dtype=tf.float64):
    return tfd.MultivariateNormalDiag(loc=tf.zeros(2, dtype), scale_diag=tf.ones(2, dtype))


def _normal_cdf(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


# --------------------------------------------------------------------------- known answers


@pytest.mark.parametrize("batch_shape", [(50,), (3, 4)])
def test_autodiff_log_det_of_a_linear_map_is_log_abs_det(batch_shape):
    # y = L x with L = [[2, 0], [1, -3]]: |det L| = 6 at every point.
    bijector = tfb.ScaleMatvecTriL(scale_tril=tf.constant([[2.0, 0.0], [1.0, -3.0]], tf.float64))
    x = np.random.default_rng(0).normal(size=(*batch_shape, 2))
    log_det = checks.autodiff_log_det(bijector, x)
    assert log_det.shape == batch_shape
    np.testing.assert_allclose(log_det, math.log(6.0), rtol=1e-12)


def test_autodiff_log_det_of_the_sigmoid_is_sum_log_s_one_minus_s():
    x = np.random.default_rng(1).normal(scale=3.0, size=(100, 2))
    s = 1 / (1 + np.exp(-x))
    expected = np.sum(np.log(s * (1 - s)), axis=-1)
    np.testing.assert_allclose(checks.autodiff_log_det(tfb.Sigmoid(), x), expected, rtol=1e-10)


def test_checks_report_zero_for_exact_maps():
    x = np.random.default_rng(2).normal(size=(100, 2))
    doubling = tfb.Scale(tf.constant(2.0, tf.float64))  # powers of two: exact arithmetic
    assert checks.round_trip_error(doubling, x) == 0
    assert checks.round_trip_error(doubling, x, start="y") == 0
    assert checks.log_det_error(doubling, x) < 1e-15
    assert checks.inverse_log_det_error(doubling, x) == 0


def test_round_trip_error_rejects_an_unknown_start():
    with pytest.raises(ValueError, match="start"):
        checks.round_trip_error(tfb.Identity(), np.zeros((2, 2)), start="z")


def test_probability_mass_of_a_gaussian_box():
    normal = _standard_normal_2d()
    whole = checks.probability_mass(normal, [(-8.0, 8.0), (-8.0, 8.0)], resolution=200)
    assert abs(whole - 1) < 1e-9
    box = checks.probability_mass(normal, [(0.0, 1.0), (-2.0, 0.5)], resolution=(100, 250))
    exact = (_normal_cdf(1) - 0.5) * (_normal_cdf(0.5) - _normal_cdf(-2))
    assert abs(box - exact) < 1e-5


def test_probability_mass_in_logit_coordinates_is_the_change_of_variables():
    # The logistic-normal on the unit square, integrated over a box of logits, holds
    # the Gaussian mass of that box.
    logistic_normal = tfd.TransformedDistribution(_standard_normal_2d(), tfb.Sigmoid())
    box = [(-1.0, 2.0), (-3.0, 3.0)]
    mass = checks.probability_mass(logistic_normal, box, coordinates=tfb.Sigmoid())
    exact = (_normal_cdf(2) - _normal_cdf(-1)) * (_normal_cdf(3) - _normal_cdf(-3))
    assert abs(mass - exact) < 1e-5


def test_a_nan_density_cannot_vanish_from_a_grid():
    broken = tfd.MultivariateNormalDiag(loc=[math.nan, 0.0], scale_diag=[1.0, 1.0])
    with pytest.raises(ValueError, match="NaN"):
        checks.probability_mass(broken, [(-1.0, 1.0), (-1.0, 1.0)], resolution=10)
    with pytest.raises(ValueError, match="NaN"):
        checks.histogram_agreement(broken, np.zeros((100, 2)), [(-1.0, 1.0), (-1.0, 1.0)])


def test_histogram_agreement_passes_the_truth_and_fails_a_shift(helpers):
    normal = _standard_normal_2d()
    samples = helpers.draw(normal, 100_000, seed=0)
    bounds = [(-3.0, 3.0), (-3.0, 3.0)]
    truth = checks.histogram_agreement(normal, samples, bounds)
    assert truth.bins_used > 500
    assert truth.max_abs_z <= helpers.TOLERANCES[tf.float64].max_abs_z
    # Samples off by half a standard deviation along one axis.
    shifted = checks.histogram_agreement(normal, samples + np.array([0.5, 0.0]), bounds)
    assert shifted.max_abs_z > helpers.TOLERANCES[tf.float64].max_abs_z
    with pytest.raises(ValueError, match="No bin"):
        checks.histogram_agreement(normal, samples[:5], bounds)


# --------------------------------------------------------------------------- defect doubles


class _PlaneDouble(tfb.Bijector):
    """A minimal 2-vector bijector with one scalar parameter, for planting defects."""

    def __init__(self, value, dtype="infer"):
        parameters = dict(locals())
        self.value = tf.convert_to_tensor(value)
        super().__init__(
            forward_min_event_ndims=1,
            dtype=self.value.dtype if dtype == "infer" else dtype,
            parameters=parameters,
            name=type(self).__name__,
        )


class ReflectingRotation(_PlaneDouble):
    """Defect 1: forward [[cos, -sin], [sin, -cos]]; inverse the true rotation's; log-det 0."""

    def _forward(self, x):
        c, s = tf.cos(self.value), tf.sin(self.value)
        return tf.stack([c * x[..., 0] - s * x[..., 1], s * x[..., 0] - c * x[..., 1]], -1)

    def _inverse(self, y):
        c, s = tf.cos(self.value), tf.sin(self.value)
        return tf.stack([c * y[..., 0] + s * y[..., 1], -s * y[..., 0] + c * y[..., 1]], -1)

    def _forward_log_det_jacobian(self, x):
        return tf.zeros_like(x[..., 0])


def _shear(x, strength, sign):
    """(x_a, x_b + sign · e · x_a³)."""
    return tf.stack([x[..., 0], x[..., 1] + sign * strength * x[..., 0] ** 3], -1)


class CubeWithUnitLogDet(_PlaneDouble):
    """Defect 2: the right shear (x_a, x_b + e x_a³), but its log-det is 1 instead of 0."""

    def _forward(self, x):
        return _shear(x, self.value, 1.0)

    def _inverse(self, y):
        return _shear(y, self.value, -1.0)

    def _forward_log_det_jacobian(self, x):
        return tf.ones_like(x[..., 0])


class Float32Cube(_PlaneDouble):
    """Defect 4: the shear (log-det 0) computed after casting every input to float32."""

    def __init__(self, value):
        super().__init__(value, dtype=None)

    def _forward(self, x):
        return _shear(tf.cast(x, tf.float32), tf.cast(self.value, tf.float32), 1.0)

    def _inverse(self, y):
        return _shear(tf.cast(y, tf.float32), tf.cast(self.value, tf.float32), -1.0)

    def _forward_log_det_jacobian(self, x):
        return tf.zeros_like(tf.cast(x[..., 0], tf.float32))


def _with_stage(flow, name, **changes):
    """``flow`` with the named stage's fields replaced (a new Flow; stages are frozen)."""
    return flowdocs.Flow(
        flow.base,
        [dataclasses.replace(s, **changes) if s.name == name else s for s in flow.stages],
    )


def _stage_input(flow, helpers, name, count=2000):
    """Seeded points that the named stage of ``flow`` receives, away from the edges."""
    return helpers.interior_staged_points(flow, count, seed=0)[helpers.STAGE_NAMES.index(name)]


# --------------------------------------------------------------------------- defects


def test_defect_1_reflecting_rotation_is_caught(flow, tolerance, helpers, record_figure):
    angle = flow.stages[3].bijector.angle
    double = ReflectingRotation(angle)
    x = _stage_input(flow, helpers, "rotation")
    # The samples would come from the wrong map; the inverse is the right one, so only
    # a check on a copy sees the mismatch (TFP's cache would hand x straight back).
    round_trip = checks.round_trip_error(double, x)
    record_figure("round_trip_error", round_trip)
    assert round_trip > tolerance.round_trip
    # |det| = |cos 2θ|, not 1: autodiff sees log|cos 2θ| where the bijector claims 0.
    log_det_gap = checks.log_det_error(double, x)
    record_figure("log_det_error", log_det_gap)
    assert log_det_gap > tolerance.log_det
    assert log_det_gap == pytest.approx(abs(math.log(abs(math.cos(2 * float(angle))))), rel=1e-3)
    # The density is the true one (log_prob uses the right inverse), but the samples,
    # drawn through the wrong forward map, disagree with it.
    wrong_flow = _with_stage(flow, "rotation", bijector=double)
    max_abs_z = helpers.stage_histogram(wrong_flow, 4).max_abs_z
    record_figure("max_abs_z", max_abs_z)
    assert max_abs_z > tolerance.max_abs_z


def test_defect_1_is_singular_at_a_quarter_turn(dtype, tolerance):
    double = ReflectingRotation(tf.constant(math.pi / 4, dtype))
    x = np.random.default_rng(0).normal(size=(100, 2)).astype(dtype.as_numpy_dtype)
    assert np.all(checks.autodiff_log_det(double, x) < -15)  # det = -cos(π/2) = 0
    assert checks.log_det_error(double, x) > tolerance.log_det


def test_defect_2_unit_log_det_is_caught(flow, tolerance, helpers, record_figure):
    double = CubeWithUnitLogDet(flow.stages[2].bijector.strength)
    x = _stage_input(flow, helpers, "shift_and_cube")
    log_det_gap = checks.log_det_error(double, x)
    record_figure("log_det_error", log_det_gap)
    assert log_det_gap == pytest.approx(1.0, abs=tolerance.log_det)
    # Every density after it is e times too small: total mass e⁻¹.
    wrong_flow = _with_stage(flow, "shift_and_cube", bijector=double)
    figure = helpers.stage_mass(wrong_flow, 3)
    record_figure("mass", figure.mass)
    assert abs(figure.mass + figure.edge_share - 1) > tolerance.mass
    assert figure.mass == pytest.approx(math.exp(-1), abs=tolerance.mass)
    max_abs_z = helpers.stage_histogram(wrong_flow, 3).max_abs_z
    record_figure("max_abs_z", max_abs_z)
    assert max_abs_z > tolerance.max_abs_z
    # The NumPy reference of eq. (6), with the same parameters, differs by exactly 1.
    points = helpers.draw(flow.distribution_after(3), 1000, seed=3)
    log_prob = wrong_flow.distribution_after(3).log_prob(helpers.copy_of(points)).numpy()
    reference = helpers.reference_log_prob(flow, points, 3)
    np.testing.assert_allclose(reference - log_prob, 1.0, atol=1e-3)
    assert helpers.log_prob_error(log_prob, reference) > tolerance.log_prob
    # Its maps are right, so the round trip passes: only the log-det checks see it.
    assert checks.round_trip_error(double, x) <= tolerance.round_trip


def _unseeded_five_stage_flow(seed, dtype=tf.float32):
    """Defect 3: e and θ drawn from NumPy's global generator, ignoring ``seed``."""
    strength = np.random.normal(3.0, 1.0)  # noqa: NPY002  (the planted defect)
    angle = np.random.uniform(0.0, 2 * math.pi)  # noqa: NPY002
    return flowdocs.five_stage_flow(seed, strength=strength, angle=angle, dtype=dtype)


def test_defect_3_unseeded_draws_are_caught(helpers, record_figure):
    gap = helpers.reproducibility_gap(_unseeded_five_stage_flow, seed=3)
    record_figure("parameter_gap", gap.parameters)
    assert gap.parameters > 0


def test_defect_4_float32_cast_is_caught(helpers, record_figure):
    double = Float32Cube(tf.constant(3.0, tf.float64))
    x = np.random.default_rng(0).normal(size=(1000, 2))
    assert helpers.output_dtypes(double, x) == {tf.float32}
    round_trip = checks.round_trip_error(double, x)
    record_figure("round_trip_error", round_trip)
    assert round_trip > helpers.TOLERANCES[tf.float64].round_trip


@pytest.mark.parametrize(
    "formula",
    [
        r"f_3(z) = (z_a,\; z_b + e\, z_1^3)",  # the post's z_1 for z_a
        r"f_3(z) = (z_{a},\; z_{b} + e\, z_{1}^3)",  # the same, braced
        r"f_2(z) = (z_a,\; z_b + e\, z_a^3)",  # a title that names another stage
        r"f_3(z) = (z_a,\; z_b + \theta\, z_a^3)",  # another stage's parameter
    ],
)
def test_defect_5_formula_that_does_not_match_its_stage_is_caught(flow, helpers, formula):
    assert helpers.formula_problems(flow.stages[2]) == []
    planted = dataclasses.replace(flow.stages[2], formula=formula)
    assert helpers.formula_problems(planted) != []
