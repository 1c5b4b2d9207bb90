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
# Where the flow ends
# -------------------
# :meth:`flowdocs.Flow.distribution_after` gives the distribution of :math:`z_k` as a TFP
# ``TransformedDistribution``; its ``log_prob`` evaluates the sum above. After all five
# stages: the samples, coloured by the quadrant of their base point, and the exact
# density over the unit square. The colour scale is logarithmic and spans three decades
# below the top, so thin ridges stay visible; lower densities are left white.
import matplotlib.pyplot as plt
import numpy as np

import flowdocs
from flowdocs.plotting import staged_density

flow = flowdocs.five_stage_flow(seed=0)

# sphinx_gallery_thumbnail_number = 1
# sphinx_gallery_thumbnail_panel = 1
staged_density(flow, n=1000, seed=0, stages=[5])
plt.show()

# %%
# How it gets there, stage by stage
# ---------------------------------
# Every stage, from the base (top) to the final distribution (bottom), on the same
# colour conventions. Views longer than four times their width are drawn out of scale.
staged_density(flow, n=1000, seed=0)
plt.show()

# %%
# What the last row shows
# -----------------------
# The sigmoid squashes everything far from the origin onto thin bands along the edges of
# the unit square, so the final density is highest there: a shift, a scale, a shear
# and a rotation of a Gaussian end up piling most of its mass near the boundary.
# Some of those bands are thinner than one grid cell: the samples along the left edge
# come from the far tail of :math:`z_4` (first coordinate below -10), so they sit
# within :math:`\sigma(-10) \approx 5 \cdot 10^{-5}` of the edge, a hundred times
# closer than a grid cell is wide: the density map cannot show them.
#
# Exactly *on* the boundary the density cannot be evaluated, and the sigmoid's
# rounding puts samples there, almost all on the edges at 1: in float32 it returns
# exactly 1 for every input above about 16.6 but exactly 0 only below about -87
# (measured on :ref:`TFP in practice <off-the-support>`), and the sigmoid's inverse at
# 0 or 1 is infinite. :class:`flowdocs.FlowDistribution` reports ``log_prob = -inf``
# for them (density 0) instead of NaN. :meth:`flowdocs.Flow.sample_and_log_prob`
# computes the log-density while sampling, from the base point and the forward
# log-det, so it stays finite for every sample. (Scoring the samples again needs a
# copy, ``x.numpy()``: given the very tensor it returned, TFP's bijector cache would
# hand back the stored pre-image instead of inverting the rounded numbers.)
x, log_p_while_sampling = flow.sample_and_log_prob(1000, seed=0)
log_p_afterwards = flow.distribution.log_prob(x.numpy())
at_one, at_zero = np.any(x == 1.0, axis=-1), np.any(x == 0.0, axis=-1)
finite_then = np.isfinite(log_p_while_sampling).sum()
finite_now = np.isfinite(log_p_afterwards).sum()
print(f"samples exactly on an edge at 1:     {at_one.sum()} of 1000")
print(f"samples exactly on an edge at 0:     {at_zero.sum()} of 1000")
print(f"finite log_prob while sampling:      {finite_then} of 1000")
print(f"finite log_prob of the samples, now: {finite_now} of 1000")
