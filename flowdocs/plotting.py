r"""Figures shared by the gallery: each function returns a matplotlib ``Figure``.

Figures are made through pyplot, so notebooks and sphinx-gallery pick them up; nothing
here shows, saves or closes a figure: the caller (a gallery script, a notebook) does.
The one exception to "returns a Figure" is :func:`flow_animation`, which returns the
animation (its figure is ``animation._fig``), because an animation must be kept alive
by the caller until it is rendered.

Conventions shared by every figure:

- Points keep the colour of the quadrant of their base point (:data:`QUADRANT_COLORS`,
  Okabe–Ito, safe for colour-blind readers), so a reader can follow them from figure to
  figure.
- A panel is drawn to scale (equal aspect, square view) when its content is no more than
  :data:`MAX_ASPECT_RATIO` times longer than it is wide; a longer shape (the cubic shear
  stretches one axis a hundredfold) gets a tight view marked "axes not to scale".
- Densities are ``exp(log_prob)`` on a regular grid of cell midpoints, coloured on a
  logarithmic scale spanning :data:`DENSITY_DECADES` decades below a high quantile of
  the grid, so both a Gaussian's tails and the mass piled at the edges of the
  sigmoid's unit square stay readable. Lower densities are left white.
"""

import itertools
import math

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from matplotlib import animation, colors
from matplotlib.lines import Line2D

from flowdocs.bijectors import Rotation2D, ShiftAndCube
from flowdocs.flow import stateless_seed

tfb = tfp.bijectors

__all__ = [
    "DENSITY_DECADES",
    "MAX_ASPECT_RATIO",
    "QUADRANT_COLORS",
    "check_summary",
    "density_comparison",
    "flow_animation",
    "one_dimensional_flow",
    "orderings",
    "quadrant_of",
    "samples_and_density",
    "scatter_panels",
    "staged_density",
    "staged_scatter",
    "transformation",
]

QUADRANT_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7")
"""Okabe–Ito colours (safe for colour-blind readers) for base-point quadrants I–IV."""

QUADRANT_NAMES = ("I", "II", "III", "IV")

SAMPLE_COLOR = "#D55E00"
"""Okabe–Ito vermillion: samples drawn over a density map."""

PASS_COLOR, FAIL_COLOR = "#0072B2", "#D55E00"

DENSITY_CMAP = colors.ListedColormap(plt.get_cmap("YlGnBu")(np.linspace(0.08, 1.0, 256)))
"""Sequential ColorBrewer map, light (low density) to dark blue (high density)."""

LOG_DET_CMAP = "PuOr_r"
"""Diverging ColorBrewer map: purple where a map shrinks area, orange where it grows it."""

DENSITY_DECADES = 3
"""Decades of density shown below the top of each density map."""

MAX_ASPECT_RATIO = 4.0
"""Longest ratio of a panel's content still drawn to scale."""

GRID_LINE_COLOR = "0.25"


# -- Small helpers -----------------------------------------------------------------


def quadrant_of(points, center=(0.0, 0.0)):
    """Index 0–3 of the quadrant (I, II, III, IV) of each 2-D point around ``center``."""
    points = np.asarray(points)
    right = points[..., 0] >= center[0]
    upper = points[..., 1] >= center[1]
    return np.select([right & upper, ~right & upper, ~right & ~upper], [0, 1, 2], default=3)


def _point_colors(groups, n):
    """Quadrant colours for ``groups`` (indices 0–3), or one colour for all ``n`` points."""
    if groups is None:
        return np.full(n, QUADRANT_COLORS[0])
    return np.asarray(QUADRANT_COLORS)[np.asarray(groups)]


def _quadrant_legend(fig, title="quadrant of the base point"):
    handles = [
        Line2D([], [], ls="", marker="o", markersize=5, color=color, label=name)
        for color, name in zip(QUADRANT_COLORS, QUADRANT_NAMES, strict=True)
    ]
    fig.legend(
        handles=handles,
        title=title,
        loc="outside lower center",
        ncols=4,
        fontsize="small",
        title_fontsize="small",
        frameon=False,
    )


def _in_unit_square(points):
    points = np.asarray(points)
    return bool(np.all((points >= 0.0) & (points <= 1.0)))


def _view(points, quantile=0.005, pad=0.08, square_pad=0.02):
    """A view ``((x0, x1), (y0, y1))`` of the bulk of ``points`` and whether it is to scale.

    The unit square (padded by ``square_pad``), when every point lies in it. Otherwise
    the box between the ``quantile`` and ``1 - quantile`` quantiles, padded by ``pad``;
    made square (to scale) unless one side is more than :data:`MAX_ASPECT_RATIO` times
    the other.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    points = points[np.all(np.isfinite(points), axis=-1)]
    if _in_unit_square(points):
        return ((-square_pad, 1 + square_pad),) * 2, True
    low, high = np.quantile(points, [quantile, 1.0 - quantile], axis=0)
    center = (low + high) / 2.0
    half = np.maximum((high - low) / 2.0, 1e-6) * (1.0 + pad)
    to_scale = half.max() <= MAX_ASPECT_RATIO * half.min()
    if to_scale:
        half = np.full(2, half.max())
    return tuple((c - h, c + h) for c, h in zip(center, half, strict=True)), to_scale


def _frame(ax, view, to_scale):
    (x0, x1), (y0, y1) = view
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


def _scatter(ax, points, point_colors, size=4.0, alpha=0.8):
    points = np.asarray(points)
    ax.scatter(points[:, 0], points[:, 1], s=size, c=point_colors, linewidths=0, alpha=alpha)


def _midpoint_grid(view, resolution):
    """Cell midpoints of a ``resolution`` x ``resolution`` grid over ``view``.

    Returns the flat ``[resolution**2, 2]`` points (row-major: the second coordinate
    varies slowest, as ``imshow`` expects) and the cell area.
    """
    (x0, x1), (y0, y1) = view
    xs = x0 + (x1 - x0) * (np.arange(resolution) + 0.5) / resolution
    ys = y0 + (y1 - y0) * (np.arange(resolution) + 0.5) / resolution
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    return grid, (x1 - x0) * (y1 - y0) / resolution**2


def _density_on_grid(distribution, view, resolution):
    """``exp(log_prob)`` at the cell midpoints over ``view``, shape ``[res, res]``, float64."""
    grid, cell_area = _midpoint_grid(view, resolution)
    log_p = distribution.log_prob(tf.constant(grid, dtype=distribution.dtype)).numpy()
    density = np.exp(log_p.astype(np.float64)).reshape(resolution, resolution)
    return np.where(np.isfinite(density), density, 0.0), cell_area


def _density_norm(density, log=True, top_quantile=0.998):
    """Colour scale of a density map, topped at a high quantile of the grid.

    Logarithmic: :data:`DENSITY_DECADES` decades below the top. Linear: from 0 to the top,
    with densities below a thousandth of the top left white like the logarithmic scale.
    """
    positive = density[density > 0]
    top = float(np.quantile(positive, top_quantile)) if positive.size else 1.0
    if log:
        return colors.LogNorm(vmin=top * 10.0**-DENSITY_DECADES, vmax=top)
    return colors.Normalize(vmin=top * 1e-3, vmax=top)


def _density_image(ax, density, view, norm):
    cmap = DENSITY_CMAP.with_extremes(under="white", bad="white")
    (x0, x1), (y0, y1) = view
    return ax.imshow(
        np.ma.masked_less_equal(density, 0.0),
        origin="lower",
        extent=(x0, x1, y0, y1),
        cmap=cmap,
        norm=norm,
        interpolation="nearest",
        aspect="auto",
    )


def _density_colorbar(fig, image, ax, label="density (log scale)"):
    if not isinstance(image.norm, colors.LogNorm):
        label = label.replace(" (log scale)", "")
    bar = fig.colorbar(image, ax=ax, shrink=0.85, extend="both")
    bar.set_label(label, fontsize="small")
    bar.ax.tick_params(labelsize="x-small")
    return bar


def _mass_levels(density, cell_area, masses):
    """Density levels whose super-level sets hold the given probability ``masses``.

    The highest-density regions: the level :math:`\\lambda_m` with
    :math:`\\int_{p > \\lambda_m} p = m`, read off the grid (normalised to its own total).
    """
    values = np.sort(density.ravel())[::-1]
    cumulative = np.cumsum(values) * cell_area
    cumulative /= cumulative[-1]
    return [float(values[np.searchsorted(cumulative, m)]) for m in masses]


def _mass_contours(ax, density, view, cell_area, masses, color="black"):
    """Contours of the highest-density regions holding ``masses``, labelled in percent."""
    levels = _mass_levels(density, cell_area, masses)
    order = np.argsort(levels)
    levels = [levels[i] for i in order]
    labels = {level: f"{masses[i]:.0%}" for level, i in zip(levels, order, strict=True)}
    (x0, x1), (y0, y1) = view
    res = density.shape[0]
    xs = x0 + (x1 - x0) * (np.arange(res) + 0.5) / res
    ys = y0 + (y1 - y0) * (np.arange(res) + 0.5) / res
    lines = ax.contour(xs, ys, density, levels=levels, colors=color, linewidths=1.0)
    ax.clabel(lines, fmt=labels, fontsize="x-small")
    return levels


def _coordinate_labels(ax, name):
    """Label the axes ``name_a`` and ``name_b``; ``"z_3"`` gives :math:`z_{3,a}` and so on."""
    stem, _, index = name.partition("_")
    index = index.strip("{}")
    for axis, part in ((ax.xaxis, "a"), (ax.yaxis, "b")):
        axis.set_label_text(f"${stem}_{{{index + ',' if index else ''}{part}}}$")


# -- Samples -------------------------------------------------------------------------


def staged_scatter(flow, n=1000, seed=0, ncols=2, panel_size=3.2, marker_size=4):
    r"""Scatter the same ``n`` base points after 0, 1, ..., k stages of ``flow``.

    Panel ``k`` shows :math:`z_k = f_k \circ \dots \circ f_1(z_0)`, titled with the
    composed function; each point keeps the colour of its base point's quadrant, so a
    reader can follow it through the flow.
    """
    points = flow.staged_samples(n, seed=seed)
    colors_ = np.asarray(QUADRANT_COLORS)[quadrant_of(points[0], flow.base.mean().numpy())]
    nrows = math.ceil(len(points) / ncols)
    fig = plt.figure(figsize=(ncols * panel_size, nrows * panel_size), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for k, (ax, z) in enumerate(zip(axes, points, strict=False)):
        ax.scatter(z[:, 0], z[:, 1], s=marker_size, c=colors_, linewidths=0, alpha=0.8)
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
    :data:`MAX_ASPECT_RATIO` times longer than wide.

    Parameters
    ----------
    point_sets : sequence of array-like, shape ``[n, 2]``
        The same ``n`` points at several moments (e.g. before and after one map).
    titles : sequence of str
        One title per panel.
    groups : array-like of int, optional
        Quadrant index (0–3) of each point's base point, for its colour and a legend.
    names : sequence of str, optional
        LaTeX name of each panel's coordinates (axes read ``name_a``, ``name_b``).
    suptitle : str, optional
        Figure title.
    """
    point_sets = [np.asarray(p) for p in point_sets]
    fig = plt.figure(figsize=(panel_size * len(point_sets), panel_size + 0.9), layout="constrained")
    axes = fig.subplots(1, len(point_sets), squeeze=False).ravel()
    point_colors = _point_colors(groups, len(point_sets[0]))
    for i, (ax, points, title) in enumerate(zip(axes, point_sets, titles, strict=True)):
        _scatter(ax, points, point_colors)
        _frame(ax, *_view(points))
        ax.set_title(title, fontsize="medium")
        _coordinate_labels(ax, "z" if names is None else names[i])
        ax.grid(alpha=0.3)
    if groups is not None:
        _quadrant_legend(fig)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


# -- Densities -------------------------------------------------------------------------


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
    groups : array-like of int, optional
        Quadrant index of each sample, for its colour.
    masses : sequence of float
        Probability held by each contour.
    view : ((float, float), (float, float)), optional
        The box to draw; by default it frames the samples.
    resolution : int
        Grid cells along each axis.
    name : str
        LaTeX name of the coordinates.
    log_scale : bool
        Colour the density on a logarithmic scale (for tails and ridges) instead of a
        linear one (for the shape of the bulk).
    """
    samples = np.asarray(samples)
    to_scale = True
    if view is None:
        view, to_scale = _view(samples, quantile=0.0, pad=0.12)
    density, cell_area = _density_on_grid(distribution, view, resolution)
    fig = plt.figure(figsize=(8.4, 4.3), layout="constrained")
    left, right = fig.subplots(1, 2)
    _scatter(left, samples, _point_colors(groups, len(samples)), alpha=0.6)
    _mass_contours(left, density, view, cell_area, masses)
    left.set_title(f"{len(samples):,} samples and the regions\nholding {_percentages(masses)}")
    image = _density_image(right, density, view, _density_norm(density, log=log_scale))
    _density_colorbar(fig, image, right)
    right.set_title(r"exact density $\exp(\log p)$")
    for ax in (left, right):
        _frame(ax, view, to_scale)
        _coordinate_labels(ax, name)
    if groups is not None:
        _quadrant_legend(fig)
    fig.suptitle(title)
    return fig


def _percentages(masses):
    text = [f"{m:.0%}" for m in masses]
    return ", ".join(text[:-1]) + f" and {text[-1]}" if len(text) > 1 else text[0]


def staged_density(flow, n=1000, seed=0, stages=None, resolution=200, panel_size=3.0):
    r"""The same ``n`` samples and the exact density after 0, 1, ..., k stages of ``flow``.

    Row ``k`` shows :math:`z_k = f_k \circ \dots \circ f_1(z_0)`: the samples (coloured by
    their base point's quadrant) on the left, :math:`\exp \log p_k` on the right, over
    the same view. ``stages`` picks the rows (default: every stage, 0 included).
    """
    points = flow.staged_samples(n, seed=seed)
    groups = quadrant_of(points[0], flow.base.mean().numpy())
    point_colors = _point_colors(groups, n)
    stages = range(len(points)) if stages is None else list(stages)
    fig = plt.figure(
        figsize=(2 * panel_size + 0.9, len(stages) * panel_size + 0.8), layout="constrained"
    )
    axes = fig.subplots(len(stages), 2, squeeze=False)
    for k, (left, right) in zip(stages, axes, strict=True):
        z = points[k]
        view, to_scale = _view(z)
        density, _ = _density_on_grid(flow.distribution_after(k), view, resolution)
        _scatter(left, z, point_colors)
        image = _density_image(right, density, view, _density_norm(density))
        _density_colorbar(fig, image, right, label=f"$p_{k}$ (log scale)")
        label = r"$z_0 \sim p_0$" if k == 0 else f"$z_{k} = {flow.composition(k)}$"
        left.set_title(f"{label}: samples", fontsize="medium")
        right.set_title(f"$p_{k}(z_{k})$, exact", fontsize="medium")
        for ax in (left, right):
            _frame(ax, view, to_scale)
            _coordinate_labels(ax, f"z_{k}")
    _quadrant_legend(fig)
    fig.suptitle(
        f"{n:,} samples beside the exact density"
        + (", stage by stage" if len(stages) > 1 else f" after {len(flow.stages)} stages")
    )
    return fig


def one_dimensional_flow(bijector, base, n=10_000, seed=0, x_view=(-4.0, 4.0), bins=50):
    r"""A 1-D map, and a histogram of pushed-forward samples against the exact density.

    Left: the map :math:`y = f(x)` over ``x_view``, with the base density under it.
    Right: a histogram of :math:`f(x_i)` for ``n`` base samples :math:`x_i` and the exact
    density of :math:`y` from the change of variables (equation 3),
    :math:`p_Y(y) = p_X(f^{-1}(y))\, |d f^{-1}/dy|`.
    """
    distribution = tfp.distributions.TransformedDistribution(base, bijector)
    x = np.linspace(*x_view, 801)
    y_of_x = bijector.forward(tf.constant(x, dtype=base.dtype)).numpy()
    base_density = np.exp(base.log_prob(tf.constant(x, dtype=base.dtype)).numpy())
    samples = distribution.sample(n, seed=stateless_seed(seed)).numpy()
    low, high = np.quantile(samples, [0.0005, 0.9995])
    y = np.linspace(low, high, 801)
    density = np.exp(distribution.log_prob(tf.constant(y, dtype=base.dtype)).numpy())

    fig = plt.figure(figsize=(8.4, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(x, y_of_x, color="black", linewidth=1.5, label="$y = f(x)$")
    left.fill_between(x, 0, base_density, color=QUADRANT_COLORS[0], alpha=0.35, label="$p_X(x)$")
    left.axhline(0, color="0.6", linewidth=0.8)
    left.set_xlabel("$x$")
    left.set_ylabel("$y$, and density of $x$")
    left.set_title(f"the map: {bijector.name}")
    left.legend(loc="upper left", fontsize="small")
    left.grid(alpha=0.3)

    right.hist(
        samples,
        bins=bins,
        range=(low, high),
        density=True,
        color=QUADRANT_COLORS[1],
        alpha=0.6,
        label=f"{n:,} samples of $f(x)$",
    )
    right.plot(y, density, color="black", linewidth=1.5, label=r"exact $p_Y(y)$")
    right.set_xlabel("$y$")
    right.set_ylabel("density")
    right.set_title("what comes out")
    right.legend(loc="upper center", fontsize="small")
    right.grid(alpha=0.3)
    fig.suptitle(f"A standard normal through {bijector.name}")
    return fig


# -- One map -------------------------------------------------------------------------


def _checkerboard(view, cells, sub):
    """Vertices of a fine mesh over ``view`` and an RGBA colour for every fine cell.

    ``cells`` x ``cells`` coarse cells, each split into ``sub`` x ``sub`` fine ones, are
    tinted by the quadrant of their centre (around the origin) in a checkerboard.
    """
    (x0, x1), (y0, y1) = view
    count = cells * sub
    xs, ys = np.linspace(x0, x1, count + 1), np.linspace(y0, y1, count + 1)
    vertices = np.stack(np.meshgrid(xs, ys), axis=-1)
    centers = (vertices[:-1, :-1] + vertices[1:, 1:]) / 2.0
    quadrant = quadrant_of(centers)
    coarse = np.arange(count) // sub
    checker = (coarse[None, :] + coarse[:, None]) % 2
    base = colors.to_rgba_array(QUADRANT_COLORS)[quadrant]
    strength = np.where(checker == 0, 0.30, 0.55)[..., None]
    rgba = 1.0 - strength * (1.0 - base)  # a tint of the quadrant colour on white
    rgba[..., 3] = 1.0
    return vertices, rgba


def _draw_mesh(ax, vertices, rgba, sub):
    ax.pcolormesh(vertices[..., 0], vertices[..., 1], rgba, shading="flat", rasterized=True)
    for line in itertools.chain(vertices[::sub], vertices[:, ::sub].transpose(1, 0, 2)):
        ax.plot(line[:, 0], line[:, 1], color=GRID_LINE_COLOR, linewidth=0.6)


def _forward(bijector, points):
    x = tf.constant(np.asarray(points).reshape(-1, 2), dtype=bijector.dtype or tf.float32)
    return bijector.forward(x).numpy().reshape(np.shape(points))


def transformation(
    bijector, view, symbol="f", title=None, same_view=False, cells=8, sub=12, resolution=200
):
    r"""What one map does to the plane: a tinted grid before and after, and its log-det.

    Left: a square of the plane, split into ``cells`` x ``cells`` cells tinted by
    quadrant. Middle: the image of every cell under the map (the grid lines bend exactly
    as the map bends them: each is drawn through ``sub`` mapped points per cell). Right:
    :math:`\log|\det \partial f / \partial z|` over the left square, from the bijector's
    ``forward_log_det_jacobian`` (equation 4): the log of how much the map stretches area
    at each point; 0 (white) means area is kept.

    Parameters
    ----------
    bijector : tfp.bijectors.Bijector
        The map :math:`f` of 2-vectors.
    view : ((float, float), (float, float))
        The square of the plane to deform.
    symbol : str
        LaTeX name of the map, e.g. ``"f_3"``.
    title : str, optional
        Figure title; defaults to the bijector's name.
    same_view : bool
        Draw before and after in one common view (to see a shift or a rotation move
        the square), instead of framing each on its own.
    cells, sub : int
        Coarse cells per side, and mapped points per cell side.
    resolution : int
        Grid cells per side of the log-det map.
    """
    vertices, rgba = _checkerboard(view, cells, sub)
    mapped = _forward(bijector, vertices)
    grid, _ = _midpoint_grid(view, resolution)
    log_det = bijector.forward_log_det_jacobian(
        tf.constant(grid, dtype=bijector.dtype or tf.float32), event_ndims=1
    )
    log_det = np.broadcast_to(np.asarray(log_det, dtype=np.float64), grid.shape[:-1])
    log_det = log_det.reshape(resolution, resolution)

    fig = plt.figure(figsize=(11.4, 4.0), layout="constrained")
    before, after, heat = fig.subplots(1, 3)
    after_view = _view(mapped, quantile=0.0, pad=0.04)
    if same_view:
        after_view = _view(np.concatenate([vertices, mapped]), quantile=0.0, pad=0.04)
    _draw_mesh(before, vertices, rgba, sub)
    _frame(before, *(after_view if same_view else (view, True)))
    before.set_title("before: the plane $z$")
    _coordinate_labels(before, "z")

    _draw_mesh(after, mapped, rgba, sub)
    _frame(after, *after_view)
    after.set_title(f"after: ${symbol}(z)$")
    after.set_xlabel(f"${symbol}(z)_a$")
    after.set_ylabel(f"${symbol}(z)_b$")

    spread = float(np.ptp(log_det))
    limit = max(3.0, float(np.quantile(np.abs(log_det), 0.99)))
    (x0, x1), (y0, y1) = view
    image = heat.imshow(
        log_det,
        origin="lower",
        extent=(x0, x1, y0, y1),
        cmap=LOG_DET_CMAP,
        norm=colors.Normalize(-limit, limit),
        interpolation="nearest",
    )
    bar = fig.colorbar(image, ax=heat, shrink=0.85, extend="both" if spread > 0 else "neither")
    bar.set_label(r"$\log|\det J|$", fontsize="small")
    if spread > 1e-9 * max(1.0, abs(float(log_det.mean()))):
        xs = x0 + (x1 - x0) * (np.arange(resolution) + 0.5) / resolution
        ys = y0 + (y1 - y0) * (np.arange(resolution) + 0.5) / resolution
        lines = heat.contour(xs, ys, log_det, levels=8, colors="black", linewidths=0.7)
        heat.clabel(lines, fmt="%.0f" if spread > 8 else "%.1f", fontsize="x-small")
    else:
        heat.text(
            0.5,
            0.5,
            rf"$\log|\det J| = {float(log_det.mean()):.4f}$" + "\neverywhere",
            transform=heat.transAxes,
            ha="center",
            va="center",
            fontsize="medium",
            bbox={"facecolor": "white", "edgecolor": "0.5", "boxstyle": "round"},
        )
    _frame(heat, view, True)
    heat.set_title(rf"$\log|\det \partial {symbol} / \partial z|$ at $z$")
    _coordinate_labels(heat, "z")
    fig.suptitle(title or f"The map {bijector.name}")
    return fig


# -- Orderings -----------------------------------------------------------------------


def orderings(
    samples, titles, groups=None, ncols=8, row_labels=None, highlight=None, suptitle=None
):
    """Small multiples: one tiny scatter per array of samples, e.g. one per stage order.

    Each panel is zoomed to its own samples (the middle 98 %) and drawn to scale, so
    shapes compare but sizes do not; the width of each view is printed in its corner.

    Parameters
    ----------
    samples : sequence of array-like, shape ``[n, 2]``
        The points of each panel; the same base points in every panel, if ``groups``.
    titles : sequence of str
        A short title per panel.
    groups : array-like of int, optional
        Quadrant index of each base point, for its colour.
    ncols : int
        Panels per row.
    row_labels : sequence of str, optional
        A label at the left of each row.
    highlight : int, optional
        Index of one panel to frame in black.
    suptitle : str, optional
        Figure title.
    """
    nrows = math.ceil(len(samples) / ncols)
    size = 0.88
    height = nrows * (size + 0.18) + 0.8
    fig = plt.figure(figsize=(ncols * size + 0.9, height))
    axes = fig.subplots(
        nrows,
        ncols,
        squeeze=False,
        gridspec_kw={
            "left": 0.1,
            "right": 0.99,
            "top": 1 - 0.6 / height,
            "bottom": 0.01,
            "wspace": 0.12,
            "hspace": 0.3,
        },
    )
    for i, (ax, points, title) in enumerate(zip(axes.ravel(), samples, titles, strict=False)):
        points = np.asarray(points)
        _scatter(ax, points, _point_colors(groups, len(points)), size=1.0, alpha=0.9)
        (x0, x1), (y0, y1) = _view(points, quantile=0.01, square_pad=0.07)[0]
        half = max(x1 - x0, y1 - y0) / 2
        ax.set_xlim((x0 + x1) / 2 - half, (x0 + x1) / 2 + half)
        ax.set_ylim((y0 + y1) / 2 - half, (y0 + y1) / 2 + half)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=7, pad=2)
        ax.text(
            0.97,
            0.03,
            f"{2 * half:.2g}",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=6,
            color="0.35",
        )
        for spine in ax.spines.values():
            spine.set_linewidth(2.0 if i == highlight else 0.8)
            spine.set_color("black" if i == highlight else "0.6")
    for ax in axes.ravel()[len(samples) :]:
        ax.set_visible(False)
    for row, label in enumerate(row_labels or []):
        axes[row, 0].set_ylabel(label, fontsize=7, rotation=0, ha="right", va="center")
    if suptitle:
        fig.suptitle(suptitle, fontsize="medium")
    return fig


# -- Checks --------------------------------------------------------------------------


def check_summary(table, tolerances):
    """Horizontal bars of every check's value per row, against the check's tolerance.

    Parameters
    ----------
    table : ``{row: {check: float}}``
        ``table[row][check]``: the value of a check for a row (a stage, the whole flow).
        Every value is an error: 0 is perfect, and it passes when at most the tolerance.
        NaN marks a check that does not apply to a row.
    tolerances : ``{check: float}``
        The largest acceptable value of each check; its keys name the panels.
    """
    rows = list(table)
    checks = list(tolerances)
    fig = plt.figure(
        figsize=(2.7 * len(checks) + 1.4, 0.42 * len(rows) + 1.7), layout="constrained"
    )
    axes = fig.subplots(1, len(checks), sharey=True, squeeze=False).ravel()
    positions = np.arange(len(rows))[::-1]
    for ax, check in zip(axes, checks, strict=True):
        tolerance = tolerances[check]
        values = np.array([table[row].get(check, np.nan) for row in rows], dtype=np.float64)
        positive = values[np.isfinite(values) & (values > 0)]
        floor = min(tolerance, positive.min() if positive.size else tolerance) / 100
        top = max(tolerance, positive.max() if positive.size else tolerance) * 100
        passed = ~(values > tolerance)  # NaN passes: nothing to check
        shown = np.where(np.isnan(values), 0.0, np.maximum(values, floor))
        ax.barh(
            positions,
            shown,
            left=floor / 10,
            color=np.where(passed, PASS_COLOR, FAIL_COLOR),
            height=0.6,
        )
        ax.axvline(tolerance, color="black", linestyle="--", linewidth=1.0)
        ax.set_xscale("log")
        ax.set_xlim(floor / 10, top)
        for y, value in zip(positions, values, strict=True):
            label = (
                "n/a"
                if np.isnan(value)
                else "0"
                if value == 0
                else f"{value:.1e}"
                if value < 0.01
                else f"{value:.2g}"
            )
            x = floor if np.isnan(value) else max(value, floor) * 1.5
            ax.text(
                x,
                y,
                label,
                va="center",
                fontsize="x-small",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
            )
        ax.set_title(check, fontsize="medium")
        ax.set_xlabel(f"log scale; dashed: tolerance {tolerance:g}", fontsize="small")
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(axis="x", labelsize="x-small")
    axes[0].set_yticks(positions, rows)
    handles = [
        Line2D([], [], color=PASS_COLOR, linewidth=6, label="within tolerance"),
        Line2D([], [], color=FAIL_COLOR, linewidth=6, label="over tolerance"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    fig.suptitle("Every check of every stage, against its tolerance")
    return fig


def density_comparison(rows, resolution=200, suptitle=None):
    """Rows of panels, each a density map with samples drawn over it.

    Parameters
    ----------
    rows : sequence of sequence of (str, distribution, array-like, str)
        Per panel: its title, the distribution whose ``exp(log_prob)`` is drawn, samples
        drawn over it (they should follow it), and a caption printed in the panel.
        The first panel of a row sets the row's view and colour scale, so the others
        compare with it: a density ``e`` times too small looks paler.
    resolution : int
        Grid cells per side.
    suptitle : str, optional
        Figure title.
    """
    ncols = max(len(panels) for panels in rows)
    fig = plt.figure(figsize=(3.6 * ncols + 1.0, 3.5 * len(rows) + 0.6), layout="constrained")
    axes = fig.subplots(len(rows), ncols, squeeze=False)
    for r, panels in enumerate(rows):
        reference = None
        for c, (title, distribution, samples, caption) in enumerate(panels):
            ax = axes[r, c]
            samples = np.asarray(samples)
            if reference is None:
                view, to_scale = _view(samples)
                density, _ = _density_on_grid(distribution, view, resolution)
                reference = view, to_scale, _density_norm(density)
            else:
                density, _ = _density_on_grid(distribution, reference[0], resolution)
            view, to_scale, norm = reference
            image = _density_image(ax, density, view, norm)
            _scatter(ax, samples, SAMPLE_COLOR, size=2.0, alpha=0.6)
            _frame(ax, view, to_scale)
            ax.set_title(title, fontsize="medium")
            ax.text(
                0.03,
                0.97,
                caption,
                transform=ax.transAxes,
                ha="left",
                va="top",
                fontsize="small",
                bbox={"facecolor": "white", "edgecolor": "0.5", "alpha": 0.9},
            )
            _coordinate_labels(ax, "z")
        _density_colorbar(fig, image, axes[r, len(panels) - 1])
    handles = [
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            markersize=5,
            color=SAMPLE_COLOR,
            label="samples (forward map)",
        ),
        Line2D(
            [],
            [],
            ls="",
            marker="s",
            markersize=8,
            color=DENSITY_CMAP(0.7),
            label="density from log_prob (inverse map and log-det)",
        ),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


# -- Motion --------------------------------------------------------------------------


def _partial(bijector, t):
    """The map a fraction ``t`` of the way from the identity to ``bijector``, on NumPy points.

    Shift, scale, shear and rotation have a parameter to grow from its identity value;
    any other map is blended linearly with the identity, :math:`(1-t)\\,z + t f(z)`.
    """
    if isinstance(bijector, tfb.Shift):
        part = tfb.Shift(t * tf.convert_to_tensor(bijector.shift))
    elif isinstance(bijector, tfb.Scale):
        part = tfb.Scale(1.0 + t * (tf.convert_to_tensor(bijector.scale) - 1.0))
    elif isinstance(bijector, ShiftAndCube):
        part = ShiftAndCube(t * tf.convert_to_tensor(bijector.strength))
    elif isinstance(bijector, Rotation2D):
        part = Rotation2D(t * tf.convert_to_tensor(bijector.angle))
    else:

        def blend(points):
            return (1.0 - t) * points + t * _forward(bijector, points)

        return blend
    return lambda points: _forward(part, points)


def flow_animation(flow, n=600, seed=0, frames_per_stage=8, size=4.4, dpi=80, lines=7):
    r"""An animation of the flow: samples and a grid move from the base to the final shape.

    Each stage grows from the identity to the full map in ``frames_per_stage`` frames
    (eased, so the motion slows at every stage boundary): shift, scale, shear strength
    and angle grow linearly from their identity values, and the sigmoid is blended with
    the identity. The view follows the samples and is always to scale.

    Returns
    -------
    matplotlib.animation.FuncAnimation
        Keep a reference until it is rendered (``to_jshtml()``, ``save``, ``plt.show()``);
        its figure is ``animation._fig``.
    """
    points = flow.staged_samples(n, seed=seed)
    groups = quadrant_of(points[0], flow.base.mean().numpy())
    (x0, x1), (y0, y1) = _view(points[0], quantile=0.0)[0]
    ticks = np.linspace(-1.0, 1.0, lines)
    span = np.linspace(-1.0, 1.0, 60)
    center = flow.base.mean().numpy()
    reach = 0.5 * max(x1 - x0, y1 - y0)
    grid = (
        np.concatenate(
            [np.stack(np.broadcast_arrays(t, span), -1) for t in ticks]
            + [np.stack(np.broadcast_arrays(span, t), -1) for t in ticks]
        ).reshape(2 * lines, 60, 2)
        * reach
        * 0.8
        + center
    )
    grids = [grid]
    for stage in flow.stages:
        grids.append(_forward(stage.bijector, grids[-1]))

    frames = [(0, 0.0)] + [
        (k, (i / frames_per_stage) ** 2 * (3 - 2 * i / frames_per_stage))
        for k in range(len(flow.stages))
        for i in range(1, frames_per_stage + 1)
    ]
    fig = plt.figure(figsize=(size, size), dpi=dpi)
    ax = fig.subplots(gridspec_kw={"left": 0.16, "right": 0.96, "bottom": 0.12, "top": 0.9})
    ax.grid(alpha=0.3)
    grid_lines = [ax.plot([], [], color="0.55", linewidth=0.7)[0] for _ in range(2 * lines)]
    cloud = ax.scatter(*points[0].T, s=5, c=_point_colors(groups, n), linewidths=0, alpha=0.85)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("first coordinate")
    ax.set_ylabel("second coordinate")
    names = [stage.name.replace("_", " ") for stage in flow.stages]

    def draw(frame):
        k, t = frame
        step = _partial(flow.stages[k].bijector, t)
        now = step(points[k]) if t > 0 else points[k]
        now_grid = step(grids[k]) if t > 0 else grids[k]
        cloud.set_offsets(now)
        for line, segment in zip(grid_lines, now_grid, strict=True):
            line.set_data(segment[:, 0], segment[:, 1])
        (a0, a1), (b0, b1) = _view(now, quantile=0.01, pad=0.15)[0]
        half = max(a1 - a0, b1 - b0) / 2
        ca, cb = (a0 + a1) / 2, (b0 + b1) / 2
        ax.set_xlim(ca - half, ca + half)
        ax.set_ylim(cb - half, cb + half)
        if t == 0:
            ax.set_title("the base distribution $p_0$", fontsize="medium")
        else:
            symbol = flow.stages[k].symbol
            ax.set_title(f"stage {k + 1}: ${symbol}$, {names[k]} ({t:.0%})", fontsize="medium")
        return [cloud, *grid_lines]

    draw(frames[0])
    return animation.FuncAnimation(fig, draw, frames=frames, interval=140, repeat=True)


# -- Learning ------------------------------------------------------------------------

REFERENCE_STYLES = ("--", ":", "-.")
"""Line styles of the reference levels in :func:`training_curves`."""


def _running_mean(values, window):
    """The mean of the last ``window`` values at every step (fewer at the start)."""
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    steps = np.arange(1, len(values) + 1)
    start = np.maximum(steps - window, 0)
    return (cumulative[steps] - cumulative[start]) / (steps - start)


def training_curves(histories, references=None, zoom=0.3, smooth=1, title=None):
    """Loss against step for one or more training runs, with reference levels.

    Left: every step. Right (unless ``zoom`` is None): the last ``zoom`` share of the
    steps, on a scale that resolves the end of training, where the reference levels are.

    Parameters
    ----------
    histories : ``{label: array-like}``
        The loss of every step of each run (what :func:`flowdocs.fit` returns).
    references : ``{label: float}``, optional
        Levels drawn as horizontal lines across both panels, e.g. the true model's
        negative log-likelihood of held-out data.
    zoom : float, optional
        Share of the last steps shown on the right.
    smooth : int
        Draw the running mean over this many steps (minibatch losses are noisy), over
        the raw losses drawn faintly; 1 draws the raw losses only.
    title : str, optional
        Figure title.
    """
    references = references or {}
    panels = 1 if zoom is None else 2
    fig = plt.figure(figsize=(5.2 * panels + 0.4, 4.0), layout="constrained")
    axes = fig.subplots(1, panels, squeeze=False).ravel()
    steps = max(len(history) for history in histories.values())
    first = 0 if zoom is None else int(steps * (1 - zoom))
    shown = []
    for color, (label, history) in zip(itertools.cycle(QUADRANT_COLORS), histories.items()):
        history = np.asarray(history, dtype=np.float64)
        x = np.arange(1, len(history) + 1)
        line = history if smooth <= 1 else _running_mean(history, smooth)
        for ax in axes:
            if smooth > 1:
                ax.plot(x, history, color=color, alpha=0.25, linewidth=0.6)
            ax.plot(x, line, color=color, linewidth=1.6, label=label)
        shown.append(line[first:])
    for style, (label, level) in zip(itertools.cycle(REFERENCE_STYLES), references.items()):
        for ax in axes:
            ax.axhline(level, color="black", linestyle=style, linewidth=1.2, label=label)
    for ax in axes:
        ax.set_xlabel("training step")
        ax.set_ylabel("mean negative log-likelihood (nats)")
        ax.grid(alpha=0.3)
    axes[0].set_title("every step")
    if zoom is not None:
        tail = np.concatenate([*shown, list(references.values())])
        low, high = float(np.min(tail)), float(np.max(tail))
        pad = 0.08 * max(high - low, 1e-3)
        axes[1].set_xlim(first, steps)
        axes[1].set_ylim(low - pad, high + pad)
        axes[1].set_title(f"the last {zoom:.0%} of the steps, zoomed in")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4),
               fontsize="small", frameon=False)  # fmt: skip
    if title:
        fig.suptitle(title)
    return fig


def parameter_paths(paths, truth=None, ncols=3, title=None):
    """The value of each parameter at every training step, one panel per parameter.

    Parameters
    ----------
    paths : ``{parameter: {run: array-like}}``
        For every parameter (a LaTeX name, e.g. ``r"\\theta"``), its value at every
        step of each run; runs are drawn in order, later ones dashed over earlier ones,
        so identical paths show as one line.
    truth : ``{parameter: float}``, optional
        Values drawn as dotted horizontal lines.
    ncols : int
        Panels per row.
    title : str, optional
        Figure title.
    """
    truth = truth or {}
    nrows = math.ceil(len(paths) / ncols)
    fig = plt.figure(figsize=(3.3 * ncols + 0.4, 2.7 * nrows + 0.9), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (name, runs) in zip(axes, paths.items(), strict=False):
        for i, (color, (run, values)) in enumerate(
            zip(itertools.cycle(QUADRANT_COLORS), runs.items())
        ):
            values = np.asarray(values)
            first = i == 0
            ax.plot(np.arange(1, len(values) + 1), values, color=color, label=run,
                    linewidth=2.4 if first else 1.4, linestyle="-" if first else "--")  # fmt: skip
        if name in truth:
            ax.axhline(truth[name], color="black", linestyle=":", linewidth=1.2, label="true value")
        ax.set_title(f"${name}$")
        ax.set_xlabel("training step")
        ax.grid(alpha=0.3)
    for ax in axes[len(paths) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
    if title:
        fig.suptitle(title)
    return fig


def _log_density_on_grid(log_density, view, resolution):
    """``exp`` of ``log_density`` (a distribution or a function of ``[m, 2]`` NumPy points)
    at the cell midpoints over ``view``, as :func:`_density_on_grid` returns it."""
    if hasattr(log_density, "log_prob"):
        return _density_on_grid(log_density, view, resolution)
    grid, cell_area = _midpoint_grid(view, resolution)
    density = np.exp(np.asarray(log_density(grid), dtype=np.float64))
    density = np.where(np.isfinite(density), density, 0.0)
    return density.reshape(resolution, resolution), cell_area


def density_fit(
    distribution,
    data,
    samples=None,
    reference=None,
    view=None,
    resolution=200,
    log_scale=True,
    name="x",
    title=None,
):
    """A learned density beside the true one, and its samples against the data.

    Panels, left to right: the true density (if ``reference`` is given), the learned
    density, and (if ``samples`` are given) samples of the learned model over the data.
    The density panels share one colour scale, set by the first, so that a density
    that is too low somewhere looks paler there.

    Parameters
    ----------
    distribution : tfp.distributions.Distribution
        The learned model of 2-vectors.
    data : array-like, shape ``[n, 2]``
        Data the model was fitted to, or held out from it; they frame the view.
    samples : array-like, shape ``[m, 2]``, optional
        Samples of the learned model.
    reference : tfp.distributions.Distribution or callable, optional
        The true distribution, or a function from points ``[m, 2]`` (NumPy) to their
        true log-densities.
    view : ((float, float), (float, float)), optional
        The box to draw; by default it frames the data.
    resolution : int
        Grid cells per side.
    log_scale : bool
        Colour densities on a logarithmic scale (:data:`DENSITY_DECADES` decades).
    name : str
        LaTeX name of the coordinates.
    title : str, optional
        Figure title.
    """
    data = np.asarray(data)
    to_scale = True
    if view is None:
        view, to_scale = _view(data, quantile=0.0, pad=0.1)
    densities = [] if reference is None else [("true density", reference)]
    densities.append(("learned density", distribution))
    panels = len(densities) + (samples is not None)
    fig = plt.figure(figsize=(3.9 * panels + 0.8, 4.6), layout="constrained")
    axes = fig.subplots(1, panels, squeeze=False).ravel()
    norm = None
    for ax, (label, model) in zip(axes, densities, strict=False):
        density, _ = _log_density_on_grid(model, view, resolution)
        norm = norm or _density_norm(density, log=log_scale)
        image = _density_image(ax, density, view, norm)
        ax.set_title(label)
    _density_colorbar(fig, image, axes[len(densities) - 1])
    if samples is not None:
        ax = axes[-1]
        samples = np.asarray(samples)
        _scatter(ax, samples, SAMPLE_COLOR, size=3.0, alpha=0.4)
        _scatter(ax, data, "0.2", size=3.0, alpha=0.3)
        ax.set_title("samples of the learned model\nover the data", fontsize="medium")
        handles = [
            Line2D([], [], ls="", marker="o", markersize=5, color="0.2", label="data"),
            Line2D([], [], ls="", marker="o", markersize=5, color=SAMPLE_COLOR,
                   label="samples of the learned model"),
        ]  # fmt: skip
        ax.legend(handles=handles, loc="upper right", fontsize="x-small", framealpha=0.9)
    for ax in axes:
        _frame(ax, view, to_scale)
        _coordinate_labels(ax, name)
    if title:
        fig.suptitle(title)
    return fig
