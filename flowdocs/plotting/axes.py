"""Helpers the figures share: input checks, views and frames, labels, points through a map.

A panel is drawn to scale (equal aspect, square view) when its content is no more than
:data:`~flowdocs.plotting.style.MAX_ASPECT_RATIO` times longer than it is wide; a longer
shape (the cubic shear stretches one axis a hundredfold) gets a tight view marked "axes
not to scale". A view is a box ``((x0, x1), (y0, y1))``, as
:func:`flowdocs.grids.midpoint_grid` takes it.
"""

import numpy as np
import tensorflow as tf
from matplotlib.lines import Line2D

from flowdocs.plotting.style import MAX_ASPECT_RATIO, QUADRANT_COLORS, QUADRANT_NAMES

__all__ = [
    "as_points",
    "check_count",
    "check_event_size",
    "coordinate_labels",
    "forward_points",
    "frame",
    "quadrant_legend",
    "scatter",
    "view",
]


def as_points(points, name="points"):
    """``points`` as a NumPy array, refused unless it holds at least one 2-D point.

    Parameters
    ----------
    points : array-like, shape ``[n, 2]``
        The points, ``n >= 1``.
    name : str
        What the points are, for the error message.

    Returns
    -------
    numpy.ndarray, shape ``[n, 2]``
        The points, in their own dtype.
    """
    array = np.asarray(points)
    if array.ndim != 2 or array.shape[1] != 2 or len(array) == 0:
        raise ValueError(
            f"{name} must be an array of 2-D points, shape [n, 2] with n >= 1; "
            f"got shape {array.shape}."
        )
    return array


def check_count(value, name, least=1):
    """Refuse anything but an integer of at least ``least`` (a number of points, of cells).

    Parameters
    ----------
    value : int
        The number to check; a bool is refused.
    name : str
        What it counts, for the error message.
    least : int
        The smallest acceptable value.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ValueError(f"{name} must be an integer of at least {least}; got {value!r}.")


def check_event_size(distribution, name="distribution"):
    """Refuse a distribution that is not of 2-vectors (event shape ``[2]``).

    Parameters
    ----------
    distribution : tfp.distributions.Distribution
        The distribution to check.
    name : str
        What it is, for the error message.
    """
    shape = getattr(distribution, "event_shape", None)
    if shape is None or tuple(shape) != (2,):
        raise ValueError(
            f"{name} must be a distribution of 2-vectors (event shape [2]); "
            f"got {'no distribution' if shape is None else f'event shape {list(shape)}'}."
        )


def view(points, quantile=0.005, pad=0.08, square_pad=0.02):
    """A view of the bulk of ``points``, and whether it is drawn to scale.

    The unit square (padded by ``square_pad``) when every point lies in it. Otherwise
    the box between the ``quantile`` and ``1 - quantile`` quantiles of each coordinate,
    padded by ``pad`` of its half-widths; made square (to scale) unless one side is more
    than :data:`~flowdocs.plotting.style.MAX_ASPECT_RATIO` times the other. Points with
    a non-finite coordinate are left out.

    Parameters
    ----------
    points : array-like, shape ``[..., 2]``
        The points to frame.
    quantile : float
        Share of the points left out on each side of each coordinate.
    pad : float
        Margin around the quantile box, as a share of its half-widths.
    square_pad : float
        Margin around the unit square.

    Returns
    -------
    box : ((float, float), (float, float))
        The view ``((x0, x1), (y0, y1))``.
    to_scale : bool
        Whether the box is square, to be drawn with equal aspect.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    points = points[np.all(np.isfinite(points), axis=-1)]
    if len(points) == 0:
        raise ValueError("view needs at least one point with finite coordinates; got none.")
    if np.all((points >= 0.0) & (points <= 1.0)):
        return ((-square_pad, 1 + square_pad),) * 2, True
    low, high = np.quantile(points, [quantile, 1.0 - quantile], axis=0)
    center = (low + high) / 2.0
    half = np.maximum((high - low) / 2.0, 1e-6) * (1.0 + pad)
    to_scale = bool(half.max() <= MAX_ASPECT_RATIO * half.min())
    if to_scale:
        half = np.full(2, half.max())
    return tuple((c - h, c + h) for c, h in zip(center, half, strict=True)), to_scale


def frame(ax, box, to_scale):
    """Set the limits of ``ax`` to ``box``: equal aspect if ``to_scale``, else a note.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The panel.
    box : ((float, float), (float, float))
        The view, as :func:`view` returns it.
    to_scale : bool
        Draw with equal aspect; otherwise the panel says "axes not to scale".
    """
    (x0, x1), (y0, y1) = box
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if to_scale:
        ax.set_aspect("equal", adjustable="box")
    else:
        ax.set_aspect("auto")
        ax.text(
            0.98,
            0.02,
            "axes not to scale",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize="x-small",
            color="0.3",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.5},
        )


def scatter(ax, points, colors, size=4.0, alpha=0.8):
    """Draw points as small dots without edges.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The panel.
    points : array-like, shape ``[n, 2]``
        The points.
    colors : color or sequence of colors, shape ``[n]``
        One colour, or one per point (e.g. from
        :func:`~flowdocs.plotting.point_colors`).
    size, alpha : float
        Marker area (points squared) and opacity.

    Returns
    -------
    matplotlib.collections.PathCollection
        The dots.
    """
    points = np.asarray(points)
    return ax.scatter(points[:, 0], points[:, 1], s=size, c=colors, linewidths=0, alpha=alpha)


def coordinate_labels(ax, name):
    """Label the axes with the coordinates of ``name``: ``"z_3"`` gives :math:`z_{3,a}`, ...

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The panel.
    name : str
        LaTeX name of the point, e.g. ``"z"``, ``"x"`` or ``"z_3"``.
    """
    stem, _, index = name.partition("_")
    index = index.strip("{}")
    for axis, part in ((ax.xaxis, "a"), (ax.yaxis, "b")):
        axis.set_label_text(f"${stem}_{{{index + ',' if index else ''}{part}}}$")


def quadrant_legend(fig, title="quadrant of the base point"):
    """A legend of the quadrant colours below the panels of ``fig``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure with a constrained layout (the legend goes "outside lower center").
    title : str
        The legend's title.

    Returns
    -------
    matplotlib.legend.Legend
        The legend.
    """
    handles = [
        Line2D([], [], ls="", marker="o", markersize=5, color=color, label=name)
        for color, name in zip(QUADRANT_COLORS, QUADRANT_NAMES, strict=True)
    ]
    return fig.legend(
        handles=handles,
        title=title,
        loc="outside lower center",
        ncols=4,
        fontsize="small",
        title_fontsize="small",
        frameon=False,
    )


def forward_points(bijector, points):
    """NumPy points through a bijector, in the bijector's dtype.

    Parameters
    ----------
    bijector : tfp.bijectors.Bijector
        The map; its dtype (float32 when it has none) is the points' on the way.
    points : array-like, shape ``[..., 2]``
        The points.

    Returns
    -------
    numpy.ndarray, shape ``points.shape``
        Their images.
    """
    x = tf.constant(np.asarray(points).reshape(-1, 2), dtype=bijector.dtype or tf.float32)
    return bijector.forward(x).numpy().reshape(np.shape(points))
