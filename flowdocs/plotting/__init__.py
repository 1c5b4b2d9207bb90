"""Figures that two or more pages of the site share; each function returns a ``Figure``.

Figures are made through pyplot, so that notebooks and sphinx-gallery pick them up;
nothing here shows, saves or closes a figure: the caller (a gallery script, a notebook)
does. :func:`flow_animation` returns the figure and its animation, ``fig, anim``; keep
``anim`` alive until it is rendered.

One topic per module: :mod:`~flowdocs.plotting.style` (colours and constants),
:mod:`~flowdocs.plotting.axes` and :mod:`~flowdocs.plotting.images` (the helpers every
figure uses: views, frames, labels, density maps), and one module per kind of figure
(``samples``, ``densities``, ``maps``, ``motion``, ``training``). This package
re-exports the figures and everything in ``style`` (the colours and constants were
names of ``flowdocs.plotting`` before it became a package). A figure that only one
page draws is drawn in that page's script instead, so that a reader sees how it is
made.

Conventions shared by every figure: points keep the colour of the quadrant of their
base point (:data:`~flowdocs.plotting.style.QUADRANT_COLORS`); a panel is drawn to
scale unless its content is more than
:data:`~flowdocs.plotting.style.MAX_ASPECT_RATIO` times longer than wide; densities are
coloured on a logarithmic scale spanning
:data:`~flowdocs.plotting.style.DENSITY_DECADES` decades below the top of the map.
"""

from flowdocs.plotting.densities import samples_and_density, staged_density
from flowdocs.plotting.maps import transformation
from flowdocs.plotting.motion import flow_animation
from flowdocs.plotting.samples import scatter_panels, staged_scatter
from flowdocs.plotting.style import (  # the whole style, as before the split
    DENSITY_CMAP,
    DENSITY_DECADES,
    GRID_LINE_COLOR,
    LOG_DET_CMAP,
    MAX_ASPECT_RATIO,
    QUADRANT_COLORS,
    QUADRANT_NAMES,
    REFERENCE_STYLES,
    SAMPLE_COLOR,
    point_colors,
    quadrant_of,
)
from flowdocs.plotting.training import density_fit, parameter_paths, training_curves

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
    "density_fit",
    "flow_animation",
    "parameter_paths",
    "point_colors",
    "quadrant_of",
    "samples_and_density",
    "scatter_panels",
    "staged_density",
    "staged_scatter",
    "training_curves",
    "transformation",
]
