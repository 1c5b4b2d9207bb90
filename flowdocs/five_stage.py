r"""The five-stage flow of the original post, its Gaussian base and its random parameters.

Eq. :eq:`five-stage-flow`: :math:`x = f_5 \circ f_4 \circ f_3 \circ f_2 \circ f_1(z)` with
:math:`z \sim \mathcal{N}(0, \tau^2 I)`. Parameters given as numbers are checked here, when
the flow is built, whatever ``validate_args`` says.
"""

import math

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from tensorflow_probability.python.internal import tensor_util

from flowdocs.bijectors import EVENT_SIZE, Rotation2D, ShiftAndCube, Sigmoid
from flowdocs.flow import Flow, Stage

tfb = tfp.bijectors
tfd = tfp.distributions

__all__ = ["base_distribution", "draw_parameters", "five_stage_flow"]


def base_distribution(loc=0.0, scale=0.5, dtype=tf.float32):
    r"""The 2-D diagonal Gaussian base :math:`p_0 = \mathcal{N}(\mu\mathbf{1}, \tau^2 I)`.

    This is eq. :eq:`base-distribution` with :math:`\mu = 0, \tau = 0.5` by default.

    Parameters
    ----------
    loc : float or array-like of shape ``[2]`` or ``[..., 2]``
        The mean :math:`\mu`, shared by both axes when a scalar.
    scale : float or array-like of shape ``[2]`` or ``[..., 2]``
        The standard deviation :math:`\tau` of each axis; positive.
    dtype : tf.DType
        ``tf.float32`` or ``tf.float64``.

    Returns
    -------
    tfp.distributions.MultivariateNormalDiag
        Event shape ``[2]``; batch shape ``[...]`` for parameters of shape ``[..., 2]``.
    """
    _check_known(loc, "base_distribution", "loc", [EVENT_SIZE])
    _check_known(scale, "base_distribution", "scale", [EVENT_SIZE], "positive")
    # A scalar is shared by both axes; [..., 2] gives a batch of bases.
    loc = tf.convert_to_tensor(loc, dtype) + tf.zeros([EVENT_SIZE], dtype)
    scale = tf.convert_to_tensor(scale, dtype) + tf.zeros([EVENT_SIZE], dtype)
    return tfd.MultivariateNormalDiag(loc=loc, scale_diag=scale, name="base")


def draw_parameters(seed):
    r"""The random parameters of the original post, drawn reproducibly.

    Returns ``(strength, angle)``: :math:`e \sim \mathcal{N}(3, 1)` and
    :math:`\theta \sim \mathcal{U}(0, 2\pi)` from a NumPy generator seeded with ``seed``.
    """
    rng = np.random.default_rng(seed)
    strength = float(rng.normal(3.0, 1.0))
    angle = float(rng.uniform(0.0, 2.0 * math.pi))
    return strength, angle


def five_stage_flow(
    seed=0,
    shift=(0.0, -2.0),
    scale=(2.0, 1.5),
    strength=None,
    angle=None,
    *,
    base=None,
    dtype=tf.float32,
    validate_args=False,
    trainable=False,
):
    r"""The five-stage flow of the original post.

    Eq. :eq:`five-stage-flow`: :math:`x = f_5 \circ f_4 \circ f_3 \circ f_2 \circ f_1(z)`.

    f1 shifts by :math:`c`, f2 scales by :math:`d`, f3 shears by :math:`e\,z_a^3`, f4
    rotates by :math:`\theta`, f5 squashes each coordinate with the logistic sigmoid.

    Parameters
    ----------
    seed : int
        Seed of :func:`draw_parameters`, which draws :math:`e` and :math:`\theta` when
        they are not given; both are always drawn, so fixing one leaves the other as it
        was.
    shift : float or array-like of shape ``[2]``
        The shift :math:`c = (c_0, c_1)` of f1.
    scale : float or array-like of shape ``[2]``
        The scale :math:`d = (d_0, d_1)` of f2; no entry may be 0.
    strength : float, optional
        The strength :math:`e` of the cubic shear f3.
    angle : float, optional
        The rotation angle :math:`\theta` of f4, in radians.
    base : tfp.distributions.Distribution, optional
        The base :math:`p_0`; by default :func:`base_distribution` in ``dtype``.
    dtype : tf.DType
        ``tf.float32`` or ``tf.float64``.
    validate_args : bool
        Check parameters given as ``tf.Variable`` on every use (numbers are always
        checked, here), and points of the wrong event size inside graphs.
    trainable : bool
        Make the parameters variables that start at the given (or drawn) values, for
        :func:`flowdocs.fit`: ``tf.Variable`` for :math:`c`, :math:`e` and
        :math:`\theta`, and for :math:`d` a ``tfp.util.TransformedVariable`` through a
        softplus, so that :math:`d` stays positive whatever the optimizer does (its
        initial value must be positive). A parameter given as a variable is used as it
        is.

    Returns
    -------
    Flow
        Five stages named ``shift``, ``scale``, ``shift_and_cube``, ``rotation`` and
        ``sigmoid``, on 2-vectors: samples of shape ``[n, 2]`` in the unit square.

    Raises
    ------
    ValueError
        For a dtype other than float32 or float64, or a parameter given as numbers
        that is NaN, infinite, of the wrong shape, or (the scale) zero.
    """
    dtype = tf.as_dtype(dtype)
    if dtype not in (tf.float32, tf.float64):
        raise ValueError(f"dtype must be tf.float32 or tf.float64; got {dtype.name}.")
    drawn_strength, drawn_angle = draw_parameters(seed)
    strength = drawn_strength if strength is None else strength
    angle = drawn_angle if angle is None else angle
    for value, name, shape, rule in [
        (shift, "shift", [2], None),
        (scale, "scale", [2], "nonzero"),
        (strength, "strength", [], None),
        (angle, "angle", [], None),
    ]:
        _check_known(value, "five_stage_flow", name, shape, rule)
    if trainable:
        shift, scale, strength, angle = _trainable_parameters(shift, scale, strength, angle, dtype)
    shift, scale, strength, angle = (
        tensor_util.convert_nonref_to_tensor(value, dtype=dtype, name=name)
        for value, name in [
            (shift, "shift"),
            (scale, "scale"),
            (strength, "strength"),
            (angle, "angle"),
        ]
    )
    checks = dict(validate_args=validate_args)
    stages = [
        Stage("shift", "f_1", r"f_1(z) = (z_a + c_0,\; z_b + c_1)", tfb.Shift(shift, **checks)),
        Stage("scale", "f_2", r"f_2(z) = (d_0 z_a,\; d_1 z_b)", tfb.Scale(scale, **checks)),
        Stage(
            "shift_and_cube",
            "f_3",
            r"f_3(z) = (z_a,\; z_b + e\, z_a^3)",
            ShiftAndCube(strength, **checks),
        ),
        Stage(
            "rotation",
            "f_4",
            r"f_4(z) = (z_a \cos\theta - z_b \sin\theta,\; z_a \sin\theta + z_b \cos\theta)",
            Rotation2D(angle, **checks),
        ),
        Stage(
            "sigmoid",
            "f_5",
            r"f_5(z) = (\sigma(z_a),\; \sigma(z_b))",
            Sigmoid(validate_args=validate_args),
        ),
    ]
    return Flow(base_distribution(dtype=dtype) if base is None else base, stages)


_RULES = {
    "nonzero": (lambda array: np.all(array != 0), "no zero entry (a zero scale is not invertible)"),
    "positive": (lambda array: np.all(array > 0), "only positive entries"),
}


def _check_known(value, where, name, shape, rule=None):
    """Refuse a parameter given as numbers that is not real, finite and of ``shape``.

    ``shape`` ``[2]`` admits a scalar (shared by both coordinates) and batches of shape
    ``[..., 2]``; ``shape`` ``[]`` admits any batch of numbers. ``rule`` is a key of
    ``_RULES``. Variables and tensors whose value is not known yet pass: their
    checks run with ``validate_args``.
    """
    if tensor_util.is_ref(value):
        return
    if value is None:
        raise ValueError(f"{where}: `{name}` must be a real number; got None.")
    if tf.is_tensor(value):
        value = tf.get_static_value(value)
        if value is None:
            return
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise ValueError(
            f"{where}: `{name}` must be real numbers; got {value!r} (dtype {array.dtype})."
        )
    if shape and array.ndim and array.shape[-1] not in (1, *shape):
        raise ValueError(
            f"{where}: `{name}` must be a number or {shape[0]} numbers (or a batch of "
            f"them, shape [..., {shape[0]}]); got shape {list(array.shape)}."
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{where}: `{name}` must be finite; got {array.tolist()}.")
    if rule is not None and not _RULES[rule][0](array):
        raise ValueError(f"{where}: `{name}` must have {_RULES[rule][1]}; got {array.tolist()}.")


def _trainable_parameters(shift, scale, strength, angle, dtype):
    """Variables for the parameters of :func:`five_stage_flow` that are not variables yet.

    The scale is stored as the softplus of an unconstrained variable, so it is positive
    by construction.
    """

    def variable(value, name):
        if tensor_util.is_ref(value):
            return value
        return tf.Variable(tf.convert_to_tensor(value, dtype=dtype), name=name)

    if not tensor_util.is_ref(scale):
        initial = np.asarray(scale, dtype=tf.as_dtype(dtype).as_numpy_dtype)
        if not np.all(initial > 0):
            raise ValueError(
                f"five_stage_flow(trainable=True) keeps the scale positive, so its "
                f"initial value must be positive; got {initial.tolist()}."
            )
        scale = tfp.util.TransformedVariable(
            initial, bijector=tfb.Softplus(), dtype=dtype, name="scale"
        )
    return (
        variable(shift, "shift"),
        scale,
        variable(strength, "strength"),
        variable(angle, "angle"),
    )
