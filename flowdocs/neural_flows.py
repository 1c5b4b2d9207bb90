r"""Flows whose stages are small neural networks: RealNVP and a masked autoregressive flow.

Both are :class:`~flowdocs.Flow` objects with a standard normal base, so a learned flow
is inspected stage by stage exactly like the five-stage flow (``staged_samples``,
``distribution_after`` and the plotting helpers). Every stage is an affine map of one
coordinate whose shift :math:`t` and log-scale :math:`s` a network computes from the
other coordinate, so its Jacobian is triangular and its log-determinant is the sum of
the log-scales (the determinant of a triangular matrix is the product of its diagonal).

Each log-scale is bounded softly, :math:`s = \beta \tanh(\tilde s / \beta)` with
:math:`\beta =` :data:`LOG_SCALE_BOUND`, so that no early step of training can blow one
stage's scale up by more than :math:`\exp(\beta)`: without the bound, large learning
rates send a few scales to infinity. Weights are initialised from seeds, so the same
``seed`` builds the same flow.
"""

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
import tf_keras

from flowdocs.five_stage import base_distribution
from flowdocs.flow import Flow, Stage

tfb = tfp.bijectors

__all__ = ["maf_flow", "realnvp_flow"]

_SWAP = [1, 0]
"""The permutation that exchanges the two coordinates of a point."""

LOG_SCALE_BOUND = 3.0
r"""Every log-scale :math:`s` of a stage lies in :math:`(-\beta, \beta)` for this :math:`\beta`."""


def _bounded(log_scale):
    r"""The soft bound :math:`\beta \tanh(s / \beta)`, near 0 the identity.

    It never reaches :math:`\pm\beta`, so no stage scales by more than
    :math:`\exp(\beta)`.

    Parameters
    ----------
    log_scale : tf.Tensor
        Unbounded log-scales :math:`s`, of any shape.

    Returns
    -------
    tf.Tensor
        The bounded log-scales, same shape, in :math:`(-\beta, \beta)` for
        :math:`\beta =` :data:`LOG_SCALE_BOUND`.
    """
    return LOG_SCALE_BOUND * tf.tanh(log_scale / LOG_SCALE_BOUND)


class _ShiftAndLogScale(tf.Module):
    """The coupling network of one RealNVP stage: the kept coordinate in, ``(t, s)`` out.

    A multilayer perceptron with seeded Glorot initialisation; its last layer starts at
    zero, so that every coupling starts as the identity map.

    Parameters
    ----------
    hidden_units : sequence of int
        Widths of the hidden layers.
    activation : str or Callable
        Activation of the hidden layers.
    seeds : sequence of int
        One seed per hidden layer, for its kernel initialiser.
    dtype : tf.DType
        Float type of the weights.
    name : str
        Name of the module.
    """

    def __init__(self, hidden_units, activation, seeds, dtype, name):
        super().__init__(name=name)
        layers = [
            tf_keras.layers.Dense(
                units,
                activation=activation,
                kernel_initializer=tf_keras.initializers.GlorotUniform(seed=int(layer_seed)),
                dtype=dtype,
            )
            for units, layer_seed in zip(hidden_units, seeds, strict=False)
        ]
        layers.append(tf_keras.layers.Dense(2, kernel_initializer="zeros", dtype=dtype))
        self.network = tf_keras.Sequential(layers)
        self.network.build((None, 1))

    def __call__(self, kept, output_units):
        """The shift and bounded log-scale of the updated coordinate.

        Parameters
        ----------
        kept : tf.Tensor, shape ``[..., 1]``
            The coordinate the stage keeps.
        output_units : int
            Number of updated coordinates, which ``tfp.bijectors.RealNVP`` passes; always
            1 here.

        Returns
        -------
        (tf.Tensor, tf.Tensor), each of shape ``[..., 1]``
            The shift :math:`t` and the log-scale :math:`s`.
        """
        shift, log_scale = tf.unstack(self.network(kept), num=2, axis=-1)
        return shift[..., tf.newaxis], _bounded(log_scale)[..., tf.newaxis]


class _BoundedMADE(tf.Module):
    """A MADE network (``tfp.bijectors.AutoregressiveNetwork``) with bounded log-scales.

    Parameters
    ----------
    network : tfp.bijectors.AutoregressiveNetwork
        A built network with ``params=2``: a shift and a log-scale per coordinate.
    name : str
        Name of the module.
    """

    def __init__(self, network, name):
        super().__init__(name=name)
        self.network = network

    def __call__(self, y):
        """The shift and bounded log-scale of every coordinate of ``y``, shape ``[..., 2]``.

        Returns
        -------
        (tf.Tensor, tf.Tensor), each of the shape of ``y``
            The shifts :math:`t` and the log-scales :math:`s`; those of a coordinate
            depend only on the coordinates before it in the network's order.
        """
        shift, log_scale = tf.unstack(self.network(y), num=2, axis=-1)
        return shift, _bounded(log_scale)


def _layer_seeds(seed, count):
    """``count`` seeds for weight initialisers, drawn reproducibly from ``seed``.

    Returns
    -------
    numpy.ndarray, shape ``[count]``, int64
        Seeds in ``[0, 2**31 - 1)``.
    """
    return np.random.default_rng(seed).integers(0, 2**31 - 1, size=count)


def _checked_architecture(depth_name, depth, hidden_units):
    """``hidden_units`` as a tuple, after refusing sizes that cannot build a flow.

    Raises
    ------
    ValueError
        When ``depth`` (the number of stages, named ``depth_name``) is not a positive
        integer, or ``hidden_units`` is not a non-empty sequence of positive integers;
        the message names the argument.
    """
    if not _is_positive_int(depth):
        raise ValueError(f"{depth_name} must be a positive integer; got {depth!r}.")
    try:
        widths = tuple(hidden_units)
    except TypeError:
        widths = ()
    if (
        isinstance(hidden_units, (str, bytes))
        or not widths
        or not all(map(_is_positive_int, widths))
    ):
        raise ValueError(
            f"hidden_units must be a non-empty sequence of positive integers, one width "
            f"per hidden layer; got {hidden_units!r}."
        )
    return widths


def _is_positive_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 0


def realnvp_flow(couplings=4, hidden_units=(64, 64), activation="relu", seed=0, dtype=tf.float32):
    r"""A RealNVP flow of 2-vectors: affine coupling layers that alternate coordinates.

    Stage :math:`k` keeps one coordinate and moves the other by an affine map whose shift
    :math:`t_k` and log-scale :math:`s_k` are computed from the kept one. Odd stages
    update :math:`z_b`, :math:`f_k(z) = (z_a,\ z_b \exp(s_k(z_a)) + t_k(z_a))`; even
    stages update :math:`z_a`: a permutation swaps the coordinates, the coupling
    (``tfp.bijectors.RealNVP``) updates the second, and the same permutation swaps them
    back, so every stage keeps the axes' meaning. The log-determinant of stage :math:`k`
    is :math:`s_k` of the kept coordinate.

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
        Float type of the base, the networks and the samples.

    Returns
    -------
    Flow
        A standard normal base and ``couplings`` stages, named ``coupling_1``, ...; each
        starts as the identity map.

    Raises
    ------
    ValueError
        When ``couplings`` is not a positive integer, or ``hidden_units`` is empty or
        holds a width that is not a positive integer.
    """
    hidden_units = _checked_architecture("couplings", couplings, hidden_units)
    seeds = _layer_seeds(seed, couplings * len(hidden_units)).reshape(couplings, -1)
    stages = []
    for k in range(1, couplings + 1):
        network = _ShiftAndLogScale(hidden_units, activation, seeds[k - 1], dtype, f"coupling_{k}")
        coupling = tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=network, name=f"coupling_{k}")
        if k % 2:
            bijector = coupling
            formula = rf"f_{k}(z) = (z_a,\; z_b \exp(s_{k}(z_a)) + t_{k}(z_a))"
        else:
            bijector = tfb.Chain(
                [tfb.Permute(_SWAP), coupling, tfb.Permute(_SWAP)], name=f"swapped_coupling_{k}"
            )
            formula = rf"f_{k}(z) = (z_a \exp(s_{k}(z_b)) + t_{k}(z_b),\; z_b)"
        stages.append(Stage(f"coupling_{k}", f"f_{k}", formula, bijector))
    return Flow(base_distribution(0.0, 1.0, dtype=dtype), stages)


def maf_flow(layers=4, hidden_units=(64, 64), activation="relu", seed=0, dtype=tf.float32):
    r"""A masked autoregressive flow (MAF) of 2-vectors, its networks made by MADE.

    Stage :math:`k` is a ``tfp.bijectors.MaskedAutoregressiveFlow`` whose shift and
    log-scale come from a ``tfp.bijectors.AutoregressiveNetwork`` (MADE): a network whose
    weights are masked so that the parameters of each output coordinate depend only on
    the output coordinates before it in the stage's order. In the order
    :math:`(a, b)` the stage computes :math:`y_a = z_a \exp(s_a) + t_a` with constants
    :math:`s_a, t_a`, then :math:`y_b = z_b \exp(s_b(y_a)) + t_b(y_a)`; stages alternate
    the order, so each coordinate is in turn the one that depends on the other. Sampling
    runs the coordinates one after the other; ``log_prob`` inverts all of them in one
    pass of the network, which is why MAF is quick to train by maximum likelihood.

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
        Float type of the base, the networks and the samples.

    Returns
    -------
    Flow
        A standard normal base and ``layers`` stages, named ``autoregressive_1``, ....

    Raises
    ------
    ValueError
        When ``layers`` is not a positive integer, or ``hidden_units`` is empty or holds
        a width that is not a positive integer.
    """
    hidden_units = _checked_architecture("layers", layers, hidden_units)
    seeds = _layer_seeds(seed, layers)
    stages = []
    for k in range(1, layers + 1):
        first, second = ("a", "b") if k % 2 else ("b", "a")
        network = tfb.AutoregressiveNetwork(
            params=2,
            event_shape=[2],
            hidden_units=list(hidden_units),
            activation=activation,
            input_order="left-to-right" if k % 2 else "right-to-left",
            kernel_initializer=tf_keras.initializers.GlorotUniform(seed=int(seeds[k - 1])),
            dtype=dtype,
            name=f"made_{k}",
        )
        network.build((None, 2))
        bijector = tfb.MaskedAutoregressiveFlow(
            shift_and_log_scale_fn=_BoundedMADE(network, f"bounded_made_{k}"),
            unroll_loop=True,
            name=f"autoregressive_{k}",
        )
        formula = (
            rf"f_{k}(z) = y,\ y_{first} = z_{first} \exp(s_{first}) + t_{first},\ "
            rf"y_{second} = z_{second} \exp(s_{second}(y_{first})) + t_{second}(y_{first})"
        )
        stages.append(Stage(f"autoregressive_{k}", f"f_{k}", formula, bijector))
    return Flow(base_distribution(0.0, 1.0, dtype=dtype), stages)
