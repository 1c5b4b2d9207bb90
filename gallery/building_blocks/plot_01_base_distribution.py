r"""
The base distribution: where every sample starts
================================================

Every sample of the flow starts as a draw :math:`z_0 \sim p_0` from a 2-D Gaussian with
mean 0 and standard deviation 0.5 on each axis (equation 1). Its density is known in
closed form, which is the whole point of a :term:`base distribution`: the flow computes every
other density from this one.

Move the sliders yourself in the `explorer, opened on the base
<../../explorer.html?stage=base>`_: the base stays put while the maps after it change.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# Samples and exact density
# -------------------------
# :func:`flowdocs.base_distribution` builds :math:`p_0`, a TFP ``MultivariateNormalDiag``.
# The left panel draws 1,000 samples, coloured by their quadrant (the colours follow the
# points through every later page), together with the smallest regions that hold 50 %,
# 90 % and 99 % of the probability. These come from ``exp(log_prob)`` on a 200 x 200
# grid, not from the samples. The right panel is that density.
#
# The seed is a TFP *stateless* seed, a pair of integers: the same pair gives the same
# samples on every call. ``[0, 0]`` is what flowdocs uses for ``seed=0``, so these are
# the base points of every other page in this gallery.
import matplotlib.pyplot as plt
import numpy as np

import flowdocs
from flowdocs.plotting import quadrant_of, samples_and_density

base = flowdocs.base_distribution()
z0 = base.sample(1000, seed=[0, 0]).numpy()

# sphinx_gallery_thumbnail_number = 1
# sphinx_gallery_thumbnail_panel = 1
samples_and_density(
    base,
    z0,
    title=r"The base distribution $p_0 = \mathcal{N}(0, 0.5^2 I)$",
    groups=quadrant_of(z0),
)
plt.show()

# %%
# Do the samples agree with the contours?
# ---------------------------------------
# For this Gaussian the region holding a share :math:`m` of the probability is the disc
# :math:`|z|^2 / \sigma^2 \le -2 \log(1 - m)`. Counting the samples inside each disc
# should give roughly :math:`m`.
sigma = 0.5
radius2 = np.sum(z0**2, axis=1) / sigma**2
for mass in (0.5, 0.9, 0.99):
    inside = np.mean(radius2 <= -2 * np.log(1 - mass))
    print(f"region of mass {mass:4.0%}: {inside:6.1%} of the samples")
