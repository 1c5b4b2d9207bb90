"""What one map does to the plane: a tinted grid before and after, and its log-det."""

import itertools

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from matplotlib import colors

from flowdocs import grids
from flowdocs.plotting.axes import check_count, coordinate_labels, forward_points, frame
from flowdocs.plotting.axes import view as view_of
from flowdocs.plotting.style import GRID_LINE_COLOR, LOG_DET_CMAP, QUADRANT_COLORS, quadrant_of

__all__ = ["transformation"]


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

    Returns
    -------
    matplotlib.figure.Figure
        Three panels (before, after, log-det) and the log-det's colour bar.
    """
    box = np.asarray(view, dtype=np.float64)
    if box.shape != (2, 2) or not np.all(box[:, 0] < box[:, 1]):
        raise ValueError(f"view must be ((x0, x1), (y0, y1)) with x0 < x1, y0 < y1; got {view}.")
    for name, count in (("cells", cells), ("sub", sub), ("resolution", resolution)):
        check_count(count, name)
    vertices, rgba = _checkerboard(view, cells, sub)
    mapped = forward_points(bijector, vertices)
    grid, _ = grids.midpoint_grid(view, resolution, indexing="xy")
    grid = grid.reshape(-1, 2)
    log_det = bijector.forward_log_det_jacobian(
        tf.constant(grid, dtype=bijector.dtype or tf.float32), event_ndims=1
    )
    log_det = np.broadcast_to(np.asarray(log_det, dtype=np.float64), grid.shape[:-1])
    log_det = log_det.reshape(resolution, resolution)

    fig = plt.figure(figsize=(11.4, 4.0), layout="constrained")
    before, after, heat = fig.subplots(1, 3)
    after_view = view_of(mapped, quantile=0.0, pad=0.04)
    if same_view:
        after_view = view_of(np.concatenate([vertices, mapped]), quantile=0.0, pad=0.04)
    _draw_mesh(before, vertices, rgba, sub)
    frame(before, *(after_view if same_view else (view, True)))
    before.set_title("before: the plane $z$")
    coordinate_labels(before, "z")

    _draw_mesh(after, mapped, rgba, sub)
    frame(after, *after_view)
    after.set_title(f"after: ${symbol}(z)$")
    after.set_xlabel(f"${symbol}(z)_a$")
    after.set_ylabel(f"${symbol}(z)_b$")

    _log_det_map(fig, heat, log_det, view)
    frame(heat, view, True)
    heat.set_title(rf"$\log|\det \partial {symbol} / \partial z|$ at $z$")
    coordinate_labels(heat, "z")
    fig.suptitle(title or f"The map {bijector.name}")
    return fig


def _log_det_map(fig, ax, log_det, box):
    """The log-det as a diverging image with a colour bar, and contours where it varies."""
    spread = float(np.ptp(log_det))
    limit = max(3.0, float(np.quantile(np.abs(log_det), 0.99)))
    (x0, x1), (y0, y1) = box
    image = ax.imshow(
        log_det,
        origin="lower",
        extent=(x0, x1, y0, y1),
        cmap=LOG_DET_CMAP,
        norm=colors.Normalize(-limit, limit),
        interpolation="nearest",
    )
    bar = fig.colorbar(image, ax=ax, shrink=0.85, extend="both" if spread > 0 else "neither")
    bar.set_label(r"$\log|\det J|$", fontsize="small")
    if spread > 1e-9 * max(1.0, abs(float(log_det.mean()))):
        rows, columns = log_det.shape
        xs, _ = grids.midpoints(x0, x1, columns)
        ys, _ = grids.midpoints(y0, y1, rows)
        lines = ax.contour(xs, ys, log_det, levels=8, colors="black", linewidths=0.7)
        ax.clabel(lines, fmt="%.0f" if spread > 8 else "%.1f", fontsize="x-small")
    else:
        ax.text(
            0.5,
            0.5,
            rf"$\log|\det J| = {float(log_det.mean()):.4f}$" + "\neverywhere",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize="medium",
            bbox={"facecolor": "white", "edgecolor": "0.5", "boxstyle": "round"},
        )


def _checkerboard(box, cells, sub):
    """Vertices of a fine mesh over ``box`` and an RGBA colour for every fine cell.

    ``cells`` x ``cells`` coarse cells, each split into ``sub`` x ``sub`` fine ones, are
    tinted by the quadrant of their centre (around the origin) in a checkerboard.
    """
    (x0, x1), (y0, y1) = box
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
