r"""Coupling flows in :math:`D` dimensions: NICE, RealNVP and neural spline flows.

A coupling layer splits the coordinates into a kept block :math:`z_A` and an updated
block :math:`z_B`; the kept block passes unchanged and the updated one moves by an
element-wise invertible map whose parameters a network computes from :math:`z_A`:

.. math:: f(z) = \bigl(z_A,\ h(z_B;\ \phi(z_A))\bigr), \qquad
          J_f = \begin{pmatrix} I & 0 \\ \partial h / \partial z_A &
          \operatorname{diag}(\partial h / \partial z_B) \end{pmatrix}.

The Jacobian is block lower triangular with a diagonal block, so
:math:`\log|\det J_f| = \sum_{i \in B} \log|\partial h_i / \partial z_i|`: :math:`O(D)`
once the network has run. Inverting is as cheap: :math:`z_A = y_A` is known, so one
pass of the network gives :math:`\phi` and :math:`h^{-1}` acts element-wise. Each layer
costs one network pass to sample and one to score.

Odd layers keep the first :math:`\lfloor D/2 \rfloor` coordinates and update the others;
even layers reverse the coordinates (``tfp.bijectors.Permute``), couple, and reverse
them back, so they update the first :math:`\lfloor D/2 \rfloor` from the others (for odd
:math:`D` the two blocks differ in size by one) and every layer keeps the axes' meaning.
With :math:`D = 1` there is nothing to keep: every layer is an element-wise map with
learned constants.
"""

import math

import tensorflow as tf
import tensorflow_probability as tfp

from flowdocs.flow import Flow, Stage
from flowdocs.neural_flows import (
    CouplingNetwork,
    checked_flow_arguments,
    layer_seeds,
    standard_normal,
)

tfb = tfp.bijectors

__all__ = ["nice_flow", "realnvp_flow", "spline_flow"]

SPLINE_MIN_SIZE = 1e-3
"""Smallest bin width, bin height and knot slope of a spline, so that it stays invertible."""


def _coupling_flow(dims, couplings, hidden_units, activation, seed, dtype, output, spline=None):
    """The stages of a coupling flow: ``tfb.RealNVP`` layers whose shift and log-scale are
    a :class:`~flowdocs.neural_flows.CouplingNetwork` with the given ``output``, or whose
    element-wise bijector ``spline(network)`` makes from the network's raw outputs."""
    seeds = layer_seeds(seed, couplings * len(hidden_units)).reshape(couplings, -1)
    reverse = list(range(dims - 1, -1, -1))
    stages = []
    for k in range(1, couplings + 1):
        flipped = k % 2 == 0 and dims > 1
        kept = dims - dims // 2 if flipped else dims // 2
        network = CouplingNetwork(
            kept,
            dims - kept,
            output,
            hidden_units,
            activation,
            seeds[k - 1],
            dtype,
            f"coupling_{k}",
        )
        if spline is None:
            coupling = tfb.RealNVP(kept, shift_and_log_scale_fn=network, name=f"coupling_{k}")
        else:
            coupling = tfb.RealNVP(kept, bijector_fn=spline(network), name=f"coupling_{k}")
        if flipped:
            coupling = tfb.Chain(
                [tfb.Permute(reverse), coupling, tfb.Permute(reverse)],
                name=f"reversed_coupling_{k}",
            )
            formula = rf"f_{k}(z) = (h_{k}(z_A; \phi_{k}(z_B)),\; z_B),\ |A| = {dims // 2}"
        else:
            formula = rf"f_{k}(z) = (z_A,\; h_{k}(z_B; \phi_{k}(z_A))),\ |A| = {dims // 2}"
        stages.append(Stage(f"coupling_{k}", f"f_{k}", formula, coupling))
    return stages


def realnvp_flow(
    couplings=4, hidden_units=(64, 64), activation="relu", seed=0, dtype=tf.float32, *, dims=2
):
    r"""A RealNVP flow of ``dims``-vectors: affine coupling layers that alternate blocks.

    Layer :math:`k` moves the updated block by
    :math:`h_k(z_B) = z_B \odot \exp(s_k(z_A)) + t_k(z_A)` (``tfp.bijectors.RealNVP``),
    its shift :math:`t_k` and bounded log-scale :math:`s_k` computed by one network from
    the kept block; the blocks alternate as described in :mod:`flowdocs.coupling`. For
    ``dims=2`` odd layers update :math:`z_b` from :math:`z_a` and even layers
    :math:`z_a` from :math:`z_b`.

    **Jacobian**: block triangular, diagonal :math:`\exp(s_k)` on the updated block and
    1 on the kept one; :math:`\log|\det J| = \sum_{i \in B} s_{k,i}(z_A)`.
    **Cost per sample**: one network pass per layer to sample and one to score.

    Parameters
    ----------
    couplings : int
        Number of coupling layers (stages).
    hidden_units : sequence of int
        Widths of the hidden layers of every coupling network.
    activation : str or Callable
        Activation of the hidden layers.
    seed : int
        Seed of the weight initialisers.
    dtype : tf.DType
        ``tf.float32`` or ``tf.float64``: the base, the networks and the samples.
    dims : int
        Dimension :math:`D` of the points.

    Returns
    -------
    Flow
        A standard normal base in ``dims`` dimensions and ``couplings`` stages, named
        ``coupling_1``, ...; each starts as the identity map. Its ``distribution`` is a
        ``tfd.TransformedDistribution`` with event shape ``[dims]``.

    Raises
    ------
    ValueError
        When ``dims``, ``couplings`` or a hidden width is not a positive integer,
        ``hidden_units`` is empty, or ``seed`` is not an integer.
    TypeError
        When ``dtype`` is not a float type.
    """
    hidden_units, dtype = checked_flow_arguments(
        dims, "couplings", couplings, hidden_units, seed, dtype
    )

    stages = _coupling_flow(
        dims, couplings, hidden_units, activation, seed, dtype, "shift_and_log_scale"
    )
    return Flow(standard_normal(dims, dtype), stages)


def nice_flow(
    dims=2, couplings=4, hidden_units=(64, 64), activation="relu", seed=0, dtype=tf.float32
):
    r"""A NICE flow: additive coupling layers, then a learned diagonal scaling.

    Layer :math:`k` shifts the updated block, :math:`h_k(z_B) = z_B + m_k(z_A)`, by a
    network :math:`m_k` of the kept block (``tfp.bijectors.RealNVP`` with a shift only);
    a last stage ``scaling`` multiplies coordinate :math:`i` by :math:`\exp(\lambda_i)`,
    learned (Dinh et al., 2015). The cubic shear :math:`f_3` of the five-stage flow is a
    NICE coupling of 2-vectors with the fixed :math:`m(z_a) = e\, z_a^3`.

    **Jacobian**: every coupling is unit lower triangular, determinant 1 (it preserves
    volume); only the scaling changes volume, :math:`\log|\det J| = \sum_i \lambda_i`,
    the same at every point. **Cost per sample**: one network pass per coupling in
    either direction.

    Parameters
    ----------
    dims : int
        Dimension :math:`D` of the points.
    couplings : int
        Number of additive coupling layers.
    hidden_units, activation, seed, dtype
        As for :func:`realnvp_flow`.

    Returns
    -------
    Flow
        A standard normal base, ``couplings`` stages ``coupling_1``, ... and a stage
        ``scaling``, all starting as the identity; event shape ``[dims]``.

    Raises
    ------
    ValueError, TypeError
        As for :func:`realnvp_flow`.
    """
    hidden_units, dtype = checked_flow_arguments(
        dims, "couplings", couplings, hidden_units, seed, dtype
    )

    stages = _coupling_flow(dims, couplings, hidden_units, activation, seed, dtype, "shift")
    scale = tfp.util.TransformedVariable(tf.ones([dims], dtype), tfb.Exp(), name="scaling")
    formula = r"f(z) = \exp(\lambda) \odot z"
    stages.append(Stage("scaling", f"f_{couplings + 1}", formula, tfb.Scale(scale, name="scaling")))
    return Flow(standard_normal(dims, dtype), stages)


class _SplineParameters(tf.Module):
    """Turns a coupling network's raw outputs into a valid ``RationalQuadraticSpline``.

    Widths and heights are a softmax over the bins scaled to the interval
    ``[-bound, bound]``, slopes a shifted softplus; all at least :data:`SPLINE_MIN_SIZE`.
    Zero raw outputs (the network's start) give equal bins and unit slopes: the identity.
    """

    def __init__(self, network, bins, bound):
        super().__init__(name=f"spline_{network.name}")
        self.network, self.bins, self.bound = network, bins, bound

    def __call__(self, kept, output_units, **kwargs):
        raw = self.network(kept)
        bins, dtype = self.bins, raw.dtype
        width, height, slope = tf.split(raw, [bins, bins, bins - 1], axis=-1)
        span = 2.0 * self.bound - bins * SPLINE_MIN_SIZE

        def sizes(logits):
            return SPLINE_MIN_SIZE + span * tf.math.softmax(logits, axis=-1)

        unit = tf.constant(math.log(math.expm1(1.0 - SPLINE_MIN_SIZE)), dtype)
        return tfb.RationalQuadraticSpline(
            bin_widths=sizes(width),
            bin_heights=sizes(height),
            knot_slopes=SPLINE_MIN_SIZE + tf.math.softplus(slope + unit),
            range_min=tf.constant(-self.bound, dtype),
        )


def spline_flow(
    dims=2,
    couplings=4,
    hidden_units=(64, 64),
    bins=8,
    bound=4.0,
    activation="relu",
    seed=0,
    dtype=tf.float32,
):
    r"""A neural spline flow: coupling layers whose element-wise maps are splines.

    Layer :math:`k` moves every updated coordinate by a monotone rational-quadratic
    spline (``tfp.bijectors.RationalQuadraticSpline``; Durkan et al., 2019) of ``bins``
    bins on :math:`[-B, B]`, :math:`B =` ``bound``, and the identity outside; the bins'
    widths and heights and the slopes at the inner knots are computed by a network of
    the kept block, :math:`3K - 1` numbers per coordinate for :math:`K` bins.

    **Jacobian**: block triangular, as for RealNVP, its diagonal the spline's
    derivatives; :math:`\log|\det J| = \sum_{i \in B} \log h_{k,i}'(z_i)`.
    **Cost per sample**: one network pass per layer in either direction, plus a search
    of the bins (the inverse solves a quadratic in closed form).

    Parameters
    ----------
    dims, couplings, hidden_units, activation, seed, dtype
        As for :func:`realnvp_flow`.
    bins : int
        Number of bins :math:`K` of every spline, at least 2.
    bound : float
        Half-width :math:`B` of the interval where the splines bend; positive.

    Returns
    -------
    Flow
        A standard normal base and ``couplings`` stages named ``coupling_1``, ...,
        each starting as the identity; event shape ``[dims]``.

    Raises
    ------
    ValueError
        As for :func:`realnvp_flow`, and for ``bins`` not an integer of at least 2 or
        ``bound`` not a positive finite number.
    TypeError
        When ``dtype`` is not a float type.
    """
    hidden_units, dtype = checked_flow_arguments(
        dims, "couplings", couplings, hidden_units, seed, dtype
    )
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 2:
        raise ValueError(f"bins must be an integer of at least 2; got {bins!r}.")
    if (
        isinstance(bound, bool)
        or not isinstance(bound, (int, float))
        or not (math.isfinite(bound) and bound > bins * SPLINE_MIN_SIZE / 2)
    ):
        raise ValueError(f"bound must be a positive finite number; got {bound!r}.")

    def spline(network):
        return _SplineParameters(network, bins, float(bound))

    params = 3 * bins - 1
    stages = _coupling_flow(dims, couplings, hidden_units, activation, seed, dtype, params, spline)
    return Flow(standard_normal(dims, dtype), stages)
