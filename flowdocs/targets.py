r"""The four 2-D energies of Rezende and Mohamed (2015, Table 1), as unnormalized targets.

Variational inference fits a distribution :math:`q` to a density known only up to its
normalizing constant, :math:`p(z) = \tilde p(z) / Z`. The test problems of Rezende and
Mohamed's Figure 3 are four energies :math:`U` with :math:`\tilde p(z) = e^{-U(z)}`, built
from

.. math:: w_1(z) = \sin\frac{2\pi z_1}{4}, \quad
          w_2(z) = 3 e^{-\frac12 \left(\frac{z_1 - 1}{0.6}\right)^2}, \quad
          w_3(z) = 3\,\sigma\!\left(\frac{z_1 - 1}{0.3}\right).

Three of them (:math:`U_2, U_3, U_4`) do not grow along :math:`z_1`, so
:math:`e^{-U}` has no finite integral over the plane; the paper draws them on the box
:math:`(-4, 4)^2`. Here the box is part of every target: :math:`\tilde p` is
:math:`e^{-U}` inside it and falls off outside it like the tail of a Gaussian of standard
deviation :data:`WALL_WIDTH`, through a soft wall

.. math:: \log \tilde p(z) = -U(z) - \sum_{i=1}^{2}
          \frac{\max(0, |z_i| - L)^2}{2 s^2}, \qquad L = 4,\ s = 0.1,

which is exactly 0 inside the box, so that :math:`\log\tilde p = -U` there. A hard box
(:math:`\tilde p = 0` outside) would make :math:`\mathrm{KL}(q \Vert p)` infinite for every
flow, since a flow's density is positive on the whole plane; the soft wall keeps it finite
and its gradient pushes samples back inside. :math:`U_1`, a ring, decays by itself; it gets
the same wall, which changes its :math:`\log Z` by less than :math:`10^{-9}`.
"""

import functools
import math

import numpy as np
import tensorflow as tf

__all__ = ["BOX_HALF_WIDTH", "ENERGY_NAMES", "WALL_WIDTH", "EnergyTarget", "energy_target"]

ENERGY_NAMES = ("U1", "U2", "U3", "U4")
"""The names :func:`energy_target` accepts, in the order of the paper's Table 1."""

BOX_HALF_WIDTH = 4.0
r"""Half the side :math:`L` of the box :math:`(-L, L)^2` inside which :math:`\tilde p = e^{-U}`."""

WALL_WIDTH = 0.1
r"""The width :math:`s` of the soft wall: outside the box :math:`\tilde p` falls like a
Gaussian of this standard deviation."""

_WALL_REACH = 12.0
"""Beyond this many wall widths outside the box the wall factor is below e^-72: no mass."""

_FORMULAS = {
    "U1": r"\frac12\left(\frac{\lVert z\rVert - 2}{0.4}\right)^2 - \log\left("
    r"e^{-\frac12\left(\frac{z_1 - 2}{0.6}\right)^2}"
    r" + e^{-\frac12\left(\frac{z_1 + 2}{0.6}\right)^2}\right)",
    "U2": r"\frac12\left(\frac{z_2 - w_1(z)}{0.4}\right)^2",
    "U3": r"-\log\left(e^{-\frac12\left(\frac{z_2 - w_1(z)}{0.35}\right)^2}"
    r" + e^{-\frac12\left(\frac{z_2 - w_1(z) + w_2(z)}{0.35}\right)^2}\right)",
    "U4": r"-\log\left(e^{-\frac12\left(\frac{z_2 - w_1(z)}{0.4}\right)^2}"
    r" + e^{-\frac12\left(\frac{z_2 - w_1(z) + w_3(z)}{0.35}\right)^2}\right)",
}


def _half_square(x, width):
    """:math:`\\frac12 (x / \\text{width})^2`, the exponent of a Gaussian bump."""
    return 0.5 * tf.square(x / width)


def _log_two_bumps(first, second):
    """log(exp(first) + exp(second)), without overflow or underflow."""
    return tf.reduce_logsumexp(tf.stack([first, second], axis=-1), axis=-1)


def _w1(z1):
    return tf.sin(0.5 * math.pi * z1)


def _w2(z1):
    return 3.0 * tf.exp(-_half_square(z1 - 1.0, 0.6))


def _w3(z1):
    return 3.0 * tf.math.sigmoid((z1 - 1.0) / 0.3)


def _ring_radius(z1, z2):
    """The norm of z, with a finite gradient at the origin (where sqrt has none)."""
    squared = z1**2 + z2**2
    positive = squared > 0
    return tf.where(positive, tf.sqrt(tf.where(positive, squared, 1.0)), 0.0)


def _u1(z1, z2):
    bumps = _log_two_bumps(-_half_square(z1 - 2.0, 0.6), -_half_square(z1 + 2.0, 0.6))
    return _half_square(_ring_radius(z1, z2) - 2.0, 0.4) - bumps


def _u2(z1, z2):
    return _half_square(z2 - _w1(z1), 0.4)


def _u3(z1, z2):
    gap = z2 - _w1(z1)
    return -_log_two_bumps(-_half_square(gap, 0.35), -_half_square(gap + _w2(z1), 0.35))


def _u4(z1, z2):
    gap = z2 - _w1(z1)
    return -_log_two_bumps(-_half_square(gap, 0.4), -_half_square(gap + _w3(z1), 0.35))


_ENERGIES = {"U1": _u1, "U2": _u2, "U3": _u3, "U4": _u4}


def _gauss_legendre_axis(nodes_per_panel):
    """Nodes and weights of a composite Gauss-Legendre rule for one axis of the target.

    Panels of width 0.25 tile the box, and three panels cover each wall out to
    ``_WALL_REACH`` widths; their ends fall on ±L, where the wall's second derivative
    jumps, so the integrand is smooth on every panel.
    """
    edge = BOX_HALF_WIDTH + _WALL_REACH * WALL_WIDTH
    inner = np.linspace(-BOX_HALF_WIDTH, BOX_HALF_WIDTH, int(8 * BOX_HALF_WIDTH) + 1)
    ends = np.concatenate(
        [
            np.linspace(-edge, -BOX_HALF_WIDTH, 4)[:-1],
            inner,
            np.linspace(BOX_HALF_WIDTH, edge, 4)[1:],
        ]
    )
    unit_nodes, unit_weights = np.polynomial.legendre.leggauss(nodes_per_panel)
    half = np.diff(ends)[:, None] / 2
    middle = (ends[:-1] + ends[1:])[:, None] / 2
    return (middle + half * unit_nodes).ravel(), (half * unit_weights).ravel()


class EnergyTarget:
    r"""An unnormalized density :math:`\tilde p(z) = e^{-U(z)}` on the box, and its :math:`\log Z`.

    Build one with :func:`energy_target`. Every method takes points of shape ``[..., 2]``,
    :math:`z = (z_1, z_2)`, in float32 or float64 (other numbers become float32), and
    computes in their dtype.

    Attributes
    ----------
    name : str
        ``"U1"``, ..., ``"U4"``.
    formula : str
        LaTeX for :math:`U(z)`, with :math:`w_1, w_2, w_3` as in the module docstring.
    bounds : ((float, float), (float, float))
        The box :math:`(-L, L)^2` inside which :math:`\tilde p = e^{-U}`.
    """

    def __init__(self, name):
        self.name = name
        self.formula = _FORMULAS[name]
        self.bounds = ((-BOX_HALF_WIDTH, BOX_HALF_WIDTH),) * 2
        self._energy = _ENERGIES[name]

    def __repr__(self):
        return f"EnergyTarget({self.name!r})"

    def energy(self, z):
        r"""The paper's energy :math:`U(z)` alone, without the box: shape ``z.shape[:-1]``."""
        z1, z2 = _coordinates(z, self.name)
        return self._energy(z1, z2)

    def log_unnormalized_prob(self, z):
        r"""The target the flows are trained on: :math:`\log\tilde p(z) = -U(z) - \text{wall}(z)`.

        Equal to :math:`-U(z)` inside the box; outside it, lower by
        :math:`\sum_i \max(0, |z_i| - L)^2 / (2 s^2)`. Shape ``z.shape[:-1]``.
        """
        z1, z2 = _coordinates(z, self.name)
        wall = sum(
            _half_square(tf.nn.relu(tf.abs(zi) - BOX_HALF_WIDTH), WALL_WIDTH) for zi in (z1, z2)
        )
        return -self._energy(z1, z2) - wall

    def log_prob(self, z):
        r"""The normalized log-density :math:`\log p(z) = \log\tilde p(z) - \log Z`."""
        log_p = self.log_unnormalized_prob(z)
        return log_p - tf.constant(self.log_normalizer, log_p.dtype)

    @functools.cached_property
    def log_normalizer(self):
        r"""The log of :math:`Z = \int \tilde p(z)\, dz`, a float computed once per target.

        By a composite Gauss-Legendre rule in float64: 16 nodes on each of 38 panels per
        axis (:math:`608^2` points) over the box and its walls. Doubling the nodes per
        panel changes :math:`\log Z` by less than :math:`10^{-13}`, and an independent
        midpoint rule with Richardson extrapolation agrees to better than
        :math:`10^{-9}` (``tests/library/test_targets.py``): the value is right to about
        nine decimal places.
        """
        return self._log_normalizer(nodes_per_panel=16)

    def _log_normalizer(self, nodes_per_panel):
        nodes, weights = _gauss_legendre_axis(nodes_per_panel)
        z = tf.constant(np.stack(np.meshgrid(nodes, nodes, indexing="ij"), axis=-1))
        log_p = self.log_unnormalized_prob(z).numpy()
        log_cell = np.log(weights)[:, None] + np.log(weights)[None, :]
        terms = (log_p + log_cell).ravel()
        peak = terms.max()
        return float(peak + np.log(np.sum(np.exp(terms - peak))))


def _coordinates(z, owner):
    """The two coordinates of points ``z`` of shape ``[..., 2]``, refusing other shapes."""
    if not tf.is_tensor(z):
        array = np.asarray(z)
        if array.dtype.kind not in "iuf":
            raise ValueError(f"{owner}: z must be real numbers; got dtype {array.dtype}.")
        keeps_dtype = isinstance(z, np.ndarray) and array.dtype.kind == "f"
        z = tf.constant(array, None if keeps_dtype else tf.float32)
    if z.dtype not in (tf.float32, tf.float64):
        raise ValueError(f"{owner}: z must be float32 or float64; got {z.dtype.name}.")
    size = tf.compat.dimension_value(z.shape[-1]) if z.shape.rank else None
    if z.shape.rank == 0 or (size is not None and size != 2):
        raise ValueError(
            f"{owner}: z must have a last dimension of size 2 (points (z_1, z_2)); got shape "
            f"{z.shape}."
        )
    return z[..., 0], z[..., 1]


def energy_target(name):
    r"""One of the four test energies of Rezende and Mohamed (2015), boxed.

    Parameters
    ----------
    name : str
        ``"U1"`` (a ring with two lobes), ``"U2"`` (a sine wave), ``"U3"`` (a sine wave
        that splits into two) or ``"U4"`` (a sine wave and a shifted copy, joined by a
        step).

    Returns
    -------
    EnergyTarget
        With ``log_unnormalized_prob(z)`` (the target of
        :func:`~flowdocs.fit_reverse_kl`), ``log_normalizer`` (:math:`\log Z`),
        ``log_prob(z)`` and ``energy(z)`` (:math:`U` without the box).

    Raises
    ------
    ValueError
        For any other name.
    """
    if not isinstance(name, str) or name not in ENERGY_NAMES:
        raise ValueError(f"name must be one of {list(ENERGY_NAMES)}; got {name!r}.")
    return EnergyTarget(name)
