r"""The pieces that every learned flow shares: networks, seeds, argument checks, the base.

The constructors live in :mod:`flowdocs.coupling` (NICE, RealNVP, neural spline flows)
and :mod:`flowdocs.autoregressive` (MAF, IAF); each returns a :class:`~flowdocs.Flow`
with a standard normal base in ``dims`` dimensions, so that a learned flow is inspected
stage by stage exactly like the five-stage flow (``staged_samples``,
``distribution_after``), and its ``distribution`` is a ``tfd.TransformedDistribution``
with event shape ``[dims]`` that :func:`~flowdocs.fit` trains.

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

tfb = tfp.bijectors
tfd = tfp.distributions

__all__ = [
    "LOG_SCALE_BOUND",
    "BoundedMADE",
    "CouplingNetwork",
    "bounded_log_scale",
    "checked_flow_arguments",
    "checked_widths",
    "layer_seeds",
    "made_network",
    "standard_normal",
]

LOG_SCALE_BOUND = 3.0
r"""Every log-scale :math:`s` of a stage lies in :math:`(-\beta, \beta)` for this :math:`\beta`."""


def bounded_log_scale(log_scale):
    r"""The soft bound :math:`\beta \tanh(s / \beta)`, near 0 the identity.

    It never reaches :math:`\pm\beta`, so no stage scales by more than
    :math:`\exp(\beta)`, :math:`\beta =` :data:`LOG_SCALE_BOUND`.

    Parameters
    ----------
    log_scale : tf.Tensor
        Unbounded log-scales :math:`s`, of any shape.

    Returns
    -------
    tf.Tensor
        The bounded log-scales, same shape, in :math:`(-\beta, \beta)`.
    """
    return LOG_SCALE_BOUND * tf.tanh(log_scale / LOG_SCALE_BOUND)


class CouplingNetwork(tf.Module):
    r"""The network of one coupling layer: the kept coordinates in, the parameters of the
    updated coordinates' maps out.

    A multilayer perceptron with seeded Glorot initialisation, from ``[..., kept]`` to
    ``params`` numbers per updated coordinate; its last layer starts at zero, so that a
    coupling whose parameters are zero at the identity (shift and log-scale, or a
    spline's raw widths, heights and slopes) starts as the identity map. With
    ``kept = 0`` (a flow of one dimension) the output is the last layer's bias: learned
    constants.

    Parameters
    ----------
    kept, updated : int
        Input width and number of updated coordinates.
    output : ``"shift_and_log_scale"``, ``"shift"`` or int
        What a call returns: a shift :math:`t` and a bounded log-scale :math:`s`, each
        ``[..., updated]`` (RealNVP); a shift and ``None`` (NICE); or, for an int
        :math:`P`, the raw outputs ``[..., updated, P]`` (a spline's parameters).
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

    def __init__(self, kept, updated, output, hidden_units, activation, seeds, dtype, name):
        super().__init__(name=name)
        self.updated, self.output = updated, output
        self.params = {"shift_and_log_scale": 2, "shift": 1}.get(output, output)
        layers = [
            tf_keras.layers.Dense(
                units,
                activation=activation,
                kernel_initializer=tf_keras.initializers.GlorotUniform(seed=int(layer_seed)),
                dtype=dtype,
            )
            for units, layer_seed in zip(hidden_units, seeds, strict=True)
        ]
        layers.append(
            tf_keras.layers.Dense(updated * self.params, kernel_initializer="zeros", dtype=dtype)
        )
        self.network = tf_keras.Sequential(layers)
        self.network.build((None, kept))

    def __call__(self, kept, output_units=None):
        """The output described above for the kept coordinates ``[..., kept]``;
        ``output_units`` is what ``tfp.bijectors.RealNVP`` passes, and is not needed."""
        out = self.network(kept)
        shape = tf.concat([tf.shape(out)[:-1], [self.updated, self.params]], axis=0)
        out = tf.reshape(out, shape)
        if self.output == "shift":
            return out[..., 0], None
        if self.output == "shift_and_log_scale":
            shift, log_scale = tf.unstack(out, num=2, axis=-1)
            return shift, bounded_log_scale(log_scale)
        return out


class BoundedMADE(tf.Module):
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
        """The shift and bounded log-scale of every coordinate of ``y``, ``[..., D]``.

        Returns
        -------
        (tf.Tensor, tf.Tensor), each of the shape of ``y``
            The shifts :math:`t` and the log-scales :math:`s`; those of a coordinate
            depend only on the coordinates before it in the network's order.
        """
        shift, log_scale = tf.unstack(self.network(y), num=2, axis=-1)
        return shift, bounded_log_scale(log_scale)


def made_network(dims, hidden_units, activation, seed, dtype, left_to_right, name):
    """A built MADE of ``dims`` inputs giving a shift and a log-scale per coordinate.

    Parameters
    ----------
    dims : int
        Event size :math:`D`.
    hidden_units, activation
        The hidden layers.
    seed : int
        Seed of the kernel initialiser.
    dtype : tf.DType
        Float type of the weights.
    left_to_right : bool
        The autoregressive order: coordinate :math:`i` depends on those before it
        (``True``) or after it (``False``).
    name : str
        Name of the network.

    Returns
    -------
    BoundedMADE
        Maps ``[..., D]`` to a shift and a bounded log-scale, each ``[..., D]``.
    """
    network = tfb.AutoregressiveNetwork(
        params=2,
        event_shape=[dims],
        hidden_units=list(hidden_units),
        activation=activation,
        input_order="left-to-right" if left_to_right else "right-to-left",
        kernel_initializer=tf_keras.initializers.GlorotUniform(seed=int(seed)),
        dtype=dtype,
        name=name,
    )
    network.build((None, dims))
    return BoundedMADE(network, f"bounded_{name}")


def layer_seeds(seed, count):
    """``count`` seeds for weight initialisers, drawn reproducibly from ``seed``.

    Returns
    -------
    numpy.ndarray, shape ``[count]``, int64
        Seeds in ``[0, 2**31 - 1)``.
    """
    return np.random.default_rng(seed).integers(0, 2**31 - 1, size=count)


def standard_normal(dims, dtype):
    r"""The base :math:`\mathcal{N}(0, I_D)` of every learned flow, named ``base``.

    Returns
    -------
    tfp.distributions.MultivariateNormalDiag
        Event shape ``[dims]``; for ``dims=2`` the same distribution as
        ``flowdocs.base_distribution(0.0, 1.0)``.
    """
    return tfd.MultivariateNormalDiag(
        loc=tf.zeros([dims], dtype), scale_diag=tf.ones([dims], dtype), name="base"
    )


def checked_flow_arguments(dims, depth_name, depth, hidden_units, seed, dtype):
    """The arguments every constructor of a learned flow takes, checked once for all.

    Returns
    -------
    (tuple of int, tf.DType)
        ``hidden_units`` as a tuple and ``dtype`` as a ``tf.DType``.

    Raises
    ------
    ValueError
        When ``dims`` or ``depth`` (the number of stages, named ``depth_name``) is not a
        positive integer, ``hidden_units`` is not a non-empty sequence of positive
        integers, or ``seed`` is not an integer; the message names the argument.
    TypeError
        When ``dtype`` is not ``tf.float32`` or ``tf.float64``.
    """
    for name, value in (("dims", dims), (depth_name, depth)):
        if not _is_positive_int(value):
            raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    widths = checked_widths(hidden_units)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer; got {seed!r}.")
    try:
        float_type = tf.as_dtype(dtype)
    except TypeError:
        float_type = None
    if float_type not in (tf.float32, tf.float64):
        raise TypeError(f"dtype must be tf.float32 or tf.float64; got {dtype!r}.")
    return widths, float_type


def checked_widths(hidden_units):
    """``hidden_units`` as a tuple of ints, or a ValueError that names the argument.

    Any non-empty sequence of positive integers (not a string) is accepted: one width per
    hidden layer of a network.
    """
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
