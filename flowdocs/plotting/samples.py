"""Figures of samples: the same points after every stage, or at a few moments side by side."""

import math

import matplotlib.pyplot as plt
import numpy as np

from flowdocs.plotting.axes import (
    as_points,
    check_count,
    coordinate_labels,
    frame,
    quadrant_legend,
    scatter,
)
from flowdocs.plotting.axes import view as view_of
from flowdocs.plotting.style import QUADRANT_COLORS, point_colors, quadrant_of

__all__ = ["scatter_panels", "staged_scatter"]


def staged_scatter(flow, n=1000, seed=0, ncols=2, panel_size=3.2, marker_size=4):
    r"""Scatter the same ``n`` base points after 0, 1, ..., k stages of ``flow``.

    Panel ``k`` shows :math:`z_k = f_k \circ \dots \circ f_1(z_0)`, titled with the
    composed function; each point keeps the colour of its base point's quadrant (around
    the base's mean), so that a reader can follow it through the flow.

    Parameters
    ----------
    flow : flowdocs.Flow
        A flow of 2-vectors with ``k`` stages.
    n : int
        Number of base points.
    seed : int
        Seed of the base points (:meth:`flowdocs.Flow.staged_samples`).
    ncols : int
        Panels per row; the ``k + 1`` panels fill ``ceil((k + 1) / ncols)`` rows.
    panel_size : float
        Width and height of a panel, in inches.
    marker_size : float
        Marker area of a point, in points squared.

    Returns
    -------
    matplotlib.figure.Figure
        ``k + 1`` visible panels, titled :math:`z_0 \sim p_0`, :math:`f_1(z)`, ...
    """
    check_count(n, "n")
    check_count(ncols, "ncols")
    points = flow.staged_samples(n, seed=seed)
    colors = np.asarray(QUADRANT_COLORS)[quadrant_of(points[0], flow.base.mean().numpy())]
    nrows = math.ceil(len(points) / ncols)
    fig = plt.figure(figsize=(ncols * panel_size, nrows * panel_size), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for k, (ax, z) in enumerate(zip(axes, points, strict=False)):
        ax.scatter(z[:, 0], z[:, 1], s=marker_size, c=colors, linewidths=0, alpha=0.8)
        title = r"$z_0 \sim p_0$" if k == 0 else f"${flow.composition(k)}$"
        ax.set_title(title, fontsize="medium")
        ax.set_xlabel(f"$z_{{{k},a}}$")
        ax.set_ylabel(f"$z_{{{k},b}}$")
        ax.grid(alpha=0.3)
    for ax in axes[len(points) :]:
        ax.set_visible(False)
    fig.suptitle(f"{n:,} samples after each stage (colour: quadrant of the base point)")
    return fig


def scatter_panels(point_sets, titles, groups=None, names=None, suptitle=None, panel_size=3.4):
    """One scatter panel per array of points, side by side, each framed on its points.

    A panel is drawn to scale unless its points are more than
    :data:`~flowdocs.plotting.style.MAX_ASPECT_RATIO` times longer than wide.

    Parameters
    ----------
    point_sets : sequence of array-like, each of shape ``[n, 2]``
        The same ``n`` points at several moments (e.g. before and after one map).
    titles : sequence of str
        One title per panel.
    groups : array-like of int, shape ``[n]``, optional
        Quadrant index (0–3) of each point's base point, for its colour and a legend.
    names : sequence of str, optional
        LaTeX name of each panel's coordinates (axes read ``name_a``, ``name_b``);
        ``"z"`` by default.
    suptitle : str, optional
        Figure title.
    panel_size : float
        Width of a panel, in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One visible panel per point set, with a legend of the quadrants if ``groups``.
    """
    point_sets = [as_points(p, f"point_sets[{i}]") for i, p in enumerate(point_sets)]
    if not point_sets:
        raise ValueError("point_sets must hold at least one array of points; got none.")
    n = len(point_sets[0])
    if any(len(points) != n for points in point_sets):
        lengths = [len(points) for points in point_sets]
        raise ValueError(f"Every point set must hold the same n points; got lengths {lengths}.")
    for label, values in (("titles", titles), ("names", names)):
        if values is not None and len(values) != len(point_sets):
            raise ValueError(
                f"{label} must have one entry per point set ({len(point_sets)}); got {len(values)}."
            )
    colors = point_colors(groups, n)
    fig = plt.figure(figsize=(panel_size * len(point_sets), panel_size + 0.9), layout="constrained")
    axes = fig.subplots(1, len(point_sets), squeeze=False).ravel()
    for i, (ax, points, title) in enumerate(zip(axes, point_sets, titles, strict=True)):
        scatter(ax, points, colors)
        frame(ax, *view_of(points))
        ax.set_title(title, fontsize="medium")
        coordinate_labels(ax, "z" if names is None else names[i])
        ax.grid(alpha=0.3)
    if groups is not None:
        quadrant_legend(fig)
    if suptitle:
        fig.suptitle(suptitle)
    return fig
