r"""Numerical checks of a flow's math that a reader can run.

Each function measures one claim and returns a plain number (or a small named tuple);
deciding what is small enough is left to the caller. They act on 2-D points of shape
``[..., 2]`` and on TFP bijectors and distributions of any float dtype.

TFP caches bijector results keyed on the input tensor, and the cache is shared by equal
bijectors (two ``tfb.Sigmoid()`` hit the same entries): ``inverse(forward(x))`` on the
very tensor ``forward`` returned hands back ``x`` without computing anything. Every check
here therefore passes a fresh copy of an intermediate result on to the next call.

Examples
--------
>>> import tensorflow as tf
>>> import flowdocs
>>> from flowdocs import checks
>>> flow = flowdocs.five_stage_flow(seed=0, dtype=tf.float64)
>>> z = flow.base.sample(1000, seed=1)
>>> checks.log_det_error(flow.stages[2].bijector, z) < 1e-9
True
"""

from typing import NamedTuple

import numpy as np
import tensorflow as tf

from flowdocs import grids

__all__ = [
    "HistogramAgreement",
    "autodiff_log_det",
    "energy_distance",
    "histogram_agreement",
    "inverse_log_det_error",
    "log_det_error",
    "probability_mass",
    "round_trip_error",
]


def _as_points(points, bijector=None):
    """A tensor of ``points`` in their own dtype; Python numbers take the bijector's."""
    hint = None if bijector is None else bijector.dtype
    return tf.convert_to_tensor(points, dtype_hint=hint)


def _fresh_copy(tensor):
    """A new tensor with the same values, so no bijector cache entry can match it."""
    return tf.constant(np.array(tensor))


def _forward_log_det(bijector, x):
    """``forward_log_det_jacobian`` for 2-vector events, broadcast to the batch shape of ``x``."""
    log_det = bijector.forward_log_det_jacobian(x, event_ndims=1)
    return np.broadcast_to(np.asarray(log_det), tuple(x.shape[:-1]))


def autodiff_log_det(bijector, x):
    r"""The log-determinant of the forward map's Jacobian, computed by automatic differentiation.

    .. math:: \ell(x) = \log \left| \det \frac{\partial f(x)}{\partial x} \right|

    The Jacobian of every point comes from ``tf.GradientTape``, with no use of the
    bijector's own log-det: row :math:`i` is the gradient of output coordinate :math:`i`,
    summed over the points; since each point's image depends on that point alone, the
    sum's gradient at a point is that point's row. (One gradient per coordinate, rather
    than ``batch_jacobian``, which re-traces a ``tf.function`` on every call.)

    Parameters
    ----------
    bijector : tfp.bijectors.Bijector
        The map :math:`f`. Its parameters must be shared by all points (no batch of
        bijectors), since the points are flattened to ``[n, 2]``.
    x : array-like, shape ``[..., 2]``
        The points.

    Returns
    -------
    numpy.ndarray, shape ``x.shape[:-1]``
        :math:`\ell` at every point.
    """
    x = _as_points(x, bijector)
    flat = _fresh_copy(tf.reshape(x, [-1, x.shape[-1]]))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(flat)
        y = bijector.forward(flat)
        coordinates = tf.unstack(y, axis=-1)
    rows = [tape.gradient(coordinate, flat) for coordinate in coordinates]
    if any(row is None for row in rows):
        raise ValueError(f"{bijector.name}.forward does not depend on its input.")
    _, log_abs_det = tf.linalg.slogdet(tf.stack(rows, axis=-2))
    return np.reshape(log_abs_det.numpy(), x.shape[:-1])


def log_det_error(bijector, x):
    r"""Largest gap between the bijector's forward log-det and the autodiff one.

    .. math:: \max_i \left| \texttt{forward\_log\_det\_jacobian}(x_i)
              - \log|\det J_f(x_i)| \right|

    Parameters
    ----------
    bijector : tfp.bijectors.Bijector
        A map of 2-vectors.
    x : array-like, shape ``[..., 2]``
        The points.

    Returns
    -------
    float
        The largest absolute difference; 0 means the log-det is exact at every point.
    """
    x = _as_points(x, bijector)
    claimed = _forward_log_det(bijector, x)
    return float(np.max(np.abs(claimed - autodiff_log_det(bijector, x))))


def inverse_log_det_error(bijector, x):
    r"""Largest gap between the forward log-det at :math:`x` and minus the inverse one at :math:`y`.

    By the inverse function theorem, with :math:`y = f(x)`,

    .. math:: \log|\det J_{f^{-1}}(y)| = -\log|\det J_f(x)|.

    The inverse log-det is evaluated at a fresh copy of :math:`y`, so it is computed,
    not read back from TFP's cache.

    Parameters
    ----------
    bijector : tfp.bijectors.Bijector
        A map of 2-vectors.
    x : array-like, shape ``[..., 2]``
        The points :math:`x`.

    Returns
    -------
    float
        :math:`\max_i |\log|\det J_f(x_i)| + \log|\det J_{f^{-1}}(y_i)||`.
    """
    x = _as_points(x, bijector)
    y = _fresh_copy(bijector.forward(x))
    inverse = bijector.inverse_log_det_jacobian(y, event_ndims=1)
    inverse = np.broadcast_to(np.asarray(inverse), tuple(x.shape[:-1]))
    return float(np.max(np.abs(_forward_log_det(bijector, x) + inverse)))


def round_trip_error(bijector, points, start="x"):
    r"""Largest normwise relative error of a round trip through the bijector and back.

    .. math:: \max_i \frac{\| g(q_i) - p_i \|}{\max(\|p_i\|, \|q_i\|, \text{tiny})},
              \qquad q_i = h(p_i),

    with :math:`h = f, g = f^{-1}` when ``start="x"`` and :math:`h = f^{-1}, g = f` when
    ``start="y"``. The way back starts from a fresh copy of :math:`q`. The error is
    relative to the larger end because the way back can only be as accurate as
    :math:`q` is stored: shifting :math:`x \approx 0` by :math:`c` and back loses the
    digits of :math:`x` below the rounding of :math:`x + c`.

    Pick the well-conditioned direction: the float32 sigmoid saturates for large inputs,
    so for a flow ending in it start from points inside the open unit square.

    Parameters
    ----------
    bijector : tfp.bijectors.Bijector
        The map :math:`f`.
    points : array-like, shape ``[..., 2]``
        Points :math:`p` of the domain (``start="x"``) or codomain (``start="y"``).
    start : str
        Which side the points live on: ``"x"`` (the domain, the default) or ``"y"``.

    Returns
    -------
    float
        The largest relative error; 0 means every point came back exactly.
    """
    if start == "x":
        there, back = bijector.forward, bijector.inverse
    elif start == "y":
        there, back = bijector.inverse, bijector.forward
    else:
        raise ValueError(f'start must be "x" or "y"; got {start!r}.')
    points = _as_points(points, bijector)
    tiny = np.finfo(points.dtype.as_numpy_dtype).tiny
    image = _fresh_copy(there(points))
    returned, image, points = (
        np.asarray(t, dtype=np.float64) for t in (back(image), image, points)
    )
    scale = np.maximum(np.linalg.norm(points, axis=-1), np.linalg.norm(image, axis=-1))
    gap = np.linalg.norm(returned - points, axis=-1)
    return float(np.max(gap / np.maximum(scale, tiny)))


def _log_density_in(distribution, coordinates):
    """The log-density to integrate: ``distribution`` itself, or with a bijector
    ``coordinates`` = g that of u = g^{-1}(x), ``log p(g(u)) + log|det J_g(u)|``, as a
    function of NumPy points u."""
    if coordinates is None:
        return distribution

    def log_density(u):
        u = tf.constant(u, dtype=distribution.dtype)
        x = _fresh_copy(coordinates.forward(u))
        log_jacobian = coordinates.forward_log_det_jacobian(u, event_ndims=1)
        return (distribution.log_prob(x) + log_jacobian).numpy()

    log_density.__name__ = f"{distribution.name} in the coordinates of {coordinates.name}"
    return log_density


def probability_mass(
    distribution, bounds, resolution=400, coordinates=None, chunk_size=grids.CHUNK_SIZE
):
    r"""The probability of a box, by the midpoint rule on a regular grid.

    .. math:: P(B) = \int_B p(x)\, dx \approx \sum_{j} p(m_j)\, \Delta a\, \Delta b

    over the midpoints :math:`m_j` of the grid's cells. With ``coordinates=g`` the box is in
    the coordinates :math:`u` with :math:`x = g(u)`, and the change of variables gives

    .. math:: P(g(B)) = \int_B p(g(u))\, |\det J_g(u)|\, du.

    Mass that piles up near the edge of a support (the sigmoid's unit square) is best
    integrated in coordinates that spread it out, e.g. ``coordinates=tfb.Sigmoid()``.

    Parameters
    ----------
    distribution : tfp.distributions.Distribution
        A distribution of 2-vectors.
    bounds : ((float, float), (float, float))
        The box :math:`[a_0, a_1] \times [b_0, b_1]`.
    resolution : int or (int, int)
        Number of cells along each axis.
    coordinates : tfp.bijectors.Bijector, optional
        The map :math:`g` from integration coordinates to the distribution's space.
    chunk_size : int
        Points per ``log_prob`` call, to bound memory.

    Returns
    -------
    float
        The estimated probability, summed in float64.
    """
    density, cell_area = grids.density_on_grid(
        _log_density_in(distribution, coordinates), bounds, resolution, "ij", chunk_size
    )
    return float(np.sum(density) * cell_area)


class HistogramAgreement(NamedTuple):
    """Result of :func:`histogram_agreement`."""

    max_abs_z: float
    """Largest :math:`|O - E| / \\sqrt{E}` over the bins used."""
    bins_used: int
    """Number of bins whose expected count reached ``min_expected``."""


def histogram_agreement(
    distribution,
    samples,
    bounds,
    bins=40,
    subdivisions=5,
    coordinates=None,
    min_expected=10.0,
):
    r"""How far a 2-D histogram of samples is from the counts the density predicts.

    For :math:`n` samples and a bin :math:`B`, the expected count is
    :math:`E_B = n \int_B p(x)\, dx` (midpoint rule on ``subdivisions`` × ``subdivisions``
    points per bin) and the observed count :math:`O_B` is Poisson-like, so

    .. math:: z_B = \frac{O_B - E_B}{\sqrt{E_B}}

    is roughly standard normal when the samples follow :math:`p`. A density that is wrong
    by a constant factor, or samples drawn from another map, give large :math:`|z_B|`.
    Samples outside the box still count in :math:`n`.

    Parameters
    ----------
    distribution : tfp.distributions.Distribution
        The claimed density :math:`p` of 2-vectors.
    samples : array-like, shape ``[..., 2]``
        Draws that should follow it.
    bounds : ((float, float), (float, float))
        The box the bins cover.
    bins : int or (int, int)
        Number of bins along each axis.
    subdivisions : int
        Midpoint-rule points per bin along each axis.
    coordinates : tfp.bijectors.Bijector, optional
        Bin in coordinates :math:`u = g^{-1}(x)` instead (see :func:`probability_mass`);
        samples are mapped through the inverse of :math:`g`.
    min_expected : float
        Bins expecting fewer counts are ignored, where the normal approximation fails.

    Returns
    -------
    HistogramAgreement
        The largest :math:`|z_B|` and the number of bins it was taken over.
    """
    bins = tuple(np.broadcast_to(bins, 2))
    resolution = tuple(count * subdivisions for count in bins)
    # "ij": density[i, j] is the cell of the i-th first and the j-th second coordinate,
    # as histogram2d counts them.
    density, cell_area = grids.density_on_grid(
        _log_density_in(distribution, coordinates), bounds, resolution, "ij"
    )
    expected_share = density.reshape(bins[0], subdivisions, bins[1], subdivisions).sum(axis=(1, 3))
    samples = np.reshape(np.asarray(samples), [-1, 2])
    if coordinates is not None:
        samples = coordinates.inverse(_fresh_copy(samples)).numpy()
    expected = len(samples) * cell_area * expected_share
    edges = [
        np.linspace(low, high, count + 1) for (low, high), count in zip(bounds, bins, strict=True)
    ]
    observed, _, _ = np.histogram2d(samples[:, 0], samples[:, 1], bins=edges)
    used = expected >= min_expected
    if not np.any(used):
        raise ValueError(f"No bin expects {min_expected} samples or more; widen the bins.")
    z = (observed[used] - expected[used]) / np.sqrt(expected[used])
    return HistogramAgreement(float(np.max(np.abs(z))), int(np.sum(used)))


def energy_distance(x, y):
    r"""The energy distance between two samples of points, a number that is 0 when they agree.

    .. math:: \mathcal{E}(X, Y) = 2\,\mathrm{E}\lVert X - Y \rVert
              - \mathrm{E}\lVert X - X' \rVert - \mathrm{E}\lVert Y - Y' \rVert,

    each expectation the mean over all pairs of the two samples (the V-statistic, with
    the zero distances of a point to itself included). For distributions it is zero
    exactly when they are equal and positive otherwise (Székely and Rizzo); for two
    finite samples of one distribution it is small but positive, of the order of one
    over the sample size. It needs no density, so it compares any sampler with data.

    Parameters
    ----------
    x, y : array-like, shapes ``[n, d]`` and ``[m, d]``
        Two samples of the same dimension, finite, with at least one point each; the
        cost is :math:`O((n + m)^2 d)` in time and memory.

    Returns
    -------
    float
        :math:`\mathcal{E}` in the units of the points.
    """
    x, y = (np.asarray(sample, dtype=np.float64) for sample in (x, y))
    for name, sample in (("x", x), ("y", y)):
        if sample.ndim != 2 or len(sample) == 0:
            raise ValueError(
                f"{name} must be a non-empty sample of points, shape [n, d]; got shape "
                f"{list(sample.shape)}."
            )
        if not np.all(np.isfinite(sample)):
            raise ValueError(f"{name} must be finite: it holds NaN or infinite coordinates.")
    if x.shape[1] != y.shape[1]:
        raise ValueError(
            f"x and y must be points of the same dimension; got {x.shape[1]} and {y.shape[1]}."
        )

    def mean_distance(a, b):
        return float(np.linalg.norm(a[:, None, :] - b[None, :, :], axis=-1).mean())

    return 2 * mean_distance(x, y) - mean_distance(x, x) - mean_distance(y, y)
