r"""
The exact density at every stage, beside the samples
====================================================

Scatter plots show where samples fall; a normalizing flow can say more. Because every
map is invertible with a known log-determinant, the density after :math:`k` stages is
exact (equations 4 and 6):

.. math:: \log p_k(z_k) = \log p_0(z_0) - \sum_{i=1}^{k} \log\left|\det
          \frac{\partial f_i}{\partial z_{i-1}}\right|, \qquad
          z_{i-1} = f_i^{-1}(z_i).

This page draws :math:`p_k = \exp(\log p_k)` on a 200 x 200 grid beside the same 1,000
samples as :ref:`the stage-by-stage scatter
<sphx_glr_auto_examples_staged_flow_plot_01_staged_samples.py>`, stage by stage.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# The samples and the flow
# ------------------------
# The same flow and the same 1,000 base points as on every page (seed 0), followed
# through the stages, each coloured by the quadrant of its base point.
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm

import flowdocs
from flowdocs.grids import density_on_grid
from flowdocs.plotting import point_colors, quadrant_of
from flowdocs.plotting.axes import frame, quadrant_legend, view
from flowdocs.plotting.style import DENSITY_CMAP

flow = flowdocs.five_stage_flow(seed=0)
points = flow.staged_samples(1000, seed=0)
colors = point_colors(quadrant_of(points[0]), len(points[0]))

# %%
# Samples beside the density, one row per stage
# ---------------------------------------------
# :meth:`flowdocs.Flow.distribution_after` gives the distribution of :math:`z_k` as a TFP
# ``TransformedDistribution``; its ``log_prob`` evaluates the sum above.
# :func:`flowdocs.grids.density_on_grid` evaluates :math:`\exp(\log p_k)` at the
# midpoints of a 200 x 200 grid over the view of the samples, laid out as an image
# (``indexing="xy"``: rows run along the second coordinate). The colour scale is
# logarithmic and spans three decades below the top, so thin ridges stay visible;
# lower densities are left white. Views longer than four times their width are drawn
# out of scale.
white_below = DENSITY_CMAP.with_extremes(under="white", bad="white")


def samples_and_densities(stages, size=3.0):
    """Row k: the samples z_k, and the exact density p_k over the same view."""
    fig = plt.figure(
        figsize=(2 * size + 0.9, len(stages) * size + 0.8),
        layout="constrained",
    )
    rows = fig.subplots(len(stages), 2, squeeze=False)
    for k, (left, right) in zip(stages, rows, strict=True):
        box, to_scale = view(points[k])
        p_k = flow.distribution_after(k)
        density, _ = density_on_grid(p_k, box, 200, indexing="xy")
        top = np.quantile(density[density > 0], 0.998)
        left.scatter(
            *points[k].T, s=4.0, c=colors, linewidths=0, alpha=0.8
        )
        image = right.imshow(
            np.ma.masked_less_equal(density, 0.0),
            origin="lower",
            extent=np.ravel(box),
            cmap=white_below,
            norm=LogNorm(vmin=top * 1e-3, vmax=top),
            interpolation="nearest",
            aspect="auto",
        )
        bar = fig.colorbar(image, ax=right, shrink=0.85, extend="both")
        bar.set_label(f"$p_{k}$ (log scale)", fontsize="small")
        bar.ax.tick_params(labelsize="x-small")
        z_k = (
            f"$z_{k} = {flow.composition(k)}$" if k else r"$z_0 \sim p_0$"
        )
        left.set_title(f"{z_k}: samples", fontsize="medium")
        right.set_title(f"$p_{k}(z_{k})$, exact", fontsize="medium")
        for ax in (left, right):
            frame(ax, box, to_scale)  # to scale, or marked as not
            ax.set(xlabel=f"$z_{{{k},a}}$", ylabel=f"$z_{{{k},b}}$")
    quadrant_legend(fig)
    return fig


# %%
# Where the flow ends
# -------------------
# After all five stages: the samples, and the exact density over the unit square.

# sphinx_gallery_thumbnail_number = 1
fig = samples_and_densities([5])
fig.suptitle("1,000 samples beside the exact density after 5 stages")
plt.show()

# %%
# How it gets there, stage by stage
# ---------------------------------
# Every stage, from the base (top) to the final distribution (bottom), on the same
# colour conventions.
fig = samples_and_densities(range(6))
fig.suptitle("1,000 samples beside the exact density, stage by stage")
plt.show()

# %%
# What the last row shows
# -----------------------
# The sigmoid folds everything far from the origin onto thin bands along the edges of
# the unit square, so the final density is highest there: a shift, a scale, a shear
# and a rotation of a Gaussian end up piling most of its mass near the boundary.
# Some of those bands are thinner than one grid cell: the samples along the left edge
# come from the far tail of :math:`z_4` (first coordinate below -10), so they sit
# within :math:`\sigma(-10) \approx 5 \cdot 10^{-5}` of the edge, a hundred times
# closer than a grid cell is wide: the density map cannot show them.
#
# Exactly *on* the boundary the density cannot be evaluated: in float32, samples whose
# pre-image lies beyond about 17 round to exactly 0 or 1, whose inverse under the
# sigmoid is infinite. :class:`flowdocs.FlowDistribution` reports ``log_prob = -inf``
# for them (density 0) instead of NaN. :meth:`flowdocs.Flow.sample_and_log_prob`
# computes the log-density while sampling, from the base point and the forward
# log-det, so it stays finite for every sample. (Scoring the samples again needs a
# copy, ``x.numpy()``: given the very tensor it returned, TFP's bijector cache would
# hand back the stored pre-image instead of inverting the rounded numbers.)
x, log_p_while_sampling = flow.sample_and_log_prob(1000, seed=0)
log_p_afterwards = flow.distribution.log_prob(x.numpy())
on_edge = np.any((x == 0.0) | (x == 1.0), axis=-1)
finite_then = np.isfinite(log_p_while_sampling).sum()
finite_now = np.isfinite(log_p_afterwards).sum()
print(f"samples exactly on the edge:         {on_edge.sum()} of 1000")
print(f"finite log_prob while sampling:      {finite_then} of 1000")
print(f"finite log_prob of the samples, now: {finite_now} of 1000")
