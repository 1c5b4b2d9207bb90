r"""The flow: a Gaussian base and a sequence of named stages.

A :class:`Flow` pushes samples of its base distribution through its stages in order,
:math:`x = f_k \circ \dots \circ f_1(z)` (eq. :eq:`sampling`), and scores a point by the
change of variables,
:math:`\log p_X(x) = \log p_Z(z) - \sum_i \log|\det \partial f_i / \partial z_{i-1}|`
(eq. :eq:`log-likelihood`).
"""

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from tensorflow_probability.python.internal import tensor_util

from flowdocs.bijectors import EVENT_SIZE, Rotation2D, ShiftAndCube, Sigmoid

tfb = tfp.bijectors
tfd = tfp.distributions

__all__ = [
    "Flow",
    "FlowDistribution",
    "Stage",
    "base_distribution",
    "draw_parameters",
    "five_stage_flow",
    "stateless_seed",
]


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


class FlowDistribution(tfd.TransformedDistribution):
    """A ``TransformedDistribution`` whose ``log_prob`` is ``-inf``, never NaN, off its support.

    A finite point lies in the open support exactly when every inverse stage maps it to
    finite numbers. Points on the edge of the sigmoid's unit square (where float32
    samples saturate) invert to infinities, and a plain ``TransformedDistribution``
    returns ``-inf + inf = NaN`` there; here they get density 0, ``log_prob = -inf``, as
    do points with an infinite coordinate. A NaN input still gives NaN. See
    :ref:`tfp-in-practice-page` for why.

    Gradients stay finite too: the points off the support are swapped for a point inside
    it *before* the density is computed (the "double where"), so no infinity is ever
    multiplied by the zero gradient that ``tf.where`` gives the discarded branch.
    """

    def _log_prob(self, y, **kwargs):
        nan = tf.reduce_any(tf.math.is_nan(y), axis=-1)
        infinite = ~nan & ~tf.reduce_all(tf.math.is_finite(y), axis=-1)
        # A point surely inside the support: the image of the base's mean.
        inside = self.bijector.forward(self.distribution.mean()[tf.newaxis])[0]
        probe = tf.stop_gradient(tf.where((nan | infinite)[..., tf.newaxis], inside, y))
        outside = infinite | ~tf.reduce_all(tf.math.is_finite(self.bijector.inverse(probe)), -1)
        safe = tf.where((nan | outside)[..., tf.newaxis], inside, y)
        log_prob = super()._log_prob(safe, **kwargs)
        log_prob = tf.where(outside, tf.constant(-np.inf, log_prob.dtype), log_prob)
        return tf.where(nan, tf.constant(np.nan, log_prob.dtype), log_prob)


@dataclasses.dataclass(frozen=True)
class Stage:
    r"""One named step :math:`f_i` of a flow.

    Attributes
    ----------
    name : str
        Identifier, e.g. ``"rotation"``; unique within a flow.
    symbol : str
        LaTeX name of the map, e.g. ``"f_4"``.
    formula : str
        LaTeX for the map in terms of its input :math:`z = (z_a, z_b)`.
    bijector : tfp.bijectors.Bijector
        The map itself.
    """

    name: str
    symbol: str
    formula: str
    bijector: tfb.Bijector


class Flow:
    r"""A base distribution followed by stages applied in order: f1 first.

    Samples follow eq. :eq:`sampling`, :math:`x = f_k \circ \dots \circ f_1(z_0)` with
    :math:`z_0 \sim p_0`; densities follow eq. :eq:`log-likelihood`.

    Parameters
    ----------
    base : tfp.distributions.Distribution
        The distribution :math:`p_0` of :math:`z_0`, with event shape ``[2]``.
    stages : sequence of Stage
        The maps :math:`f_1, \dots, f_k` in application order; names must be unique.

    Attributes
    ----------
    base : tfp.distributions.Distribution
        The base distribution.
    stages : tuple of Stage
        The stages in application order.

    Raises
    ------
    ValueError
        When two stages share a name, or a stage is not a :class:`Stage`.
    """

    def __init__(self, base, stages: Sequence[Stage]):
        self.base = base
        self.stages = tuple(stages)
        strangers = [stage for stage in self.stages if not isinstance(stage, Stage)]
        if strangers:
            raise ValueError(f"Every stage must be a flowdocs.Stage; got {strangers[0]!r}.")
        names = [stage.name for stage in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"Stage names must be unique; got {names}.")
        # The compiled path of `sample_and_log_prob`, traced on first use. XLA fuses the
        # stages' element-wise arithmetic; the random draw stays outside it because XLA's
        # stateless normal sampler on a CPU is about 40x slower than TensorFlow's kernel.
        self._draw_base = tf.function(self._draw, reduce_retracing=True, autograph=False)
        self._push_forward = tf.function(
            self.forward_with_log_prob, jit_compile=True, autograph=False
        )

    def __repr__(self):
        chain = " -> ".join(stage.name for stage in self.stages)
        return f"Flow(base={self.base.name}, stages: {chain or 'none'})"

    @property
    def names(self):
        """The stage names in application order."""
        return tuple(stage.name for stage in self.stages)

    def chain(self, k=None):
        r"""The bijector :math:`f_k \circ \dots \circ f_1` of the first ``k`` stages (default: all).

        ``tfb.Chain`` applies its list right to left, so the list is reversed. Its log-det is
        the sum of the stages' log-dets, eq. :eq:`composition-jacobian`.

        Parameters
        ----------
        k : int, optional
            How many stages, from 0 (the identity) to ``len(stages)``; None means all.

        Returns
        -------
        tfp.bijectors.Chain
            A bijector of 2-vectors, ``[..., 2] -> [..., 2]``.
        """
        stages = self.stages[: self._stage_count(k)]
        return tfb.Chain([stage.bijector for stage in reversed(stages)], name="flow")

    @property
    def bijector(self):
        """The whole chain; ``bijector.forward`` applies f1 first."""
        return self.chain()

    def distribution_after(self, k):
        """The distribution of :math:`z_k`, after the first ``k`` stages (``k=0``: the base).

        Returns a :class:`FlowDistribution` (the base itself for ``k=0``), with event
        shape ``[2]``.
        """
        k = self._stage_count(k)
        if k == 0:
            return self.base
        return FlowDistribution(self.base, self.chain(k), name=f"after_{self.names[k - 1]}")

    @property
    def distribution(self):
        """The flow's ``TransformedDistribution`` (NaN-free ``log_prob``)."""
        return self.distribution_after(len(self.stages))

    def staged(self):
        """The k+1 distributions after 0, 1, ..., k stages."""
        return [self.distribution_after(k) for k in range(len(self.stages) + 1)]

    def staged_samples(self, n, seed=0):
        r"""Draw ``n`` base points and return them after 0, 1, ..., k stages.

        The same points move through every stage, so a reader can follow them.

        Parameters
        ----------
        n : int
            Number of base points, at least 1.
        seed : int or tf.Tensor
            An int or a seed pair (see :func:`stateless_seed`): the same seed, the same
            points.

        Returns
        -------
        list of numpy.ndarray, each of shape ``[n, 2]``
            ``len(stages) + 1`` arrays: :math:`z_0, z_1 = f_1(z_0), \dots, z_k`.
        """
        z = self.base.sample(_sample_count(n), seed=stateless_seed(seed))
        points = [z]
        for stage in self.stages:
            points.append(stage.bijector.forward(points[-1]))
        return [p.numpy() for p in points]

    def sample_and_log_prob(self, n, seed=0):
        r"""``n`` samples with their log-densities, compiled, in the forward direction.

        Draws :math:`z_0 \sim p_0` and returns :meth:`forward_with_log_prob` of it. The
        push-forward runs as one XLA-compiled function, several times faster than TFP's
        eager ``experimental_sample_and_log_prob`` (see :ref:`performance-page`). It is
        compiled once per ``n``, which costs a few tenths of a second the first time.

        Parameters
        ----------
        n : int
            Number of samples, at least 1.
        seed : int or tf.Tensor
            An int or a seed pair (see :func:`stateless_seed`): the same seed, the same
            points.

        Returns
        -------
        x : tf.Tensor, shape ``[n, 2]``
            The samples :math:`x = f_k \circ \dots \circ f_1(z_0)`.
        log_prob : tf.Tensor, shape ``[n]``
            :math:`\log p_X(x)` of each sample, eq. :eq:`log-likelihood`.
        """
        z = self._draw_base(tf.constant(_sample_count(n), tf.int32), stateless_seed(seed))
        return self._push_forward(z)

    def _draw(self, n, seed):
        return self.base.sample(n, seed=seed)

    def forward_with_log_prob(self, z):
        r"""Push base points ``z`` through every stage and score where they land.

        :math:`\log p(x) = \log p_0(z_0) - \sum_i \log|\det J_{f_i}(z_{i-1})|`, eq.
        :eq:`log-likelihood` evaluated in the sampling direction. No inverse is taken, so
        the log-density stays finite even where float32 sigmoid outputs round onto the
        edge of the unit square, where ``distribution.log_prob`` of the rounded point is
        ``-inf``.
        """
        log_prob = self.base.log_prob(z)
        for stage in self.stages:
            log_prob -= stage.bijector.forward_log_det_jacobian(z, event_ndims=1)
            z = stage.bijector.forward(z)
        return z, log_prob

    def composition(self, k=None):
        r"""LaTeX for :math:`f_k \circ \dots \circ f_1(z)`, e.g. ``(f_2 \circ f_1)(z)``."""
        symbols = [stage.symbol for stage in self.stages[: self._stage_count(k)]]
        if not symbols:
            return "z"
        if len(symbols) == 1:
            return f"{symbols[0]}(z)"
        return "(" + r" \circ ".join(reversed(symbols)) + ")(z)"

    def reordered(self, order):
        """The same stages in another order, given as indices or names (a permutation)."""
        order = list(order)
        indices = [self._index(item) for item in order]
        if sorted(indices) != list(range(len(self.stages))):
            raise ValueError(
                f"order must name every stage exactly once, as a permutation of "
                f"{list(self.names)} or of 0..{len(self.stages) - 1}; got {order}."
            )
        return Flow(self.base, [self.stages[i] for i in indices])

    def _stage_count(self, k):
        """``k`` checked to be a number of stages, 0 to ``len(stages)``; None means all."""
        if k is None:
            return len(self.stages)
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise ValueError(f"k must be an integer number of stages; got {k!r}.")
        if not 0 <= k <= len(self.stages):
            raise ValueError(f"k must be between 0 and {len(self.stages)} stages; got {k}.")
        return int(k)

    def _index(self, item):
        if isinstance(item, str):
            if item not in self.names:
                raise ValueError(
                    f"Unknown stage name {item!r}; valid names are {list(self.names)}."
                )
            return self.names.index(item)
        if isinstance(item, (int, np.integer)) and 0 <= item < len(self.stages):
            return int(item)
        raise ValueError(
            f"Stage {item!r} is neither a name in {list(self.names)} nor an index "
            f"in 0..{len(self.stages) - 1}."
        )


def _sample_count(n):
    """``n`` checked to be a positive integer number of samples."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer number of samples; got {n!r}.")
    return int(n)


_INT32_RANGE = (-(2**31), 2**31 - 1)  # TFP stateless seeds are pairs of int32


def stateless_seed(seed):
    """A TFP stateless seed: an int ``s`` becomes the pair ``[0, s]``, the same on every call.

    ``tfp.random.sanitize_seed`` treats an int as a *stateful* seed and draws a new pair
    each time, so the same int would not give the same numbers twice; this function gives
    the pair that does.

    Parameters
    ----------
    seed : int or tf.Tensor
        An int in the int32 range, or a seed pair (two int32, as a tensor or a
        sequence), which passes through unchanged.

    Returns
    -------
    tf.Tensor, shape ``[2]``, int32
        ``[0, seed]`` for an int; the pair itself otherwise.

    Raises
    ------
    ValueError
        For an int outside the int32 range (it would wrap around and repeat another
        seed's numbers), a bool, or anything that is not an int or a pair of ints.
    """
    if isinstance(seed, bool):
        raise ValueError(f"seed must be an integer or a pair of int32; got the bool {seed}.")
    if isinstance(seed, (int, np.integer)):
        low, high = _INT32_RANGE
        if not low <= seed <= high:
            raise ValueError(
                f"seed must lie in the int32 range [{low}, {high}]; got {seed}, which "
                f"would wrap around to another seed's numbers."
            )
        return tf.constant([0, int(seed)], dtype=tf.int32)
    if tf.is_tensor(seed):
        if seed.dtype.is_integer and seed.shape.is_compatible_with([2]):
            return seed
    else:
        pair = np.asarray(seed)
        if pair.shape == (2,) and np.issubdtype(pair.dtype, np.integer):
            return seed
    raise ValueError(f"seed must be an int or a pair of two ints; got {seed!r}.")


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
