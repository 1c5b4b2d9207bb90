r"""Autoregressive flows in :math:`D` dimensions: MAF and IAF, both built from MADE.

An affine autoregressive layer moves coordinate :math:`i` by a shift and a log-scale
that depend on the coordinates before it in the layer's order. A MADE network
(``tfp.bijectors.AutoregressiveNetwork``; Germain et al., 2015) computes all
:math:`2D` of them in one pass, its weights masked so that output :math:`i` sees only
inputs :math:`< i`. The Jacobian is triangular whichever way the layer runs, so its
log-determinant is the sum of the :math:`D` log-scales: :math:`O(D)`.

The two families are one layer run in opposite directions.

- **MAF** (Papamakarios et al., 2017) conditions on the output:
  :math:`x_i = z_i \exp(s_i(x_{<i})) + t_i(x_{<i})`. Scoring a data point :math:`x`
  needs one pass (all of :math:`x` is known); sampling needs :math:`D` passes, one per
  coordinate, since :math:`x_i` waits for :math:`x_{<i}`.
- **IAF** (Kingma et al., 2016) conditions on the input:
  :math:`x_i = (z_i - t_i(z_{<i})) \exp(-s_i(z_{<i}))`, the MAF layer inverted
  (``tfb.Invert``). Sampling needs one pass; scoring a point that was not sampled by
  the flow needs :math:`D`.

Layers alternate the order, left to right then right to left, so each coordinate is in
turn conditioned on the others.
"""

import tensorflow as tf
import tensorflow_probability as tfp

from flowdocs.flow import Flow, Stage
from flowdocs.neural_flows import checked_flow_arguments, layer_seeds, made_network, standard_normal

tfb = tfp.bijectors

__all__ = ["iaf_flow", "maf_flow"]


def _autoregressive_flow(dims, layers, hidden_units, activation, seed, dtype, inverted):
    """The flow of ``layers`` MAF layers, each inverted (an IAF) when ``inverted``."""
    seeds = layer_seeds(seed, layers)
    stages = []
    for k in range(1, layers + 1):
        made = made_network(
            dims, hidden_units, activation, seeds[k - 1], dtype, k % 2 == 1, f"made_{k}"
        )
        bijector = tfb.MaskedAutoregressiveFlow(
            shift_and_log_scale_fn=made, unroll_loop=True, name=f"autoregressive_{k}"
        )
        order = "<" if k % 2 else ">"
        if inverted:
            bijector = tfb.Invert(bijector, name=f"inverse_autoregressive_{k}")
            formula = rf"x_i = (z_i - t_{{k,i}}(z_{{{order}i}})) \exp(-s_{{k,i}}(z_{{{order}i}}))"
        else:
            formula = rf"x_i = z_i \exp(s_{{k,i}}(x_{{{order}i}})) + t_{{k,i}}(x_{{{order}i}})"
        stages.append(Stage(f"autoregressive_{k}", f"f_{k}", rf"f_{k}:\ {formula}", bijector))
    return Flow(standard_normal(dims, dtype), stages)


def maf_flow(
    layers=4, hidden_units=(64, 64), activation="relu", seed=0, dtype=tf.float32, *, dims=2
):
    r"""A masked autoregressive flow (MAF) of ``dims``-vectors, its networks made by MADE.

    Layer :math:`k` is a ``tfp.bijectors.MaskedAutoregressiveFlow``:
    :math:`x_i = z_i \exp(s_{k,i}(x_{<i})) + t_{k,i}(x_{<i})` in its order (left to right
    for odd :math:`k`, right to left for even), the first coordinate of the order moved
    by learned constants. For ``dims=2``, in the order :math:`(a, b)`,
    :math:`y_a = z_a \exp(s_a) + t_a` then :math:`y_b = z_b \exp(s_b(y_a)) + t_b(y_a)`.

    **Jacobian**: triangular in the layer's order, diagonal :math:`\exp(s_{k,i})`;
    :math:`\log|\det J| = \sum_i s_{k,i}`. **Cost per sample**: one MADE pass per layer
    to score (``log_prob``), which is why MAF is quick to train by maximum likelihood;
    :math:`D` passes per layer to sample.

    Parameters
    ----------
    layers : int
        Number of autoregressive layers (stages).
    hidden_units : sequence of int
        Widths of the hidden layers of every MADE network.
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
        A standard normal base and ``layers`` stages, named ``autoregressive_1``, ...;
        its ``distribution`` has event shape ``[dims]``.

    Raises
    ------
    ValueError
        When ``dims``, ``layers`` or a hidden width is not a positive integer,
        ``hidden_units`` is empty, or ``seed`` is not an integer.
    TypeError
        When ``dtype`` is not a float type.
    """
    hidden_units, dtype = checked_flow_arguments(dims, "layers", layers, hidden_units, seed, dtype)
    return _autoregressive_flow(dims, layers, hidden_units, activation, seed, dtype, False)


def iaf_flow(dims=2, layers=4, hidden_units=(64, 64), activation="relu", seed=0, dtype=tf.float32):
    r"""An inverse autoregressive flow (IAF): the layers of :func:`maf_flow`, inverted.

    Layer :math:`k` is ``tfb.Invert`` of a MAF layer, so it samples by
    :math:`x_i = (z_i - t_{k,i}(z_{<i})) \exp(-s_{k,i}(z_{<i}))`: every shift and scale
    comes from the base side, known before the layer runs (Kingma et al., 2016).

    **Jacobian**: triangular, diagonal :math:`\exp(-s_{k,i})`;
    :math:`\log|\det J| = -\sum_i s_{k,i}(z)`. **Cost per sample**: one MADE pass per
    layer to sample (and to score the samples themselves, from the base point kept
    alongside); :math:`D` passes per layer to score a point from outside, such as a
    data point, which makes maximum-likelihood training :math:`D` times slower than a
    MAF's. IAF suits variational inference, which samples and scores its own samples.

    Parameters
    ----------
    dims, layers, hidden_units, activation, seed, dtype
        As for :func:`maf_flow`.

    Returns
    -------
    Flow
        As :func:`maf_flow` does, each stage a ``tfb.Invert`` of a MAF layer.

    Raises
    ------
    ValueError, TypeError
        As for :func:`maf_flow`.
    """
    hidden_units, dtype = checked_flow_arguments(dims, "layers", layers, hidden_units, seed, dtype)
    return _autoregressive_flow(dims, layers, hidden_units, activation, seed, dtype, True)
