"""Density maps as images: the density on a grid, its colour scale, the image, a colour bar.

A density is drawn as ``exp(log_prob)`` at the cell midpoints of a regular grid over the
view (:mod:`flowdocs.grids`, laid out ``"xy"``: rows run along the second coordinate, as
``imshow`` wants), coloured on a logarithmic scale spanning
:data:`~flowdocs.plotting.style.DENSITY_DECADES` decades below a high quantile of the
grid, so that both a Gaussian's tails and the mass piled against the edges of the
sigmoid's unit square stay readable. Lower densities are left white.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors

from flowdocs import grids
from flowdocs.plotting.style import DENSITY_CMAP, DENSITY_DECADES

__all__ = ["density_colorbar", "density_image", "density_map", "density_norm", "density_row"]


def density_map(log_density, box, resolution):
    """The density over ``box`` on a ``resolution`` x ``resolution`` grid, as an image.

    Parameters
    ----------
    log_density : tfp.distributions.Distribution, or a function of points ``[m, 2]``
        A distribution of 2-vectors, or a function from NumPy points ``[m, 2]`` to
        their log-densities ``[m]`` (see :func:`flowdocs.grids.log_density_on_grid`).
    box : ((float, float), (float, float))
        The view ``((x0, x1), (y0, y1))``.
    resolution : int
        Grid cells along each axis.

    Returns
    -------
    density : numpy.ndarray, shape ``[resolution, resolution]``, float64
        ``exp(log_prob)`` at the cell midpoints; row ``j`` holds the ``j``-th value of the
        second coordinate. Where the log-density is NaN or infinite, 0 (drawn white).
    cell_area : float
        The area of one cell.
    """
    log_p, cell_area = grids.log_density_on_grid(log_density, box, resolution, indexing="xy")
    density = np.exp(log_p)
    return np.where(np.isfinite(density), density, 0.0), cell_area


def density_norm(density, log=True, top_quantile=0.998):
    """The colour scale of a density map, topped at a high quantile of its values.

    Parameters
    ----------
    density : numpy.ndarray
        The density map.
    log : bool
        Logarithmic, :data:`~flowdocs.plotting.style.DENSITY_DECADES` decades below the
        top; otherwise linear from a thousandth of the top (lower values white) to it.
    top_quantile : float
        Quantile of the positive values that tops the scale.

    Returns
    -------
    matplotlib.colors.Normalize
        A ``LogNorm`` or a ``Normalize``.
    """
    positive = density[density > 0]
    top = float(np.quantile(positive, top_quantile)) if positive.size else 1.0
    if log:
        return colors.LogNorm(vmin=top * 10.0**-DENSITY_DECADES, vmax=top)
    return colors.Normalize(vmin=top * 1e-3, vmax=top)


def density_image(ax, density, box, norm):
    """Draw a density map over ``box`` with :data:`~flowdocs.plotting.style.DENSITY_CMAP`.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The panel.
    density : numpy.ndarray, shape ``[rows, columns]``
        The density map, rows along the second coordinate (as :func:`density_map` gives
        it); zeros and values below the scale are drawn white.
    box : ((float, float), (float, float))
        The view the map covers.
    norm : matplotlib.colors.Normalize
        The colour scale, e.g. from :func:`density_norm`.

    Returns
    -------
    matplotlib.image.AxesImage
        The image, for a colour bar.
    """
    cmap = DENSITY_CMAP.with_extremes(under="white", bad="white")
    (x0, x1), (y0, y1) = box
    return ax.imshow(
        np.ma.masked_less_equal(density, 0.0),
        origin="lower",
        extent=(x0, x1, y0, y1),
        cmap=cmap,
        norm=norm,
        interpolation="nearest",
        aspect="auto",
    )


def density_colorbar(fig, image, ax, label="density (log scale)"):
    """A colour bar for a density image beside ``ax``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    image : matplotlib.image.AxesImage
        The density image, as :func:`density_image` returns it.
    ax : matplotlib.axes.Axes
        The panel the bar sits beside (or a list of panels, to span them).
    label : str
        The bar's label; " (log scale)" is dropped from it on a linear scale.

    Returns
    -------
    matplotlib.colorbar.Colorbar
        The colour bar.
    """
    if not isinstance(image.norm, colors.LogNorm):
        label = label.replace(" (log scale)", "")
    bar = fig.colorbar(image, ax=ax, shrink=0.85, extend="both")
    bar.set_label(label, fontsize="small")
    bar.ax.tick_params(labelsize="x-small")
    return bar


def density_row(maps, box, titles, log=False, panel_size=3.0, columns=None):
    """Density maps side by side, on the colour scale of the first, without ticks.

    Parameters
    ----------
    maps : sequence of numpy.ndarray, each ``[rows, columns]``
        Density maps over ``box``, as :func:`density_map` gives them; the first (the
        true density, say) sets the scale of all.
    box : ((float, float), (float, float))
        The view every map covers.
    titles : sequence of str
        One title per map.
    log : bool
        The scale of :func:`density_norm`: linear by default, which shows where the mass
        is; logarithmic shows the tails.
    panel_size : float
        Width of a panel, in inches; its height follows the shape of ``box``.
    columns : int, optional
        Panels per row: the maps wrap onto as many rows as they need, the last row's
        unused panels left blank (fewer panels across reads better on a phone).
        ``None``: one row.

    Returns
    -------
    matplotlib.figure.Figure
        ``len(maps)`` panels in rows of ``columns``, drawn to scale.
    """
    maps = [np.asarray(density, np.float64) for density in maps]
    if not maps or len(titles) != len(maps):
        raise ValueError(
            f"density_row needs at least one map and one title per map; got {len(maps)} "
            f"maps and {len(titles)} titles."
        )
    if any(density.ndim != 2 for density in maps):
        raise ValueError(f"every map must be a 2-D array; got shapes {[d.shape for d in maps]}.")
    (x0, x1), (y0, y1) = box
    if not (x1 > x0 and y1 > y0 and panel_size > 0):
        raise ValueError(
            f"density_row needs a box ((x0, x1), (y0, y1)) with x0 < x1 and y0 < y1 and a "
            f"positive panel_size; got {box!r} and {panel_size!r}."
        )
    if columns is None:
        columns = len(maps)
    if isinstance(columns, bool) or not isinstance(columns, (int, np.integer)) or columns < 1:
        raise ValueError(f"columns must be a positive integer or None; got {columns!r}.")
    columns = min(columns, len(maps))
    rows = -(-len(maps) // columns)
    norm = density_norm(maps[0], log=log)
    fig, axes = plt.subplots(
        rows, columns,
        figsize=(panel_size * columns, rows * (panel_size * (y1 - y0) / (x1 - x0) + 0.4)),
        layout="constrained", squeeze=False,
    )  # fmt: skip
    for ax in axes.flat[len(maps) :]:
        ax.remove()
    for ax, density, title in zip(axes.flat, maps, titles, strict=False):
        density_image(ax, density, box, norm)
        ax.set_title(title)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
