r"""
One map, two modes: a Gaussian through Softsign
===============================================

No shift or scale of a Gaussian has two peaks. One smooth invertible map is enough to
make them: push :math:`z \sim \mathcal{N}(0, 1)` through TFP's ``Softsign`` bijector,

.. math:: x = f(z) = \frac{z}{1 + |z|}, \qquad f^{-1}(x) = \frac{x}{1 - |x|},
          \qquad \frac{dx}{dz} = \frac{1}{(1 + |z|)^2},

and the density of :math:`x` on :math:`(-1, 1)` has two modes. The change of variables
(equation 3) says why: :math:`p_X(x) = p_Z(z)\,(1 + |z|)^2` with :math:`z = f^{-1}(x)`.
The map squeezes the line more and more as :math:`|z|` grows, which piles the
Gaussian's shoulders up into two peaks.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# The map and the distribution it makes
# -------------------------------------
# ``tfd.TransformedDistribution`` combines the base distribution and the bijector; its
# ``log_prob`` applies equation 4. Both work in float32 here, the base's dtype.
import matplotlib.pyplot as plt
import numpy as np
import tensorflow_probability as tfp

import flowdocs
from flowdocs.plotting import samples_and_density
from flowdocs.plotting.style import QUADRANT_COLORS

tfb, tfd = tfp.bijectors, tfp.distributions

softsign = tfb.Softsign()
base = tfd.Normal(loc=0.0, scale=1.0)
pushed = tfd.TransformedDistribution(base, softsign)

z = np.linspace(-4.0, 4.0, 801)
x_of_z = softsign.forward(z.astype("float32")).numpy()
p_z = np.exp(base.log_prob(z.astype("float32")).numpy())

# %%
# Samples against the exact density
# ---------------------------------
# Push 10,000 base samples through the map (a stateless seed, so the same ones every
# time) and evaluate the exact density of :math:`x` from ``log_prob`` over the range
# the samples cover.
samples = pushed.sample(10_000, seed=[0, 0]).numpy()
low, high = np.quantile(samples, [0.0005, 0.9995])
x = np.linspace(low, high, 801)
p_x = np.exp(pushed.log_prob(x.astype("float32")).numpy())

# %%
# Left, the map with the base density under it; right, a histogram of the samples
# beside the density: the histogram follows it, two modes and all.

# sphinx_gallery_thumbnail_number = 1
# sphinx_gallery_thumbnail_panel = 1
fig = plt.figure(figsize=(8.4, 3.8), layout="constrained")
left, right = fig.subplots(1, 2)
left.plot(z, x_of_z, color="black", linewidth=1.5, label="$x = f(z)$")
left.fill_between(
    z, 0, p_z, color=QUADRANT_COLORS[0], alpha=0.35, label="$p_Z(z)$"
)
left.axhline(0, color="0.6", linewidth=0.8)
left.set(xlabel="$z$", ylabel="$x$, and density of $z$")
left.set_title(f"the map: {softsign.name}")
left.legend(loc="upper left", fontsize="small")
left.grid(alpha=0.3)

right.hist(
    samples,
    bins=50,
    range=(low, high),
    density=True,
    color=QUADRANT_COLORS[1],
    alpha=0.6,
    label="10,000 samples of $f(z)$",
)
right.plot(x, p_x, color="black", linewidth=1.5, label=r"exact $p_X(x)$")
right.set(xlabel="$x$", ylabel="density", title="what comes out")
right.legend(loc="upper center", fontsize="small")
right.grid(alpha=0.3)
fig.suptitle(f"A standard normal through {softsign.name}")
plt.show()

# %%
# Where the modes are
# -------------------
# Setting the derivative of :math:`\log p_Z(z) + 2 \log(1 + z)` to zero for
# :math:`z > 0` gives :math:`-z + 2 / (1 + z) = 0`, that is :math:`z = 1`: the modes
# sit at :math:`x = \pm 1/2`, where the density is :math:`4\,\varphi(1) \approx 0.968`,
# against :math:`\varphi(0) \approx 0.399` in the middle. TFP agrees:
for value in (0.0, 0.5):
    density = float(np.exp(pushed.log_prob(value)))
    print(f"p_X({value}) = {density:.4f}")

# %%
# In two dimensions: four modes
# -----------------------------
# Applied to each coordinate of a 2-D standard normal, the same map makes one mode per
# quadrant, at :math:`(\pm 1/2, \pm 1/2)`. The contours come from ``exp(log_prob)`` on a
# grid and hold 50 %, 90 % and 99 % of the probability.
base_2d = flowdocs.base_distribution(scale=1.0)
pushed_2d = tfd.TransformedDistribution(base_2d, softsign)
z0 = base_2d.sample(2000, seed=[0, 0])  # stateless: the same every time
samples_2d = softsign.forward(z0).numpy()
samples_and_density(
    pushed_2d,
    samples_2d,
    title="A 2-D standard normal through Softsign, coordinate-wise",
    view=((-1, 1), (-1, 1)),
    name="x",
)
plt.show()
