r"""Regular grids of cell midpoints over a box, and densities evaluated on them.

A box :math:`[a_0, a_1] \times [b_0, b_1]` is cut into :math:`n_a \times n_b` equal
cells of width :math:`\Delta a = (a_1 - a_0) / n_a` and height
:math:`\Delta b = (b_1 - b_0) / n_b`; the midpoints of the cells are

.. math:: m_{ij} = \bigl(a_0 + (i + \tfrac12)\,\Delta a,\ b_0 + (j + \tfrac12)\,\Delta b\bigr),

and the midpoint rule integrates a density over the box as
:math:`\sum_{ij} p(m_{ij})\, \Delta a\, \Delta b`. The numerical checks integrate on these
grids, and the figures colour them.

Two layouts of the same points, chosen by ``indexing``:

- ``"ij"``: ``points[i, j] = m_ij``, shape ``[n_a, n_b, 2]``: the first axis runs along
  the first coordinate, as in sums over cells and ``numpy.histogram2d``;
- ``"xy"``: ``points[j, i] = m_ij``, shape ``[n_b, n_a, 2]``: rows run along the second
  coordinate, as an image is laid out (``imshow(..., origin="lower")``, ``contour``).
"""

import numpy as np
import tensorflow as tf

__all__ = ["CHUNK_SIZE", "density_on_grid", "log_density_on_grid", "midpoint_grid", "midpoints"]

CHUNK_SIZE = 40_000
"""Points per ``log_prob`` call on a grid, to bound memory."""

_INDEXINGS = ("ij", "xy")


def midpoints(low, high, count):
    r"""Midpoints of ``count`` equal cells of the interval ``[low, high]``, and their width.

    .. math:: m_i = \text{low} + (i + \tfrac12)\,\Delta, \qquad
              \Delta = (\text{high} - \text{low}) / \text{count}

    Parameters
    ----------
    low, high : float
        The ends of the interval, ``low < high``.
    count : int
        Number of cells, at least 1.

    Returns
    -------
    centres : numpy.ndarray, shape ``[count]``, float64
        :math:`m_0, \dots, m_{\text{count} - 1}`, increasing.
    width : float
        :math:`\Delta`.
    """
    low, high = float(low), float(high)
    if not low < high:
        raise ValueError(f"An interval needs low < high; got low={low}, high={high}.")
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"count must be a positive integer number of cells; got {count!r}.")
    return low + (high - low) * (np.arange(count) + 0.5) / count, (high - low) / count


def midpoint_grid(bounds, resolution, indexing="ij"):
    r"""The cell midpoints :math:`m_{ij}` of a regular grid over a box, and the cell area.

    Parameters
    ----------
    bounds : ((float, float), (float, float))
        The box :math:`[a_0, a_1] \times [b_0, b_1]`.
    resolution : int or (int, int)
        Cells along each axis, :math:`n_a` and :math:`n_b` (one int: both).
    indexing : ``"ij"`` or ``"xy"``
        Layout of the result: ``"ij"`` puts the first coordinate on the first axis,
        ``"xy"`` puts the second coordinate on the rows, as an image.

    Returns
    -------
    points : numpy.ndarray, float64
        Shape ``[n_a, n_b, 2]`` for ``"ij"``, ``[n_b, n_a, 2]`` for ``"xy"``; the last axis
        holds the two coordinates of a midpoint.
    cell_area : float
        :math:`\Delta a\, \Delta b`.
    """
    if indexing not in _INDEXINGS:
        raise ValueError(f'indexing must be "ij" or "xy"; got {indexing!r}.')
    bounds = np.asarray(bounds, dtype=np.float64)
    if bounds.shape != (2, 2):
        raise ValueError(
            f"bounds must be ((a0, a1), (b0, b1)), shape (2, 2); got shape {bounds.shape}."
        )
    counts = np.ravel(resolution)
    if counts.size not in (1, 2):
        raise ValueError(f"resolution must be an int or a pair of ints; got {resolution!r}.")
    (a, width_a), (b, width_b) = (
        midpoints(low, high, count)
        for (low, high), count in zip(bounds, np.broadcast_to(counts, 2), strict=True)
    )
    points = np.stack(np.meshgrid(a, b, indexing=indexing), axis=-1)
    return points, width_a * width_b


def log_density_on_grid(log_density, bounds, resolution, indexing="ij", chunk_size=CHUNK_SIZE):
    """A log-density at the midpoints of a regular grid over a box (see :func:`midpoint_grid`).

    Parameters
    ----------
    log_density : tfp.distributions.Distribution, or a function of points ``[m, 2]``
        A distribution of 2-vectors, whose ``log_prob`` is called on the points in its own
        dtype; or a function from NumPy points ``[m, 2]`` (float64) to their
        log-densities ``[m]``.
    bounds : ((float, float), (float, float))
        The box.
    resolution : int or (int, int)
        Cells along each axis.
    indexing : ``"ij"`` or ``"xy"``
        Layout of the result, as in :func:`midpoint_grid`.
    chunk_size : int
        Points per call of ``log_density``, to bound memory.

    Returns
    -------
    log_p : numpy.ndarray, float64
        Shape ``[n_a, n_b]`` for ``"ij"``, ``[n_b, n_a]`` for ``"xy"``; values as
        returned, NaN and infinities included.
    cell_area : float
        The area of one cell.
    """
    points, cell_area = midpoint_grid(bounds, resolution, indexing)
    flat = points.reshape(-1, 2)
    if hasattr(log_density, "log_prob"):
        event_shape = list(log_density.event_shape)
        if event_shape != [2]:
            raise ValueError(
                f"{log_density.name} must be a distribution of 2-vectors (event shape [2]); "
                f"got event shape {event_shape}."
            )
        dtype = log_density.dtype

        def evaluate(chunk):
            return log_density.log_prob(tf.constant(chunk, dtype=dtype)).numpy()

    elif callable(log_density):
        evaluate = log_density
    else:
        raise ValueError(
            "log_density must be a distribution (with log_prob) or a function of points "
            f"[m, 2]; got {type(log_density).__name__}."
        )
    values = [
        np.asarray(evaluate(flat[start : start + chunk_size]))
        for start in range(0, len(flat), chunk_size)
    ]
    log_p = np.concatenate(values).astype(np.float64)
    if log_p.shape != (len(flat),):
        raise ValueError(
            f"log_density must return one value per point, shape ({len(flat)},); "
            f"got shape {log_p.shape}."
        )
    return log_p.reshape(points.shape[:-1]), cell_area


def density_on_grid(log_density, bounds, resolution, indexing="ij", chunk_size=CHUNK_SIZE):
    """The density :math:`\\exp(\\log p)` at the midpoints of a regular grid over a box.

    As :func:`log_density_on_grid`, exponentiated in float64; a NaN raises, so that it
    cannot vanish from a sum.

    Parameters
    ----------
    log_density, bounds, resolution, indexing, chunk_size
        The density and the grid, as for :func:`log_density_on_grid`.

    Returns
    -------
    density : numpy.ndarray, float64
        Shape ``[n_a, n_b]`` for ``"ij"``, ``[n_b, n_a]`` for ``"xy"``.
    cell_area : float
        The area of one cell.
    """
    log_p, cell_area = log_density_on_grid(log_density, bounds, resolution, indexing, chunk_size)
    density = np.exp(log_p)
    nan = np.isnan(density)
    if np.any(nan):
        name = getattr(log_density, "name", None) or getattr(log_density, "__name__", "")
        raise ValueError(
            f"{name or 'log_density'}: log_prob is NaN at {np.sum(nan)} of {nan.size} grid points."
        )
    return density, cell_area
