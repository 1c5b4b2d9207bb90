r"""Continuous flows: a velocity field integrated in time, as a TFP bijector.

A continuous flow moves every point along the ODE :math:`\dot z(t) = v(t, z(t))` from
:math:`t = 0` (the base) to :math:`t = 1` (the data). Its log-density obeys the
instantaneous change of variables

.. math:: \frac{d}{dt} \log p(z(t)) = -\operatorname{tr} \frac{\partial v}{\partial z}(t, z(t)),

the limit of eq. :eq:`log-likelihood` for many small steps: one Euler step
:math:`z \mapsto z + h\, v(t, z)` has log-determinant
:math:`\log\lvert\det(I + h\, \partial v / \partial z)\rvert = h \operatorname{tr}
\partial v / \partial z + O(h^2)`. :func:`~flowdocs.cnf_flow` integrates both with TFP's ``FFJORD``
bijector and an adaptive Dormand-Prince solver, the trace computed exactly (two
gradients in 2-D); :func:`euler_flow` takes a fixed number of Euler steps instead, with
each step's exact log-determinant, so the two can be compared.
"""

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
import tf_keras

from flowdocs.bijectors import EVENT_SIZE, partial_map, partial_velocity
from flowdocs.five_stage import base_distribution
from flowdocs.neural_flows import checked_widths
from flowdocs.seeds import stateless_seed
from flowdocs.training_checks import _is_positive_number

tfb = tfp.bijectors
tfd = tfp.distributions

__all__ = [
    "ATOL",
    "RTOL",
    "ContinuousFlow",
    "VelocityField",
    "cnf_flow",
    "euler_flow",
    "euler_log_prob",
    "euler_path",
    "flow_until",
    "motion_log_det",
]

RTOL = 1e-5
"""The Dormand-Prince solver's default relative tolerance in :func:`~flowdocs.cnf_flow`."""
ATOL = 1e-5
"""The Dormand-Prince solver's default absolute tolerance in :func:`~flowdocs.cnf_flow`."""


class VelocityField(tf.Module):
    r"""A velocity field :math:`v_\theta(t, z)` on the plane: a small MLP of :math:`(z, t)`.

    Smooth (``swish`` hidden layers), so the ODE has unique solutions and the trace of
    its Jacobian exists everywhere. The weights are Glorot-initialised from ``seed``.

    Parameters
    ----------
    hidden_units : sequence of int
        Widths of the hidden layers; at least one, each positive.
    seed : int
        Seed of the initial weights: the same seed gives the same field.
    dtype : tf.DType
        ``tf.float32`` or ``tf.float64``.
    """

    def __init__(self, hidden_units=(64, 64), seed=0, dtype=tf.float32):
        super().__init__(name="velocity")
        hidden_units = checked_widths(hidden_units)
        dtype = _checked_dtype(dtype)
        stateless_seed(seed)  # refuses what is not an int32 seed, saying so
        # One kernel seed per layer; int32 seeds mod 2**32 are distinct, so never shared.
        seeds = np.random.default_rng(seed % 2**32).integers(2**31, size=len(hidden_units) + 1)
        layers = [
            tf_keras.layers.Dense(
                units,
                activation="swish",
                kernel_initializer=tf_keras.initializers.GlorotUniform(seed=int(seeds[i])),
                dtype=dtype,
            )
            for i, units in enumerate(hidden_units)
        ]
        layers.append(
            tf_keras.layers.Dense(
                EVENT_SIZE,
                kernel_initializer=tf_keras.initializers.GlorotUniform(seed=int(seeds[-1])),
                dtype=dtype,
            )
        )
        self.network = tf_keras.Sequential(layers)
        self.network.build((None, EVENT_SIZE + 1))
        self.dtype = dtype

    def __call__(self, t, z):
        r"""The velocity :math:`v(t, z)`.

        Parameters
        ----------
        t : float or tf.Tensor
            Time: a scalar, or one time per point (shape ``[...]`` or ``[..., 1]``).
        z : tf.Tensor, shape ``[..., 2]``
            Points.

        Returns
        -------
        tf.Tensor, shape ``[..., 2]``
        """
        z = tf.convert_to_tensor(z, self.dtype)
        t = tf.convert_to_tensor(t, self.dtype)
        if t.shape.rank is not None and t.shape.rank == z.shape.rank and t.shape[-1] == 1:
            t = t[..., 0]
        t = tf.broadcast_to(t, tf.shape(z)[:-1])[..., tf.newaxis]
        flat = tf.reshape(tf.concat([z, t], axis=-1), [-1, EVENT_SIZE + 1])
        return tf.reshape(self.network(flat), tf.shape(z))


class ContinuousFlow(tfb.FFJORD):
    """TFP's ``FFJORD`` bijector that also names its velocity field (``velocity``)."""

    @property
    def velocity(self):
        """The :class:`~flowdocs.continuous.VelocityField` the bijector integrates."""
        return self._state_time_derivative_fn


def cnf_flow(hidden_units=(64, 64), seed=0, rtol=RTOL, atol=ATOL, dtype=tf.float32):
    r"""A continuous flow on the plane from the site's Gaussian base, as a TFP distribution.

    The bijector integrates :math:`\dot z = v_\theta(t, z)` from :math:`t = 0` to 1 with
    TFP's Dormand-Prince solver (adaptive steps of order 5, error estimated by an
    embedded order-4 method, within ``rtol`` and ``atol``) and the trace of
    :math:`\partial v / \partial z` computed exactly, so ``log_prob`` is the exact
    density of the flow up to the solver's tolerance; ``sample`` integrates forward,
    ``log_prob`` backward. Cost per point: one ODE solve, each evaluation of :math:`v`
    with its :math:`D = 2` diagonal Jacobian entries.

    Parameters
    ----------
    hidden_units : sequence of int
        Widths of the velocity field's hidden layers.
    seed : int
        Seed of the field's initial weights.
    rtol, atol : float
        The solver's relative and absolute tolerances; positive and finite.
    dtype : tf.DType
        ``tf.float32`` or ``tf.float64``.

    Returns
    -------
    tfp.distributions.TransformedDistribution
        Event shape ``[2]`` over :func:`~flowdocs.base_distribution`; its bijector is a
        :class:`~flowdocs.continuous.ContinuousFlow`, whose ``velocity``
        :func:`~flowdocs.fit_flow_matching` trains.
    """
    for name, value in (("rtol", rtol), ("atol", atol)):
        if not _is_positive_number(value):
            raise ValueError(f"{name} must be a positive finite number; got {value!r}.")
    dtype = _checked_dtype(dtype)
    velocity = VelocityField(hidden_units, seed, dtype)
    solver = tfp.math.ode.DormandPrince(rtol=rtol, atol=atol)
    bijector = ContinuousFlow(
        state_time_derivative_fn=velocity,
        ode_solve_fn=solver.solve,
        trace_augmentation_fn=tfb.ffjord.trace_jacobian_exact,
        dtype=dtype,
        name="continuous_flow",
    )
    return tfd.TransformedDistribution(base_distribution(dtype=dtype), bijector, name="cnf")


def flow_until(model, t):
    r"""The distribution of a continuous flow's points at time ``t``: the base moved from 0 to t.

    The same field, solver and tolerances as ``model`` (from :func:`cnf_flow`), the ODE
    integrated from 0 to :math:`t` only, so ``sample`` and the exact ``log_prob`` are
    those of the marginal :math:`p_t` between the base (:math:`t = 0`) and the model
    (:math:`t = 1`).

    Parameters
    ----------
    model : tfp.distributions.TransformedDistribution
        A continuous flow from :func:`cnf_flow`.
    t : float
        The time, in :math:`(0, 1]`.

    Returns
    -------
    tfp.distributions.TransformedDistribution
        Event shape ``[2]``, over the same base as ``model``.

    Raises
    ------
    ValueError
        For a model that is not a continuous flow, or ``t`` outside :math:`(0, 1]`.
    """
    bijector = getattr(model, "bijector", None)
    if not isinstance(bijector, ContinuousFlow):
        raise ValueError(
            f"model must be a continuous flow from flowdocs.cnf_flow; got {type(model).__name__}."
        )
    if not (_is_positive_number(t) and t <= 1):
        raise ValueError(f"t must be a number in (0, 1]; got {t!r}.")
    until = ContinuousFlow(
        state_time_derivative_fn=bijector.velocity,
        ode_solve_fn=bijector._ode_solve_fn,
        trace_augmentation_fn=bijector._trace_augmentation_fn,
        final_time=float(t),
        dtype=bijector.dtype,
        name=f"continuous_flow_until_{t:g}",
    )
    return tfd.TransformedDistribution(model.distribution, until, name=f"cnf_at_{t:g}")


def euler_flow(velocity, z, steps):
    r"""Push points through ``steps`` Euler steps of a velocity field, with their log-det.

    Step :math:`k` of :math:`K` maps :math:`z \mapsto z + h\, v(kh, z)`, :math:`h = 1/K`:
    a map of its own, whose log-determinant :math:`\log\lvert\det(I + h J)\rvert`, with
    :math:`J = \partial v / \partial z`, is computed exactly. Their sum is the flow's
    log-determinant for this discretisation; as :math:`K` grows it tends to the ODE's
    :math:`\int_0^1 \operatorname{tr} J\, dt`.

    Parameters
    ----------
    velocity : Callable
        :math:`v(t, z)`, e.g. a :class:`~flowdocs.continuous.VelocityField` or the
        ``velocity`` of a ``ContinuousFlow``.
    z : array-like, shape ``[n, 2]``
        Starting points (base samples), finite.
    steps : int
        Number of Euler steps :math:`K`; positive.

    Returns
    -------
    (tf.Tensor, tf.Tensor)
        The end points ``[n, 2]`` and the summed log-determinants ``[n]``.
    """
    z, dtype = _checked_start(velocity, z, steps)
    step = _euler_step(velocity, dtype)  # reused while the field stays the same
    h = tf.constant(1.0 / steps, dtype)
    log_det = tf.zeros(tf.shape(z)[:1], dtype)
    for k in range(steps):
        z, step_log_det = step(tf.constant(k / steps, dtype), h, z)
        log_det += step_log_det
    return z, log_det


def euler_path(velocity, z, steps):
    r"""The points after every one of ``steps`` Euler steps, to draw the paths.

    The steps of :func:`euler_flow`, :math:`z \mapsto z + h\, v(kh, z)` with
    :math:`h = 1/K`, without their log-determinants, every intermediate point kept.

    Parameters
    ----------
    velocity, z, steps
        As for :func:`euler_flow`.

    Returns
    -------
    tf.Tensor, shape ``[steps + 1, n, 2]``
        The starting points, then the points after each step; the last are the end
        points of :func:`euler_flow`.
    """
    z, dtype = _checked_start(velocity, z, steps)
    h = tf.constant(1.0 / steps, dtype)
    points = [z]
    for k in range(steps):
        points.append(points[-1] + h * velocity(tf.constant(k / steps, dtype), points[-1]))
    return tf.stack(points)


def euler_log_prob(model, x, steps):
    r"""The log-density of a continuous flow with its ODE replaced by ``steps`` Euler steps.

    The points are carried back to the base by ``steps`` Euler steps of the reversed
    field :math:`w(s, z) = -v(1 - s, z)`, the inverse map :math:`g_K` of a discrete
    flow, and scored by eq. :eq:`log-likelihood` on that map:

    .. math:: \log p_K(x) = \log p_Z\big(g_K(x)\big) + \sum_{k=0}^{K-1}
              \log\left|\det\big(I - h\, \tfrac{\partial v}{\partial z}(1 - kh, z_k)\big)\right|,
              \qquad h = 1/K,

    a normalised density for every :math:`K` at which each step is invertible (for
    :math:`h` small against the field's Lipschitz constant), tending to the ODE's
    ``model.log_prob`` as :math:`K` grows, with an error of order :math:`h`.

    Parameters
    ----------
    model : tfp.distributions.TransformedDistribution
        A continuous flow from :func:`~flowdocs.cnf_flow`: its bijector has a
        ``velocity`` and its base a ``log_prob``.
    x : array-like, shape ``[n, 2]``
        Finite points, in the field's dtype.
    steps : int
        Number of Euler steps :math:`K`; positive.

    Returns
    -------
    tf.Tensor, shape ``[n]``
        :math:`\log p_K(x)`.

    Raises
    ------
    ValueError
        For a model without a velocity field, points of another shape or not finite,
        or ``steps`` not a positive integer.
    """
    velocity = getattr(getattr(model, "bijector", None), "velocity", None)
    if velocity is None:
        raise ValueError(
            f"model must be a continuous flow from flowdocs.cnf_flow, whose bijector has a "
            f"velocity field; got {type(model).__name__}."
        )
    z, log_det = euler_flow(_reversed(velocity), x, steps)
    return model.distribution.log_prob(z) + log_det


_last_reversed = None  # (field, its reversal) of the last field reversed


def _reversed(velocity):
    """The field run backwards in time, :math:`w(s, z) = -v(1 - s, z)`, one per field, so
    that :func:`euler_flow` compiles its step once for it."""
    global _last_reversed
    if _last_reversed is None or _last_reversed[0] is not velocity:

        def backwards(s, z):
            return -velocity(1.0 - s, z)

        backwards.dtype = getattr(velocity, "dtype", tf.float32)
        _last_reversed = (velocity, backwards)
    return _last_reversed[1]


def _checked_start(velocity, z, steps):
    """``(z, dtype)``: the starting points in the field's dtype, after the checks."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer; got {steps!r}.")
    dtype = getattr(velocity, "dtype", tf.float32)
    z = tf.convert_to_tensor(z, dtype)
    if z.shape.rank != 2 or z.shape[-1] != EVENT_SIZE:
        raise ValueError(f"z must have shape [n, 2]; got {z.shape.as_list()}.")
    if not bool(tf.reduce_all(tf.math.is_finite(z))):
        raise ValueError("z holds NaN or infinite values; pass finite points.")
    return z, dtype


_last_step = None  # (field, dtype, compiled step) of the last field asked for


def _euler_step(velocity, dtype):
    """One compiled Euler step ``(t, h, z) -> (z + h v(t, z), log|det(I + h dv/dz)|)``.

    The step of the last field asked for is kept (it holds that field alive, and no
    other), so calling :func:`euler_flow` again with the same field does not retrace.
    """
    global _last_step
    if _last_step is None or _last_step[0] is not velocity or _last_step[1] != dtype:
        _last_step = (velocity, dtype, _compiled_euler_step(velocity, dtype))
    return _last_step[2]


def _compiled_euler_step(velocity, dtype):

    @tf.function(
        input_signature=[tf.TensorSpec([], dtype)] * 2 + [tf.TensorSpec([None, EVENT_SIZE], dtype)]
    )
    def step(t, h, z):
        v, jacobian = _value_and_pointwise_jacobian(lambda u: velocity(t, u), z)
        log_det = tf.math.log(tf.abs(tf.linalg.det(tf.eye(EVENT_SIZE, dtype=dtype) + h * jacobian)))
        return z + h * v, log_det

    return step


def _checked_dtype(dtype):
    """``dtype`` as a tf.DType, float32 or float64, or a ValueError."""
    try:
        dtype = tf.as_dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype must be tf.float32 or tf.float64; got {dtype!r}.") from None
    if dtype not in (tf.float32, tf.float64):
        raise ValueError(f"dtype must be tf.float32 or tf.float64; got {dtype.name}.")
    return dtype


def motion_log_det(bijector, y, nodes=32):
    r"""A stage's log-determinant from its motion: the integral of the velocity's divergence.

    A point :math:`y` moves through the stage along :math:`x(t) = f_t(y)`
    (:func:`~flowdocs.bijectors.partial_map`) with velocity :math:`v`
    (:func:`~flowdocs.bijectors.partial_velocity`). The instantaneous change of variables
    says that the log-density falls by the divergence of the field as it goes, so

    .. math:: \log\left|\det \frac{\partial f}{\partial y}\right| =
              \int_0^1 \operatorname{tr} \frac{\partial v}{\partial x}\big(t, x(t)\big)\, dt,
              \qquad \frac{\partial v}{\partial x} = \frac{\partial v}{\partial y}
              \left(\frac{\partial f_t}{\partial y}\right)^{-1},

    the field's Jacobian in :math:`x` by the chain rule, from two autodiff Jacobians in
    :math:`y`. The integral is a Gauss-Legendre rule of ``nodes`` nodes in :math:`t`,
    checked against the rule of twice as many: right to rounding for the shift, scale,
    shear and rotation, whose divergence is a smooth function of :math:`t` alone (zero
    for all but the scale); for the blended
    sigmoid, whose divergence :math:`(\sigma' - 1) / (1 - t + t \sigma')` is nearly
    singular at :math:`t = 1` where :math:`\sigma'` is small, right only for points not
    far from 0. Set against the bijector's own
    ``forward_log_det_jacobian``, it checks eq. :eq:`log-change-of-variables` in the
    limit of a continuous motion.

    Parameters
    ----------
    bijector : tfp.bijectors.Bijector
        A stage map :math:`f` of 2-vectors with a partial-map velocity rule.
    y : array-like, shape ``[n, 2]``
        Finite points at the start of the stage, in the bijector's dtype; each point's
        motion must depend on that point alone (the Jacobians are taken point by point).
    nodes : int
        Gauss-Legendre nodes in :math:`t`, at least 1.

    Returns
    -------
    tf.Tensor, shape ``[n]``
        The integral at every point, by the rule of ``2 * nodes`` nodes.

    Raises
    ------
    ValueError
        For ``nodes`` below 1, or points of another shape or not finite.
    FloatingPointError
        Where the two rules differ by more than :math:`10^{-6}` (relative): the
        integrand is too sharp for them.
    """
    if isinstance(nodes, bool) or not isinstance(nodes, (int, np.integer)) or nodes < 1:
        raise ValueError(f"nodes must be a positive integer; got {nodes!r}.")
    y = tf.convert_to_tensor(y, dtype_hint=bijector.dtype or tf.float32)
    if bijector.dtype is not None and y.dtype != bijector.dtype:
        raise ValueError(
            f"y must be in the bijector's dtype {bijector.dtype.name}; got {y.dtype.name}."
        )
    if not y.dtype.is_floating:
        raise ValueError(f"y must be floating-point points; got dtype {y.dtype.name}.")
    if y.shape.rank != 2 or y.shape[-1] != EVENT_SIZE:
        raise ValueError(f"y must be points of shape [n, 2]; got shape {y.shape.as_list()}.")
    if not np.all(np.isfinite(y.numpy())):
        raise ValueError("y must be finite: it holds NaN or infinite coordinates.")
    if y.shape[0] == 0:
        return tf.zeros([0], y.dtype)
    coarse, fine = (
        _divergence_integral(bijector, y, nodes),
        _divergence_integral(bijector, y, 2 * nodes),
    )
    gap = np.abs(fine.numpy() - coarse.numpy())
    bad = gap > 1e-6 * (1.0 + np.abs(fine.numpy()))
    if bad.any():
        raise FloatingPointError(
            f"motion_log_det: {int(bad.sum())} of {len(gap)} points change by up to "
            f"{gap.max():.2g} when the {nodes} nodes in t are doubled: the divergence "
            f"is nearly singular along their paths (the stage's Jacobian nearly vanishes "
            f"there, as the sigmoid's does far from 0), and the rule cannot be trusted."
        )
    return fine


def _divergence_integral(bijector, y, nodes):
    """The Gauss-Legendre rule of :func:`motion_log_det` with ``nodes`` nodes."""
    times, weights = np.polynomial.legendre.leggauss(nodes)
    total = tf.zeros(tf.shape(y)[:1], y.dtype)
    for t, weight in zip((times + 1) / 2, weights / 2, strict=True):
        _, moved = _value_and_pointwise_jacobian(partial_map(bijector, t), y)
        _, stretched = _value_and_pointwise_jacobian(partial_velocity(bijector, t), y)
        total += weight * tf.linalg.trace(tf.linalg.solve(moved, stretched))
    return total


def _value_and_pointwise_jacobian(function, y):
    """``function(y)`` ``[n, 2]`` and its Jacobian ``[n, 2, 2]`` at each of the points ``y``.

    The map acts on each point alone, so the gradient of the sum of one output
    coordinate over the points is that coordinate's row at every point: two gradients
    instead of a ``batch_jacobian``. A fresh copy of ``y`` per call: TFP caches
    ``forward(y)`` by tensor, and a result cached under another tape has no gradient.
    """
    start = tf.identity(y)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(start)
        out = function(start)
        coordinates = [tf.reduce_sum(out[:, i]) for i in range(EVENT_SIZE)]
    zero = tf.UnconnectedGradients.ZERO
    rows = [tape.gradient(c, start, unconnected_gradients=zero) for c in coordinates]
    return out, tf.stack(rows, 1)
