"""Toy data with a known density, made on the spot: nothing is downloaded."""

import math

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

tfd = tfp.distributions

__all__ = ["checkerboard", "two_moons"]


def _checked_dtype(dtype):
    """Refuse, by name, a dtype other than float32 or float64."""
    if tf.as_dtype(dtype) not in (tf.float32, tf.float64):
        raise ValueError(f"dtype must be tf.float32 or tf.float64; got {tf.as_dtype(dtype).name}.")


def two_moons(noise=0.1, centres_per_arc=300, dtype=tf.float32):
    r"""Two interleaved half circles blurred by Gaussian noise, as a TFP distribution.

    An equal mixture of isotropic Gaussians of standard deviation ``noise``, centred at
    ``centres_per_arc`` evenly spaced points on the upper arc
    :math:`(\cos t - \tfrac12,\ \sin t - \tfrac14)`, :math:`t \in (0, \pi)`, and as many
    on its reflection through the origin. Samples and ``log_prob`` come from the same
    mixture, so the density of the data is known exactly: its mean negative
    log-likelihood on held-out samples is the best any model can reach on average.

    Parameters
    ----------
    noise : float
        The standard deviation of every Gaussian; positive and finite.
    centres_per_arc : int
        Gaussians on each arc; at least 1.
    dtype : tf.DType
        ``tf.float32`` or ``tf.float64``.

    Returns
    -------
    tfp.distributions.MixtureSameFamily
        Event shape ``[2]``: ``sample(n)`` has shape ``[n, 2]``, ``log_prob`` is exact.

    Raises
    ------
    ValueError
        For a noise that is not a positive finite number (0 would make the density a
        sum of point masses), a count that is not a positive integer, or another dtype.
    """
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)):
        raise ValueError(f"noise must be a positive number; got {noise!r}.")
    if not (math.isfinite(noise) and noise > 0):
        raise ValueError(f"noise must be a positive finite number; got {noise!r}.")
    if isinstance(centres_per_arc, bool) or not isinstance(centres_per_arc, (int, np.integer)):
        raise ValueError(f"centres_per_arc must be a positive integer; got {centres_per_arc!r}.")
    if centres_per_arc < 1:
        raise ValueError(f"centres_per_arc must be a positive integer; got {centres_per_arc!r}.")
    _checked_dtype(dtype)
    t = (np.arange(centres_per_arc) + 0.5) / centres_per_arc * math.pi
    upper = np.stack([np.cos(t) - 0.5, np.sin(t) - 0.25], axis=-1)
    centres = tf.constant(np.concatenate([upper, -upper]), dtype=dtype)
    return tfd.MixtureSameFamily(
        mixture_distribution=tfd.Categorical(logits=tf.zeros(len(centres), dtype=dtype)),
        components_distribution=tfd.MultivariateNormalDiag(
            loc=centres, scale_diag=tf.fill(centres.shape, tf.constant(noise, dtype))
        ),
        name="two_moons",
    )


def checkerboard(cells=4, dtype=tf.float32):
    r"""The black squares of a checkerboard, uniformly: a density with corners and gaps.

    The board is the square :math:`[-c/2, c/2]^2`, :math:`c =` ``cells``, cut into
    :math:`c \times c` unit squares; the square whose lower-left corner is
    :math:`(i - c/2,\ j - c/2)` is black when :math:`i + j` is even. The density is
    uniform on the black squares and zero elsewhere: :math:`1 / m` on each of the
    :math:`m = \lceil c^2 / 2 \rceil` black squares, so the mean negative
    log-likelihood of any sample is exactly :math:`\log m` (:math:`\log 8` for the
    default board). A harder target than :func:`two_moons`: its pieces touch only at
    corners, and its edges are sharp, which no smooth flow of a Gaussian draws exactly.

    Parameters
    ----------
    cells : int
        Squares along each side, at least 2.
    dtype : tf.DType
        ``tf.float32`` or ``tf.float64``.

    Returns
    -------
    tfp.distributions.MixtureSameFamily
        An equal mixture of uniform distributions on the black squares, event shape
        ``[2]``; ``log_prob`` is :math:`-\log m` on them and :math:`-\infty` off them.

    Raises
    ------
    ValueError
        For ``cells`` not an integer of at least 2, or another dtype.
    """
    if isinstance(cells, bool) or not isinstance(cells, (int, np.integer)) or cells < 2:
        raise ValueError(f"cells must be an integer of at least 2; got {cells!r}.")
    _checked_dtype(dtype)
    corners = [(i, j) for i in range(cells) for j in range(cells) if (i + j) % 2 == 0]
    low = tf.constant(np.array(corners) - cells / 2, dtype=dtype)
    return tfd.MixtureSameFamily(
        mixture_distribution=tfd.Categorical(logits=tf.zeros(len(corners), dtype=dtype)),
        components_distribution=tfd.Independent(
            tfd.Uniform(low=low, high=low + 1), reinterpreted_batch_ndims=1
        ),
        name="checkerboard",
    )
