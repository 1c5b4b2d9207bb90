r"""The flow: a Gaussian base and a sequence of named stages.

A :class:`Flow` pushes samples of its base distribution through its stages in order,
:math:`x = f_k \circ \dots \circ f_1(z)` (eq. :eq:`sampling`), and scores a point by the
change of variables,
:math:`\log p_X(x) = \log p_Z(z) - \sum_i \log|\det \partial f_i / \partial z_{i-1}|`
(eq. :eq:`log-likelihood`).
"""

import dataclasses
from collections.abc import Sequence

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from flowdocs.seeds import stateless_seed

tfb = tfp.bijectors
tfd = tfp.distributions

__all__ = ["Flow", "FlowDistribution", "Stage"]


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
