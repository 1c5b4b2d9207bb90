"""The colours and constants every figure of the site shares.

Points keep the colour of the quadrant of their base point (:data:`QUADRANT_COLORS`,
Okabe–Ito, safe for colour-blind readers), so that a reader can follow them from figure
to figure; densities use one sequential colour map, :data:`DENSITY_CMAP`.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors

__all__ = [
    "DENSITY_CMAP",
    "DENSITY_DECADES",
    "GRID_LINE_COLOR",
    "LOG_DET_CMAP",
    "MAX_ASPECT_RATIO",
    "QUADRANT_COLORS",
    "QUADRANT_NAMES",
    "REFERENCE_STYLES",
    "SAMPLE_COLOR",
    "point_colors",
    "quadrant_of",
]

QUADRANT_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7")
"""Okabe–Ito colours (safe for colour-blind readers) for base-point quadrants I–IV."""

QUADRANT_NAMES = ("I", "II", "III", "IV")
"""Names of the quadrants, in the order of :data:`QUADRANT_COLORS`."""

SAMPLE_COLOR = "#D55E00"
"""Okabe–Ito vermillion, for samples drawn over a density map."""

DENSITY_CMAP = colors.ListedColormap(plt.get_cmap("YlGnBu")(np.linspace(0.08, 1.0, 256)))
"""Sequential ColorBrewer map, light (low density) to dark blue (high density)."""

LOG_DET_CMAP = "PuOr_r"
"""Diverging ColorBrewer map, purple where a map shrinks area and orange where it grows it."""

DENSITY_DECADES = 3
"""Decades of density shown below the top of each density map."""

MAX_ASPECT_RATIO = 4.0
"""Longest ratio of a panel's content still drawn to scale."""

GRID_LINE_COLOR = "0.25"
"""Grey of the grid lines a map carries along."""

REFERENCE_STYLES = ("--", ":", "-.")
"""Line styles of the reference levels in :func:`~flowdocs.plotting.training_curves`."""


def quadrant_of(points, center=(0.0, 0.0)):
    """The quadrant (I, II, III, IV as 0, 1, 2, 3) of each 2-D point around ``center``.

    Parameters
    ----------
    points : array-like, shape ``[..., 2]``
        The points.
    center : (float, float)
        The origin of the quadrants; points on an axis count as on its positive side.

    Returns
    -------
    numpy.ndarray of int, shape ``points.shape[:-1]``
        The index of each point's quadrant, counter-clockwise from the upper right.
    """
    points = np.asarray(points)
    if points.ndim == 0 or points.shape[-1] != 2:
        raise ValueError(f"points must have shape [..., 2]; got shape {points.shape}.")
    right = points[..., 0] >= center[0]
    upper = points[..., 1] >= center[1]
    return np.select([right & upper, ~right & upper, ~right & ~upper], [0, 1, 2], default=3)


def point_colors(groups, n):
    """The colour of each of ``n`` points: that of its quadrant, or one colour for all.

    Parameters
    ----------
    groups : array-like of int, shape ``[n]``, or None
        Quadrant index (0–3) of each point, as :func:`quadrant_of` gives it; None colours
        every point with the first quadrant's colour.
    n : int
        Number of points.

    Returns
    -------
    numpy.ndarray of str, shape ``[n]``
        A hex colour per point.
    """
    if groups is None:
        return np.full(n, QUADRANT_COLORS[0])
    groups = np.asarray(groups)
    if groups.shape != (n,):
        raise ValueError(
            f"groups must hold one quadrant index per point, shape ({n},); "
            f"got shape {groups.shape}."
        )
    if not np.isin(groups, range(4)).all():
        raise ValueError(
            f"groups must be quadrant indices 0 to 3 (see quadrant_of); "
            f"got values from {groups.min()} to {groups.max()}."
        )
    return np.asarray(QUADRANT_COLORS)[groups]
