r"""Samples beside their exact density: after every stage of a flow, or with the regions
that hold given probabilities.

The region of probability :math:`m` is the highest-density region: the set
:math:`\{p > \lambda_m\}` whose level :math:`\lambda_m` satisfies
:math:`\int_{p > \lambda_m} p = m`, read off the density's grid.
"""

import matplotlib.pyplot as plt
import numpy as np

from flowdocs import grids
from flowdocs.plotting.axes import (
    as_points,
    check_count,
    check_event_size,
    coordinate_labels,
    frame,
    quadrant_legend,
    scatter,
)
from flowdocs.plotting.axes import view as view_of
from flowdocs.plotting.images import density_colorbar, density_image, density_map, density_norm
from flowdocs.plotting.style import point_colors, quadrant_of

__all__ = ["samples_and_density", "staged_density"]


def staged_density(flow, n=1000, seed=0, stages=None, resolution=200, panel_size=3.0):
    r"""The same ``n`` samples and the exact density after 0, 1, ..., k stages of ``flow``.

    Row ``k`` shows :math:`z_k = f_k \circ \dots \circ f_1(z_0)`: the samples (coloured by
    their base point's quadrant) on the left, :math:`\exp \log p_k` on the right, over
    the same view, with a colour bar.

    Parameters
    ----------
    flow : flowdocs.Flow
        A flow of 2-vectors with ``k`` stages.
    n : int
        Number of samples.
    seed : int
        Seed of the base points (:meth:`flowdocs.Flow.staged_samples`).
    stages : sequence of int, optional
        The rows, each a number of stages from 0 to ``k``; every stage, 0 included, by
        default.
    resolution : int
        Grid cells along each axis of a density map.
    panel_size : float
        Width and height of a panel, in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels per row (samples; density) and one colour bar per row.
    """
    check_count(n, "n")
    check_event_size(flow.base, "flow.base")
    points = flow.staged_samples(n, seed=seed)
    stages = range(len(points)) if stages is None else list(stages)
    if not stages or not all(0 <= k < len(points) for k in stages):
        raise ValueError(
            f"stages must be numbers of stages from 0 to {len(points) - 1}; got {stages}."
        )
    colors = point_colors(quadrant_of(points[0], flow.base.mean().numpy()), n)
    fig = plt.figure(
        figsize=(2 * panel_size + 0.9, len(stages) * panel_size + 0.8), layout="constrained"
    )
    axes = fig.subplots(len(stages), 2, squeeze=False)
    for k, (left, right) in zip(stages, axes, strict=True):
        z = points[k]
        box, to_scale = view_of(z)
        density, _ = density_map(flow.distribution_after(k), box, resolution)
        scatter(left, z, colors)
        image = density_image(right, density, box, density_norm(density))
        density_colorbar(fig, image, right, label=f"$p_{k}$ (log scale)")
        label = r"$z_0 \sim p_0$" if k == 0 else f"$z_{k} = {flow.composition(k)}$"
        left.set_title(f"{label}: samples", fontsize="medium")
        right.set_title(f"$p_{k}(z_{k})$, exact", fontsize="medium")
        for ax in (left, right):
            frame(ax, box, to_scale)
            coordinate_labels(ax, f"z_{k}")
    quadrant_legend(fig)
    fig.suptitle(f"{n:,} samples beside the exact density, {_stages_phrase(stages)}")
    return fig


def _stages_phrase(stages):
    """How a title names the rows: "stage by stage", "of the base" or "after 1 stage"."""
    if len(stages) > 1:
        return "stage by stage"
    (k,) = stages
    return "of the base" if k == 0 else f"after {k} stage{'s' if k > 1 else ''}"


def samples_and_density(
    distribution,
    samples,
    title,
    groups=None,
    masses=(0.5, 0.9, 0.99),
    view=None,
    resolution=200,
    name="z",
    log_scale=False,
):
    """Samples with the contours holding ``masses`` of the exact density, beside that density.

    Left: the samples and the boundaries of the smallest regions that hold 50 %, 90 % and
    99 % of the probability (by default), computed from ``exp(log_prob)``; about that
    share of the samples should fall inside each. Right: the density itself.

    Parameters
    ----------
    distribution : tfp.distributions.Distribution
        A distribution of 2-vectors.
    samples : array-like, shape ``[n, 2]``
        Draws from it.
    title : str
        Figure title.
    groups : array-like of int, shape ``[n]``, optional
        Quadrant index of each sample, for its colour and a legend.
    masses : sequence of float
        Probability held by each contour, each strictly between 0 and 1.
    view : ((float, float), (float, float)), optional
        The box to draw; by default it frames the samples.
    resolution : int
        Grid cells along each axis.
    name : str
        LaTeX name of the coordinates.
    log_scale : bool
        Colour the density on a logarithmic scale (for tails and ridges) instead of a
        linear one (for the shape of the bulk).

    Returns
    -------
    matplotlib.figure.Figure
        Two panels (samples and contours; the density) and the density's colour bar.
    """
    check_event_size(distribution)
    samples = as_points(samples, "samples")
    masses = [float(m) for m in masses]
    if not masses or not all(0.0 < m < 1.0 for m in masses):
        raise ValueError(f"masses must be probabilities strictly between 0 and 1; got {masses}.")
    colors = point_colors(groups, len(samples))
    to_scale = True
    if view is None:
        view, to_scale = view_of(samples, quantile=0.0, pad=0.12)
    density, cell_area = density_map(distribution, view, resolution)
    fig = plt.figure(figsize=(8.4, 4.3), layout="constrained")
    left, right = fig.subplots(1, 2)
    scatter(left, samples, colors, alpha=0.6)
    _mass_contours(left, density, view, cell_area, masses)
    left.set_title(f"{len(samples):,} samples and the regions\nholding {_percentages(masses)}")
    image = density_image(right, density, view, density_norm(density, log=log_scale))
    density_colorbar(fig, image, right)
    right.set_title(r"exact density $\exp(\log p)$")
    for ax in (left, right):
        frame(ax, view, to_scale)
        coordinate_labels(ax, name)
    if groups is not None:
        quadrant_legend(fig)
    fig.suptitle(title)
    return fig


def _mass_levels(density, cell_area, masses):
    """The levels :math:`\\lambda_m` of the regions holding ``masses``, read off the grid
    (normalised to its own total)."""
    values = np.sort(density.ravel())[::-1]
    cumulative = np.cumsum(values) * cell_area
    cumulative /= cumulative[-1]
    return [float(values[np.searchsorted(cumulative, m)]) for m in masses]


def _mass_contours(ax, density, box, cell_area, masses, color="black"):
    """Contours of the highest-density regions holding ``masses``, labelled in percent."""
    levels = _mass_levels(density, cell_area, masses)
    order = np.argsort(levels)
    levels = [levels[i] for i in order]
    labels = {level: f"{masses[i]:.0%}" for level, i in zip(levels, order, strict=True)}
    (x0, x1), (y0, y1) = box
    rows, columns = density.shape
    xs, _ = grids.midpoints(x0, x1, columns)
    ys, _ = grids.midpoints(y0, y1, rows)
    lines = ax.contour(xs, ys, density, levels=levels, colors=color, linewidths=1.0)
    ax.clabel(lines, fmt=labels, fontsize="x-small")
    return levels


def _percentages(masses):
    text = [f"{m:.0%}" for m in masses]
    return ", ".join(text[:-1]) + f" and {text[-1]}" if len(text) > 1 else text[0]
