"""Scatter panels of the same points in a row, with an arrow between each pair.

Shared by the landing page's figure and the tour's: the points keep the colour of the
quadrant their base point started in.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch

from flowdocs.plotting import QUADRANT_COLORS, quadrant_of


def panels_with_arrows(point_sets, titles, base, height=2.7, marker_size=2.5, share=False):
    """One square-ish scatter panel per array of points, left to right, joined by arrows.

    ``point_sets`` are ``[n, 2]`` arrays of the same points at several moments; ``base``
    is the ``[n, 2]`` array whose quadrants give the colours. With ``share`` every panel
    shows the same box, with ticks, so a move or a turn shows; otherwise each panel is
    framed on its own points, without ticks.
    """
    colors = np.asarray(QUADRANT_COLORS)[quadrant_of(base)]
    count = len(point_sets)
    gap = 0.08
    width = (0.98 - (count - 1) * gap) / count
    fig = plt.figure(figsize=(2.5 * count, height))
    every = np.concatenate([np.asarray(points) for points in point_sets])
    low, high = np.quantile(every, [0.002, 0.998], axis=0)
    center, half = (low + high) / 2, 0.55 * np.max(high - low)
    for i, (points, title) in enumerate(zip(point_sets, titles, strict=True)):
        left = 0.01 + i * (width + gap)
        inset = 0.06 if share else 0.0  # room for tick labels
        bottom, top = (0.1, 0.74) if share else (0.04, 0.8)
        ax = fig.add_axes((left + inset, bottom, width - inset, top))
        ax.scatter(*np.asarray(points).T, s=marker_size, c=colors, linewidths=0)
        ax.set_title(title, fontsize="medium")
        if share:
            ax.set_xlim(center[0] - half, center[0] + half)
            ax.set_ylim(center[1] - half, center[1] + half)
            ax.set_aspect("equal")
            ax.tick_params(labelsize="x-small")
            ax.grid(alpha=0.3)
        else:
            ax.set_xticks([])
            ax.set_yticks([])
        if i:
            arrow = FancyArrowPatch(
                (left - gap + 0.012, 0.44),
                (left - 0.012, 0.44),
                transform=fig.transFigure,
                arrowstyle="-|>",
                mutation_scale=14,
                color="0.25",
                linewidth=1.6,
            )
            fig.patches.append(arrow)
    return fig
