"""The two bijectors of the five-stage flow that TFP does not ship.

Both act on 2-vectors ``x = (x_a, x_b)`` (``forward_min_event_ndims=1``, event size 2)
with any batch shape, in float32 or float64, and are written the way TFP writes its own
bijectors: parameters kept by reference (a ``tf.Variable`` stays a variable, so gradients
reach it), ``_parameter_properties`` for batch-shape inference, and assertions only
when ``validate_args=True``.
"""

import tensorflow as tf
from tensorflow_probability.python.bijectors import bijector as bijector_lib
from tensorflow_probability.python.internal import (
    dtype_util,
    parameter_properties,
    tensor_util,
)

__all__ = ["EVENT_SIZE", "Rotation2D", "ShiftAndCube"]

EVENT_SIZE = 2
"""Every bijector of the flow maps 2-vectors to 2-vectors."""


class _PlaneBijector(bijector_lib.AutoCompositeTensorBijector):
    """Shared machinery: one scalar parameter, 2-vector events, constant Jacobian."""

    _parameter_name = None  # set by subclasses

    def __init__(self, value, validate_args, parameters, name):
        with tf.name_scope(name) as name:
            dtype = dtype_util.common_dtype([value], dtype_hint=tf.float32)
            self._value = tensor_util.convert_nonref_to_tensor(
                value, dtype=dtype, name=self._parameter_name
            )
            super().__init__(
                forward_min_event_ndims=1,
                is_constant_jacobian=True,
                validate_args=validate_args,
                dtype=dtype,
                parameters=parameters,
                name=name,
            )

    @classmethod
    def _parameter_properties(cls, dtype):
        return {cls._parameter_name: parameter_properties.ParameterProperties()}

    def _parameter_control_dependencies(self, is_init):
        if not self.validate_args or is_init == tensor_util.is_ref(self._value):
            return []
        return [
            tf.debugging.assert_all_finite(
                tf.convert_to_tensor(self._value),
                message=f"{type(self).__name__}: `{self._parameter_name}` must be finite.",
            )
        ]

    def _split(self, x):
        """Split ``[..., 2]`` into its coordinates, refusing any other event size."""
        size = tf.compat.dimension_value(x.shape[-1]) if x.shape.rank else None
        if x.shape.rank == 0 or (size is not None and size != EVENT_SIZE):
            raise ValueError(
                f"{type(self).__name__} expects points with a last dimension of size "
                f"{EVENT_SIZE} (2-vectors (x_a, x_b)); got a tensor of shape {x.shape}."
            )
        if size is None and self.validate_args:
            with tf.control_dependencies(
                [
                    tf.debugging.assert_equal(
                        tf.shape(x)[-1],
                        EVENT_SIZE,
                        message=f"{type(self).__name__} expects a last dimension of size 2.",
                    )
                ]
            ):
                x = tf.identity(x)
        return x[..., 0], x[..., 1]

    def _forward_log_det_jacobian(self, x):
        # Volume-preserving: det J = 1 everywhere. TFP broadcasts this constant
        # against the batch shape of `x`.
        self._split(x)
        return tf.zeros([], dtype=dtype_util.base_dtype(x.dtype))

    def _inverse_log_det_jacobian(self, y):
        return self._forward_log_det_jacobian(y)


class ShiftAndCube(_PlaneBijector):
    r"""Shear the plane by a cubic: :math:`(x_a, x_b) \mapsto (x_a,\ x_b + e\,x_a^3)`.

    Parameters
    ----------
    strength : float or tensor-like
        The coefficient :math:`e`. A batch of strengths gives a batch of bijectors;
        a ``tf.Variable`` is kept as a reference so that gradients reach it.
    validate_args : bool
        When true, a non-finite ``strength`` raises.
    name : str
        Name scope of the ops.

    Notes
    -----
    Forward: :math:`y = (x_a,\ x_b + e\,x_a^3)`.
    Inverse: :math:`x = (y_a,\ y_b - e\,y_a^3)`.
    Jacobian: :math:`\begin{pmatrix} 1 & 0 \\ 3 e x_a^2 & 1 \end{pmatrix}`, unit lower
    triangular, so :math:`\log|\det J| = 0`, eq. :eq:`jacobian-shift-and-cube`. The map
    shears without changing area. The Jacobian matrix varies with :math:`x_a` but its
    determinant does not, which is what ``is_constant_jacobian=True`` lets TFP cache.
    """

    _parameter_name = "strength"

    def __init__(self, strength, validate_args=False, name="shift_and_cube"):
        parameters = dict(locals())
        super().__init__(strength, validate_args, parameters, name)

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
        When true, a non-finite ``angle`` raises.
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
        super().__init__(angle, validate_args, parameters, name)

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
