"""Figures shared by the gallery: each function returns a matplotlib ``Figure``.

Figures are made through pyplot, so notebooks and sphinx-gallery pick them up; nothing
here shows, saves or closes a figure: the caller (a gallery script, a notebook) does.
"""

import math

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["QUADRANT_COLORS", "quadrant_of", "staged_scatter"]

QUADRANT_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7")
"""Okabe–Ito colours (safe for colour-blind readers) for base-point quadrants I–IV."""


def quadrant_of(points, center=(0.0, 0.0)):
    """Index 0–3 of the quadrant (I, II, III, IV) of each 2-D point around ``center``."""
    points = np.asarray(points)
    right = points[..., 0] >= center[0]
    upper = points[..., 1] >= center[1]
    return np.select([right & upper, ~right & upper, ~right & ~upper], [0, 1, 2], default=3)


def staged_scatter(flow, n=1000, seed=0, ncols=2, panel_size=3.2, marker_size=4):
    r"""Scatter the same ``n`` base points after 0, 1, ..., k stages of ``flow``.

    Panel ``k`` shows :math:`z_k = f_k \circ \dots \circ f_1(z_0)`, titled with the
    composed function; each point keeps the colour of its base point's quadrant, so a
    reader can follow it through the flow.
    """
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
