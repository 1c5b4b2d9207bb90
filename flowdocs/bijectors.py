"""The two bijectors of the five-stage flow that TFP does not ship.

Both act on 2-vectors ``x = (x_a, x_b)`` (``forward_min_event_ndims=1``, event size 2)
with any batch shape, in float32 or float64, and are written the way TFP writes its own
bijectors: parameters kept by reference (a ``tf.Variable`` stays a variable, so gradients
reach it), ``_parameter_properties`` for batch-shape inference, and run-time assertions
only when ``validate_args=True``. :class:`Sigmoid` is TFP's own sigmoid with a forward
map whose gradient stays finite for large inputs.
"""

import functools

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from tensorflow_probability.python.bijectors import bijector as bijector_lib
from tensorflow_probability.python.internal import (
    assert_util,
    dtype_util,
    parameter_properties,
    tensor_util,
)

__all__ = ["EVENT_SIZE", "Rotation2D", "ShiftAndCube", "Sigmoid", "partial_map", "partial_velocity"]

EVENT_SIZE = 2
"""Every bijector of the flow maps 2-vectors to 2-vectors."""


_FLOAT_DTYPES = (tf.float32, tf.float64)


class _PlaneBijector(bijector_lib.AutoCompositeTensorBijector):
    """Shared machinery: one scalar parameter per 2-vector event, unit determinant.

    A parameter given as numbers (not a ``tf.Variable``) is checked when the bijector is
    built, whatever ``validate_args`` says: it must be real, finite and of a float dtype
    (Python and NumPy integers become float32). A variable is checked each time it is
    used, when ``validate_args=True``, in eager mode, in ``tf.function`` and under XLA
    (where TensorFlow compiles assertions away).
    """

    _parameter_name = None  # set by subclasses

    def __init__(self, value, validate_args, parameters, name, is_constant_jacobian):
        with tf.name_scope(name) as name:
            self._value = _checked_parameter(value, type(self).__name__, self._parameter_name)
            super().__init__(
                forward_min_event_ndims=1,
                is_constant_jacobian=is_constant_jacobian,
                validate_args=validate_args,
                dtype=self._value.dtype,
                parameters=parameters,
                name=name,
            )

    @classmethod
    def _parameter_properties(cls, dtype):
        # One scalar per bijector of the batch: points of shape [..., 2] take a
        # parameter of shape [...].
        return {
            cls._parameter_name: parameter_properties.ParameterProperties(
                event_ndims=0, shape_fn=lambda sample_shape: sample_shape[:-1]
            )
        }

    def _parameter_control_dependencies(self, is_init):
        # Numbers were checked in __init__; a variable can change, so it is checked on
        # every use (is_init=False). TFP's assert_util returns None in eager mode, where
        # the check has already run, and an op in a graph.
        if not self.validate_args or is_init or not tensor_util.is_ref(self._value):
            return []
        return [
            assert_util.assert_equal(
                tf.reduce_all(tf.math.is_finite(self._value)),
                True,
                message=f"{type(self).__name__}: `{self._parameter_name}` must be finite.",
            )
        ]

    def _split(self, x):
        """Split ``[..., 2]`` into its coordinates, refusing any other event size.

        A static event size is checked at once; an unknown one (inside ``tf.function``
        with a ``None`` dimension) when the graph runs.
        """
        size = tf.compat.dimension_value(x.shape[-1]) if x.shape.rank else None
        if x.shape.rank == 0 or (size is not None and size != EVENT_SIZE):
            raise ValueError(
                f"{type(self).__name__} expects points with a last dimension of size "
                f"{EVENT_SIZE} (2-vectors (x_a, x_b)); got a tensor of shape {x.shape}."
            )
        if size is None:
            assertion = assert_util.assert_equal(
                tf.shape(x)[-1],
                EVENT_SIZE,
                message=f"{type(self).__name__} expects points with a last dimension of "
                f"size {EVENT_SIZE} (2-vectors (x_a, x_b)).",
            )
            with tf.control_dependencies([assertion] if assertion is not None else []):
                x = tf.identity(x)
        return x[..., 0], x[..., 1]

    def _forward_log_det_jacobian(self, x):
        # Volume-preserving: det J = 1 everywhere. TFP broadcasts this constant
        # against the batch shape of `x`.
        self._split(x)
        return tf.zeros([], dtype=dtype_util.base_dtype(x.dtype))

    def _inverse_log_det_jacobian(self, y):
        return self._forward_log_det_jacobian(y)


def _checked_parameter(value, owner, name):
    """``value`` as a float32/float64 tensor (a variable stays a variable), checked.

    Raises a ValueError that names the parameter for None, strings, complex numbers,
    dtypes other than float32 and float64, and, for values known now, NaN or infinity.
    """
    if value is None:
        raise ValueError(f"{owner}: `{name}` must be a real number or tensor; got None.")
    if not tf.is_tensor(value) and not tensor_util.is_ref(value):
        array = np.asarray(value)
        if array.dtype.kind in "iub":
            if array.dtype.kind == "b":
                raise ValueError(f"{owner}: `{name}` must be a real number; got {value!r}.")
            value = array.astype(np.float32)
        elif array.dtype.kind != "f":
            raise ValueError(
                f"{owner}: `{name}` must be a real number or float tensor; got {value!r} "
                f"(dtype {array.dtype})."
            )
    dtype = dtype_util.common_dtype([value], dtype_hint=tf.float32)
    if dtype not in _FLOAT_DTYPES:
        raise ValueError(
            f"{owner}: `{name}` must be float32 or float64; got {tf.as_dtype(dtype).name}. "
            f"Cast it first, e.g. tf.cast({name}, tf.float32)."
        )
    value = tensor_util.convert_nonref_to_tensor(value, dtype=dtype, name=name)
    known = None if tensor_util.is_ref(value) else tf.get_static_value(value)
    if known is not None and not np.all(np.isfinite(known)):
        raise ValueError(f"{owner}: `{name}` must be finite; got {np.asarray(known).tolist()}.")
    return value


class ShiftAndCube(_PlaneBijector):
    r"""Shear the plane by a cubic: :math:`(x_a, x_b) \mapsto (x_a,\ x_b + e\,x_a^3)`.

    Parameters
    ----------
    strength : float or tensor-like
        The coefficient :math:`e`. A batch of strengths gives a batch of bijectors;
        a ``tf.Variable`` is kept as a reference so that gradients reach it.
    validate_args : bool
        When true, a ``tf.Variable`` ``strength`` is checked to be finite on every use.
        A ``strength`` given as numbers is always checked, when the bijector is built.
    name : str
        Name scope of the ops.

    Notes
    -----
    Forward: :math:`y = (x_a,\ x_b + e\,x_a^3)`.
    Inverse: :math:`x = (y_a,\ y_b - e\,y_a^3)`.
    Jacobian: :math:`\begin{pmatrix} 1 & 0 \\ 3 e x_a^2 & 1 \end{pmatrix}`, unit lower
    triangular, so :math:`\log|\det J| = 0`, eq. :eq:`jacobian-shift-and-cube`. The map
    shears without changing area. Its Jacobian *matrix* varies with :math:`x_a`, so the
    map is not affine and does not claim ``is_constant_jacobian`` (TFP reads that flag as
    "affine" and would push means and covariances through the map, wrongly); the
    log-det is still the constant 0, computed for free.
    """

    _parameter_name = "strength"

    def __init__(self, strength, validate_args=False, name="shift_and_cube"):
        parameters = dict(locals())
        super().__init__(strength, validate_args, parameters, name, is_constant_jacobian=False)

    @property
    def strength(self):
        """The coefficient :math:`e` of the cubic shear."""
        return self._value

    def _shear(self, x, sign):
        xa, xb = self._split(x)
        yb = xb + sign * self.strength * xa**3
        # A batch of strengths broadcasts against the points; x_a must follow suit.
        return tf.stack([tf.broadcast_to(xa, tf.shape(yb)), yb], axis=-1)

    def _forward(self, x):
        return self._shear(x, 1.0)

    def _inverse(self, y):
        return self._shear(y, -1.0)


class Rotation2D(_PlaneBijector):
    r"""Rotate the plane counter-clockwise by ``angle`` radians.

    Parameters
    ----------
    angle : float or tensor-like
        The angle :math:`\theta` in radians. A batch of angles gives a batch of
        bijectors; a ``tf.Variable`` is kept as a reference.
    validate_args : bool
        When true, a ``tf.Variable`` ``angle`` is checked to be finite on every use.
        A ``angle`` given as numbers is always checked, when the bijector is built.
    name : str
        Name scope of the ops.

    Notes
    -----
    Forward: :math:`y = R_\theta x` with
    :math:`R_\theta = \begin{pmatrix} \cos\theta & -\sin\theta \\
    \sin\theta & \cos\theta \end{pmatrix}`.
    Inverse: :math:`x = R_\theta^\top y = R_{-\theta}\, y`.
    :math:`\det R_\theta = \cos^2\theta + \sin^2\theta = 1`, so
    :math:`\log|\det J| = 0`, eq. :eq:`jacobian-rotation`: a rotation moves mass without
    compressing it.
    """

    _parameter_name = "angle"

    def __init__(self, angle, validate_args=False, name="rotation_2d"):
        parameters = dict(locals())
        super().__init__(angle, validate_args, parameters, name, is_constant_jacobian=True)

    @property
    def angle(self):
        """The rotation angle :math:`\\theta` in radians."""
        return self._value

    def _rotate(self, x, sign):
        xa, xb = self._split(x)
        angle = tf.convert_to_tensor(self.angle)
        cos, sin = tf.cos(angle), sign * tf.sin(angle)
        return tf.stack([cos * xa - sin * xb, sin * xa + cos * xb], axis=-1)

    def _forward(self, x):
        return self._rotate(x, 1.0)

    def _inverse(self, y):
        return self._rotate(y, -1.0)


class Sigmoid(tfp.bijectors.Sigmoid):
    r"""TFP's logistic sigmoid :math:`\sigma(x) = 1 / (1 + e^{-x})`, with finite gradients.

    The same map, inverse and log-det as ``tfp.bijectors.Sigmoid`` (eq.
    :eq:`jacobian-sigmoid`), value for value, and the same arguments (``low``, ``high``,
    ``validate_args``, ``name``). TFP computes the forward map as
    ``where(x < cutoff, exp(x), sigmoid(x))``; past :math:`x \approx 88.7` (float32)
    ``exp(x)`` overflows, and although ``where`` discards it, its gradient
    :math:`0 \cdot \infty` is NaN and reaches every parameter upstream. Here the
    exponential only ever sees inputs below the cutoff (the "double where").
    """

    def _forward(self, x):
        if self._is_standard_sigmoid:
            return _safe_sigmoid(x)
        low, high = tf.convert_to_tensor(self.low), tf.convert_to_tensor(self.high)
        left = low + (high - low) * _safe_sigmoid(x)
        right = high - (high - low) * _safe_sigmoid(-x)
        return tf.where(x < 0, left, right)


def _safe_sigmoid(x):
    """TFP's accurate sigmoid (``exp(x)`` far below 0), with a NaN-free gradient."""
    cutoff = -20.0 if dtype_util.base_dtype(x.dtype) == tf.float64 else -9.0
    low = x < cutoff
    return tf.where(low, tf.exp(tf.where(low, x, cutoff)), tf.math.sigmoid(x))


# -- Partial maps: a fraction of the way from the identity ---------------------------


@functools.singledispatch
def partial_map(bijector, t):
    r"""The map a fraction ``t`` of the way from the identity to ``bijector``.

    A bijector with a parameter whose value :math:`p_0` gives the identity grows it
    linearly, :math:`p_t = (1 - t)\,p_0 + t\,p`, so every partial map is a map of the
    same family: ``tfp.bijectors.Shift`` (:math:`t c`), ``tfp.bijectors.Scale``
    (:math:`(1 - t) + t d`), :class:`ShiftAndCube` (:math:`t e`) and :class:`Rotation2D`
    (:math:`t \theta`). Any other bijector is blended with the identity,

    .. math:: f_t(z) = (1 - t)\, z + t\, f(z),

    which stays invertible for a map that increases in each coordinate, such as the
    sigmoid: its derivative :math:`1 - t + t f'(z)` is positive. A new family of maps
    registers its own rule with ``@partial_map.register(MyBijector)``.

    Parameters
    ----------
    bijector : tfp.bijectors.Bijector
        The map :math:`f` of 2-vectors.
    t : float
        The fraction, from 0 (the identity) to 1 (the bijector itself).

    Returns
    -------
    function of a tensor ``[..., 2]``
        :math:`f_t`, from a tensor of points to a tensor of the same shape and dtype.
    """
    t = _fraction(t)
    return lambda z: (1.0 - t) * z + t * bijector.forward(z)


@partial_map.register(tfp.bijectors.Shift)
def _partial_shift(bijector, t):
    shift = tf.convert_to_tensor(bijector.shift)
    return tfp.bijectors.Shift(_fraction(t) * shift).forward


@partial_map.register(tfp.bijectors.Scale)
def _partial_scale(bijector, t):
    t, scale = _fraction(t), tf.convert_to_tensor(bijector.scale)
    return tfp.bijectors.Scale((1.0 - t) + t * scale).forward


@partial_map.register(ShiftAndCube)
def _partial_shift_and_cube(bijector, t):
    return ShiftAndCube(_fraction(t) * tf.convert_to_tensor(bijector.strength)).forward


@partial_map.register(Rotation2D)
def _partial_rotation(bijector, t):
    return Rotation2D(_fraction(t) * tf.convert_to_tensor(bijector.angle)).forward


@functools.singledispatch
def partial_velocity(bijector, t):
    r"""The velocity :math:`\partial f_t(y) / \partial t` of the motion of :func:`partial_map`.

    A point :math:`y` that enters the stage moves along :math:`x(t) = f_t(y)`; this is its
    velocity at fraction ``t``, as a function of :math:`y`. The shift, the scale and the
    shear are affine in the parameter that :func:`partial_map` grows linearly, and the
    blend :math:`(1 - t)\, y + t\, f(y)` is affine in :math:`t` itself, so these motions
    are linear in :math:`t` and their velocity is the same at every :math:`t`,

    .. math:: \partial_t f_t(y) = f(y) - y

    (a shift moves every point by :math:`c`, a scale by :math:`(d - 1)\, y`, the cubic
    shear by :math:`(0, e\, y_a^3)`). A rotation by :math:`t\theta` is not, since
    :math:`R(\theta)` is not affine in :math:`\theta`:
    :math:`\partial_t R(t\theta)\, y = \theta\, R(t\theta + \pi/2)\, y`, a quarter turn
    ahead. A family with its own :func:`partial_map` rule registers its velocity with
    ``@partial_velocity.register(MyBijector)``; without one this function refuses it
    rather than guess.

    Parameters
    ----------
    bijector : tfp.bijectors.Bijector
        The map :math:`f` of 2-vectors.
    t : float
        The fraction, from 0 to 1.

    Returns
    -------
    function of a tensor ``[..., 2]``
        From the points :math:`y` at the start of the stage to their velocities, of the
        same shape and dtype.
    """
    if partial_map.dispatch(type(bijector)) is not partial_map.dispatch(object):
        raise NotImplementedError(
            f"{type(bijector).__name__} has its own partial_map rule but no velocity: "
            f"register one with @flowdocs.bijectors.partial_velocity.register."
        )
    return _linear_velocity(bijector, t)


@partial_velocity.register(tfp.bijectors.Shift)
@partial_velocity.register(tfp.bijectors.Scale)
@partial_velocity.register(ShiftAndCube)
def _linear_velocity(bijector, t):
    _fraction(t)
    return lambda y: bijector.forward(y) - y


@partial_velocity.register(Rotation2D)
def _rotation_velocity(bijector, t):
    angle = tf.convert_to_tensor(bijector.angle)
    ahead = Rotation2D(_fraction(t) * angle + np.pi / 2)
    return lambda y: angle[..., tf.newaxis] * ahead.forward(y)  # a batch of angles too


def _fraction(t):
    """``t`` as a Python float (so that it takes the bijector's dtype), refused outside [0, 1]."""
    t = float(t)
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"t must lie between 0 (the identity) and 1 (the map); got {t}.")
    return t
