"""The 1-D change of variables: one interval of base points, pushed through two maps.

The shaded interval holds the same probability in every panel; each map changes its
width, so the density over it changes by the inverse factor.
"""

import matplotlib.pyplot as plt
import numpy as np

z = np.linspace(-8.0, 8.0, 4001)
p_z = np.exp(-(z**2) / 2) / np.sqrt(2 * np.pi)  # standard normal density
band = (z > 0.8 - 1e-9) & (z < 1.2 + 1e-9)  # the interval of base points we follow

# Each map with its derivative; the density of x = f(z) is p_z / |f'(z)|.
maps = [
    (r"stretch: $x = 2z$", 2 * z, np.full_like(z, 2.0)),
    (r"squeeze: $x = z / (1 + |z|)$", z / (1 + np.abs(z)), 1 / (1 + np.abs(z)) ** 2),
]

fig, axes = plt.subplots(1, 3, figsize=(7.2, 2.8), sharey=True, layout="constrained")
panels = [(r"base: $z \sim \mathcal{N}(0, 1)$", z, p_z)]
panels += [(title, x, p_z / np.abs(slope)) for title, x, slope in maps]
limits = [(-4, 4), (-6, 6), (-1.05, 1.05)]
for ax, (title, x, density), xlim in zip(axes, panels, limits, strict=True):
    ax.plot(x, density, color="#0072B2")
    ax.fill_between(x[band], density[band], color="#E69F00", alpha=0.6)
    mass = np.trapezoid(density[band], x[band])
    width = x[band][-1] - x[band][0]
    ax.set_title(f"{title}\nshaded: width {width:.2f}, mass {mass:.3f}", fontsize="small")
    ax.set_xlim(*xlim)
    ax.grid(alpha=0.3)
axes[0].set_ylabel("density")
for ax, label in zip(axes, ["$z$", "$x$", "$x$"], strict=True):
    ax.set_xlabel(label)
