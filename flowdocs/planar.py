r"""Planar flows (Rezende and Mohamed, 2015): the flow family of variational inference.

A planar layer moves every point along one direction :math:`\hat u` by an amount that
depends only on where the point lies across one line, :math:`w^\top z + b = 0`:

.. math:: f(z) = z + \hat u \tanh(w^\top z + b).

Its Jacobian :math:`I + \tanh'(a)\, \hat u w^\top` (with :math:`a = w^\top z + b`) is the
identity plus a rank-one matrix, so its determinant is
:math:`1 + \tanh'(a)\, w^\top \hat u` (the matrix determinant lemma): a log-determinant
in :math:`O(d)` operations. That, and a forward map that needs no inverse, is what
reverse-KL training asks of a flow (see :ref:`variational-inference-page`).
"""

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from tensorflow_probability.python.bijectors import bijector as bijector_lib
from tensorflow_probability.python.internal import (
    assert_util,
    cache_util,
    parameter_properties,
    tensor_util,
)

from flowdocs.flow import Flow, Stage

tfb = tfp.bijectors
tfd = tfp.distributions

__all__ = ["Planar", "PlanarLayers", "planar_flow"]

_MAX_NEWTON_STEPS = 200
"""Upper bound on the safeguarded Newton steps of one inverse: the bracket halves at least
every two steps, so 200 steps resolve any float64 root; most points need 5 to 10."""

_SHAPES = {"w": "a 2-vector (shape [2] or [..., 2])", "u": "a 2-vector (shape [2] or [..., 2])"}


def _dot(a, b):
    """The inner product over the last axis, broadcasting the others."""
    return tf.reduce_sum(a * b, axis=-1)


def _u_hat(w, u):
    r"""The paper's :math:`\hat u` (appendix A.1) for parameters of shape ``[..., 2]``."""
    w_dot_u = _dot(w, u)
    squared_norm = _dot(w, w)
    nonzero = squared_norm > 0
    # m(x) - x = softplus(-x) - 1, with no cancellation for large x.
    along_w = (tf.math.softplus(-w_dot_u) - 1.0) / tf.where(nonzero, squared_norm, 1.0)
    return u + tf.where(nonzero, along_w, 0.0)[..., tf.newaxis] * w


def _forward_and_log_det(w, u_hat, b, z):
    """One planar map of points ``z``: the image and the log-determinant at ``z``."""
    tanh = tf.tanh(_dot(w, z) + b)
    image = z + u_hat * tanh[..., tf.newaxis]
    return image, tf.math.log(tf.abs(1.0 + (1.0 - tanh**2) * _dot(w, u_hat)))


def _inverse_of(w, u_hat, b, y):
    """The point ``z`` that one planar map sends to ``y`` (see :func:`_solve_along_w`)."""
    a = _solve_along_w(_dot(w, y) + b, _dot(w, u_hat))
    return y - u_hat * tf.tanh(a)[..., tf.newaxis]


def _finite_variables(bijector, is_init):
    """Run-time checks that the bijector's ``tf.Variable`` parameters are finite.

    Numbers were checked when the bijector was built; variables can change, so with
    ``validate_args`` they are checked on every use. TFP's assert_util returns None in
    eager mode (the check has run) and an op in a graph.
    """
    if not bijector.validate_args or is_init:
        return []
    owner = type(bijector).__name__
    return [
        assert_util.assert_equal(
            tf.reduce_all(tf.math.is_finite(value)),
            True,
            message=f"{owner}: `{name}` must be finite.",
        )
        for name, value in (("w", bijector.w), ("u", bijector.u), ("b", bijector.b))
        if tensor_util.is_ref(value)
    ]


class Planar(bijector_lib.AutoCompositeTensorBijector):
    r"""The planar map :math:`f(z) = z + \hat u \tanh(w^\top z + b)` of 2-vectors.

    Parameters
    ----------
    w : array-like or tf.Variable, shape ``[2]`` or ``[..., 2]``
        The normal :math:`w` of the line across which the map acts.
    u : array-like or tf.Variable, shape ``[2]`` or ``[..., 2]``
        The unconstrained direction :math:`u`; the map moves points along
        :math:`\hat u`, below.
    b : float, array-like or tf.Variable, shape ``[]`` or ``[...]``
        The offset :math:`b`. Batch shapes of ``w[..., 0]``, ``u[..., 0]`` and ``b``
        broadcast to the bijector's batch shape.
    validate_args : bool
        When true, parameters given as ``tf.Variable`` are checked to be finite on every
        use. Parameters given as numbers are always checked, when the bijector is built.
    name : str
        Name scope of the ops.

    Notes
    -----
    **Invertibility.** Along :math:`w`, the map is the scalar function
    :math:`a \mapsto a + (w^\top \hat u) \tanh(a)` of :math:`a = w^\top z + b`, which is
    increasing for every :math:`a` exactly when :math:`w^\top \hat u \ge -1`. Following
    the paper's appendix A.1, :math:`u` is mapped to

    .. math:: \hat u = u + \big(m(w^\top u) - w^\top u\big) \frac{w}{\lVert w\rVert^2},
              \qquad m(x) = -1 + \log(1 + e^x),

    which changes only the component of :math:`u` along :math:`w` and gives
    :math:`w^\top \hat u = m(w^\top u) > -1`. (For :math:`w = 0` the map is a shift and
    :math:`\hat u = u`.)

    **Log-determinant**, eq. :eq:`planar-log-det`:
    :math:`\log|\det J_f(z)| = \log\lvert 1 + (1 - \tanh^2(w^\top z + b))\, w^\top \hat u\rvert`.

    **Inverse.** There is no closed form. Given :math:`y = f(z)`, the number
    :math:`a = w^\top z + b` solves :math:`a + c \tanh(a) = w^\top y + b` with
    :math:`c = w^\top \hat u`, a scalar equation with one root, which lies within
    :math:`|c|` of :math:`w^\top y + b` because :math:`|\tanh| < 1`. Newton's method
    safeguarded by bisection on that bracket finds it to rounding error, for all points
    at once; then :math:`z = y - \hat u \tanh(a)`. Gradients of the inverse follow from
    the implicit function theorem: one last Newton step from the (constant) root carries
    them. The inverse costs tens of forward evaluations: cheap enough to draw a density
    on a grid, too dear to train by maximum likelihood.
    """

    def __init__(self, w, u, b, validate_args=False, name="planar"):
        parameters = dict(locals())
        with tf.name_scope(name) as name:
            dtype = _parameter_dtype({"w": w, "u": u, "b": b})
            self._w = _checked_parameter(w, "w", dtype, vector=True)
            self._u = _checked_parameter(u, "u", dtype, vector=True)
            self._b = _checked_parameter(b, "b", dtype, vector=False)
            shapes = [self._w.shape[:-1], self._u.shape[:-1], self._b.shape]
            try:
                tf.broadcast_static_shape(tf.broadcast_static_shape(*shapes[:2]), shapes[2])
            except ValueError:
                raise ValueError(
                    "Planar: the batch shapes of w, u (without their last axis) and b must "
                    f"broadcast; got w {self._w.shape}, u {self._u.shape}, b {self._b.shape}."
                ) from None
            super().__init__(
                forward_min_event_ndims=1,
                is_constant_jacobian=False,
                validate_args=validate_args,
                dtype=dtype,
                parameters=parameters,
                name=name,
            )

    @classmethod
    def _parameter_properties(cls, dtype):
        vector = parameter_properties.ParameterProperties(event_ndims=1)
        scalar = parameter_properties.ParameterProperties(
            event_ndims=0, shape_fn=lambda sample_shape: sample_shape[:-1]
        )
        return {"w": vector, "u": vector, "b": scalar}

    @property
    def w(self):
        """The normal :math:`w` of the map's line."""
        return self._w

    @property
    def u(self):
        """The unconstrained parameter :math:`u`."""
        return self._u

    @property
    def b(self):
        """The offset :math:`b`."""
        return self._b

    @property
    def u_hat(self):
        r"""The direction :math:`\hat u` the map moves points along; :math:`w^\top \hat u > -1`."""
        return _u_hat(tf.convert_to_tensor(self._w), tf.convert_to_tensor(self._u))

    def _parameter_control_dependencies(self, is_init):
        return _finite_variables(self, is_init)

    def _forward(self, x):
        return _forward_and_log_det(self._w, self.u_hat, self._b, _checked_points(x))[0]

    def _forward_log_det_jacobian(self, x):
        return _forward_and_log_det(self._w, self.u_hat, self._b, _checked_points(x))[1]

    def _inverse(self, y):
        return _inverse_of(self._w, self.u_hat, self._b, _checked_points(y))


def _solve_along_w(target, c):
    r"""The root :math:`a` of :math:`a + c \tanh(a) = \text{target}`, elementwise.

    Safeguarded Newton (``rtsafe`` of Numerical Recipes): the root lies in
    :math:`[\text{target} - |c|, \text{target} + |c|]`; every step shrinks that bracket
    with the sign of the residual, and takes the Newton step when it stays inside the
    bracket and is less than half the step before last, a bisection otherwise. Plain
    Newton can bounce between the two flat arms of :math:`\tanh` for ever when
    :math:`c` is large; this way the bracket at least halves every two steps, and near
    the root Newton converges quadratically. The loop stops when no point moves by more
    than a few rounding units. The value is found without gradients; one Newton step
    from it with gradients gives the derivatives of the root (implicit function theorem).
    """
    shape = tf.shape(target + c)
    target, c = tf.broadcast_to(target, shape), tf.broadcast_to(c, shape)
    fixed_target, fixed_c = tf.stop_gradient(target), tf.stop_gradient(c)
    eps = np.finfo(target.dtype.as_numpy_dtype).eps
    low, high = fixed_target - tf.abs(fixed_c), fixed_target + tf.abs(fixed_c)

    def step(i, a, low, high, before_last, last, done):
        tanh = tf.tanh(a)
        residual = a + fixed_c * tanh - fixed_target
        low = tf.where(residual < 0, a, low)
        high = tf.where(residual > 0, a, high)
        newton = residual / (1.0 + fixed_c * (1.0 - tanh**2))
        usable = (
            tf.math.is_finite(newton)
            & (a - newton > low)
            & (a - newton < high)
            & (2 * tf.abs(newton) < tf.abs(before_last))
        )
        moved = tf.where(usable, a - newton, 0.5 * (low + high))
        moved = tf.where(residual == 0, a, moved)
        settled = tf.abs(moved - a) <= 4 * eps * (1.0 + tf.abs(a))
        return i + 1, moved, low, high, last, moved - a, tf.reduce_all(settled)

    width = high - low
    _, root, *_ = tf.while_loop(
        lambda i, *state: (i < _MAX_NEWTON_STEPS) & ~state[-1],
        step,
        (tf.constant(0), fixed_target, low, high, width, width, tf.constant(False)),
    )
    root = tf.stop_gradient(root)
    tanh = tf.tanh(root)
    return root - (root + c * tanh - target) / (1.0 + c * (1.0 - tanh**2))


def _checked_points(x):
    """``x`` unchanged, after refusing a last dimension other than 2.

    A static size is checked at once; an unknown one (a ``None`` dimension inside
    ``tf.function``) when the graph runs.
    """
    size = tf.compat.dimension_value(x.shape[-1]) if x.shape.rank else None
    message = "Planar expects points with a last dimension of size 2 (2-vectors)"
    if x.shape.rank == 0 or (size is not None and size != 2):
        raise ValueError(f"{message}; got a tensor of shape {x.shape}.")
    if size is None:
        assertion = assert_util.assert_equal(tf.shape(x)[-1], 2, message=message + ".")
        with tf.control_dependencies([assertion] if assertion is not None else []):
            x = tf.identity(x)
    return x


def _parameter_dtype(values):
    """The float dtype of the parameters: that of the ones that carry one, else float32.

    Tensors, variables and NumPy float arrays carry a dtype, which must be float32 or
    float64 and the same for all; Python numbers and integer arrays take it from them.
    """
    dtypes = {}
    for name, value in values.items():
        if value is None:
            raise ValueError(f"Planar: `{name}` must be real numbers; got None.")
        typed = tf.is_tensor(value) or tensor_util.is_ref(value)
        if typed or (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
            dtype = tf.as_dtype(value.dtype)
            if dtype not in (tf.float32, tf.float64):
                raise ValueError(
                    f"Planar: `{name}` must be float32 or float64; got {dtype.name}. Cast "
                    f"it first, e.g. tf.cast({name}, tf.float32)."
                )
            dtypes[name] = dtype
    if len(set(dtypes.values())) > 1:
        found = ", ".join(f"{name} {dtype.name}" for name, dtype in dtypes.items())
        raise ValueError(f"Planar: w, u and b must share one float dtype; got {found}.")
    return next(iter(dtypes.values()), tf.float32)


def _checked_parameter(value, name, dtype, vector):
    """``value`` as a tensor of ``dtype`` (a variable stays a variable), checked.

    Numbers must be real and finite; ``w`` and ``u`` must end in an axis of size 2.
    """
    if not tf.is_tensor(value) and not tensor_util.is_ref(value):
        array = np.asarray(value)
        if array.dtype.kind not in "iuf":
            raise ValueError(
                f"Planar: `{name}` must be real numbers; got {value!r} (dtype {array.dtype})."
            )
        value = array.astype(dtype.as_numpy_dtype)
    value = tensor_util.convert_nonref_to_tensor(value, dtype=dtype, name=name)
    if vector and (value.shape.rank == 0 or value.shape[-1] not in (None, 2)):
        raise ValueError(f"Planar: `{name}` must be {_SHAPES[name]}; got shape {value.shape}.")
    known = None if tensor_util.is_ref(value) else tf.get_static_value(value)
    if known is not None and not np.all(np.isfinite(known)):
        raise ValueError(f"Planar: `{name}` must be finite; got {np.asarray(known).tolist()}.")
    return value


class PlanarLayers(bijector_lib.AutoCompositeTensorBijector):
    r"""``K`` planar maps applied in order, :math:`f_K \circ \dots \circ f_1`, in one loop.

    The same maps as a ``tfb.Chain`` of ``K`` :class:`Planar` bijectors, computed by a
    loop over the layers (``tf.foldl``) rather than by ``K`` copies of the same operations:
    the compiled graph does not grow with ``K``, so a 32-layer flow compiles (with XLA)
    as fast as a 2-layer one.

    Parameters
    ----------
    w, u : array-like or tf.Variable, shape ``[K, 2]``
        Row :math:`k` holds :math:`w_{k+1}` and :math:`u_{k+1}` of layer :math:`k + 1`.
    b : array-like or tf.Variable, shape ``[K]``
        The offsets.
    validate_args : bool
        As for :class:`Planar`.
    name : str
        Name scope of the ops.

    Notes
    -----
    Forward: :math:`z_k = f_k(z_{k-1})` for :math:`k = 1, \dots, K`; the log-determinant
    is the sum of the layers' (eq. :eq:`composition-jacobian`); the inverse undoes the
    layers from the last to the first, each by :class:`Planar`'s root solve.
    """

    def __init__(self, w, u, b, validate_args=False, name="planar_layers"):
        parameters = dict(locals())
        with tf.name_scope(name) as name:
            dtype = _parameter_dtype({"w": w, "u": u, "b": b})
            self._w = _checked_parameter(w, "w", dtype, vector=True)
            self._u = _checked_parameter(u, "u", dtype, vector=True)
            self._b = _checked_parameter(b, "b", dtype, vector=False)
            ranks = (self._w.shape.rank, self._u.shape.rank, self._b.shape.rank)
            counts = (
                {self._w.shape[0], self._u.shape[0], self._b.shape[0]} if ranks == (2, 2, 1) else {}
            )
            if len(counts) != 1 or None in counts:
                raise ValueError(
                    "PlanarLayers: w and u must have shape [K, 2] and b shape [K], for one "
                    f"K; got w {self._w.shape}, u {self._u.shape}, b {self._b.shape}."
                )
            super().__init__(
                forward_min_event_ndims=1,
                is_constant_jacobian=False,
                validate_args=validate_args,
                dtype=dtype,
                parameters=parameters,
                name=name,
            )

    @classmethod
    def _parameter_properties(cls, dtype):
        rows = parameter_properties.ParameterProperties(event_ndims=2)
        column = parameter_properties.ParameterProperties(
            event_ndims=1, shape_fn=lambda sample_shape: sample_shape[:-1]
        )
        return {"w": rows, "u": rows, "b": column}

    @property
    def layers(self):
        """The number :math:`K` of planar maps."""
        return int(self._b.shape[0])

    @property
    def w(self):
        """The normals :math:`w_k`, shape ``[K, 2]``."""
        return self._w

    @property
    def u(self):
        """The unconstrained parameters :math:`u_k`, shape ``[K, 2]``."""
        return self._u

    @property
    def b(self):
        """The offsets :math:`b_k`, shape ``[K]``."""
        return self._b

    def layer(self, k):
        """Layer ``k`` (0 to ``K - 1``, applied ``k``-th) as a :class:`Planar` bijector."""
        return Planar(self._w[k], self._u[k], self._b[k], validate_args=self.validate_args)

    def _parameter_control_dependencies(self, is_init):
        return _finite_variables(self, is_init)

    def _rows(self):
        """The layers' ``(w, u_hat, b)``, each stacked along a first axis of length K."""
        w = tf.convert_to_tensor(self._w)
        return w, _u_hat(w, tf.convert_to_tensor(self._u)), tf.convert_to_tensor(self._b)

    # One pass through the layers gives both the image and the log-determinant; like
    # TFP's FFJORD, the cache keeps the log-determinant that forward (or inverse)
    # computed, so sample_and_log_prob runs the loop once, not twice.
    _cache = cache_util.BijectorCacheWithGreedyAttrs(
        forward_name="_augmented_forward", inverse_name="_augmented_inverse"
    )

    def _augmented_forward(self, x):
        """The image of ``x`` and the cache attributes: both log-determinants at ``x``."""

        def one_layer(carry, row):
            z, total = carry
            image, log_det = _forward_and_log_det(*row, z)
            return image, total + log_det

        x = _checked_points(x)
        zero = tf.zeros(tf.shape(x)[:-1], x.dtype)
        y, log_det = tf.foldl(one_layer, self._rows(), initializer=(x, zero))
        return y, {"fldj": log_det, "ildj": -log_det}

    def _augmented_inverse(self, y):
        """The point that maps to ``y``, layers undone last to first, and the log-dets."""

        def undo_layer(carry, row):
            z, total = carry
            before = _inverse_of(*row, z)
            return before, total + _forward_and_log_det(*row, before)[1]

        y = _checked_points(y)
        zero = tf.zeros(tf.shape(y)[:-1], y.dtype)
        x, log_det = tf.foldr(undo_layer, self._rows(), initializer=(y, zero))
        return x, {"fldj": log_det, "ildj": -log_det}

    def _forward(self, x):
        return self._augmented_forward(x)[0]

    def _inverse(self, y):
        return self._augmented_inverse(y)[0]

    def _forward_log_det_jacobian(self, x):
        cached = self._cache.forward_attributes(x)
        if "fldj" not in cached:
            cached.update(self._augmented_forward(x)[1])
        return cached["fldj"]

    def _inverse_log_det_jacobian(self, y):
        cached = self._cache.inverse_attributes(y)
        if "ildj" not in cached:
            cached.update(self._augmented_inverse(y)[1])
        return cached["ildj"]


def planar_flow(layers=8, seed=0, dtype=tf.float32):
    r"""A trainable planar flow of 2-vectors: a learned Gaussian and ``layers`` planar maps.

    The base :math:`q_0 = \mathcal{N}(\mu, \operatorname{diag}\sigma^2)` has a trainable
    mean (starting at 0) and standard deviations (starting at 1, kept positive through a
    softplus), as in the paper. Then come :math:`K` planar maps
    :math:`f_k(z) = z + \hat u_k \tanh(w_k^\top z + b_k)`, as one :class:`PlanarLayers`
    stage whose ``w``, ``u`` and ``b`` are ``tf.Variable``: :math:`w_k` and :math:`b_k`
    start from standard normal draws, and :math:`u_k` is set so that :math:`\hat u_k`
    starts as a draw of :math:`\mathcal{N}(0, 0.1^2 I)` (its sign flipped, if need be, so
    that :math:`w_k^\top \hat u_k \ge 0`): each map starts close to the identity.

    Parameters
    ----------
    layers : int
        Number :math:`K` of planar maps, at least 1.
    seed : int
        Seed of the starting values: the same seed builds the same flow.
    dtype : tf.DType
        ``tf.float32`` or ``tf.float64``.

    Returns
    -------
    Flow
        The base and one stage, ``planar_layers``; :math:`4 + 5K` trainable numbers.

    Raises
    ------
    ValueError
        For a ``layers`` that is not a positive integer, a ``seed`` that is not an
        integer, or another dtype.
    """
    if isinstance(layers, bool) or not isinstance(layers, (int, np.integer)) or layers < 1:
        raise ValueError(f"layers must be a positive integer; got {layers!r}.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer; got {seed!r}.")
    dtype = tf.as_dtype(dtype)
    if dtype not in (tf.float32, tf.float64):
        raise ValueError(f"dtype must be tf.float32 or tf.float64; got {dtype.name}.")
    rng = np.random.default_rng(seed)
    w, b = rng.normal(size=(layers, 2)), rng.normal(size=layers)
    u_hat = 0.1 * rng.normal(size=(layers, 2))
    w_dot_u_hat = np.sum(w * u_hat, axis=-1, keepdims=True)
    u_hat, w_dot_u_hat = np.sign(w_dot_u_hat) * u_hat, np.abs(w_dot_u_hat)
    # The u whose u_hat is the draw: m^-1(y) = log(e^(y + 1) - 1) along w.
    u = u_hat + (np.log(np.expm1(w_dot_u_hat + 1.0)) - w_dot_u_hat) * w / np.sum(
        w * w, axis=-1, keepdims=True
    )
    base = tfd.MultivariateNormalDiag(
        loc=tf.Variable(tf.zeros([2], dtype), name="loc"),
        scale_diag=tfp.util.TransformedVariable(
            tf.ones([2], dtype), bijector=tfb.Softplus(), name="scale"
        ),
        name="base",
    )
    maps = PlanarLayers(
        *(
            tf.Variable(tf.constant(value, dtype), name=name)
            for name, value in zip("wub", (w, u, b), strict=True)
        )
    )
    formula = (
        rf"f(z) = f_{{{layers}}} \circ \dots \circ f_1(z),\ "
        r"f_k(z) = z + \hat u_k \tanh(w_k^\top z + b_k)"
    )
    return Flow(base, [Stage("planar_layers", "f", formula, maps)])
