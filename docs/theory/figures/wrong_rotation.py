"""The original post's rotation: samples from its forward map against the density its
log_prob reports (the true rotation's), at an angle near pi/4, where the wrong map
nearly collapses the plane onto a line.
"""

import matplotlib.pyplot as plt
import numpy as np

theta = np.pi / 5
c, s = np.cos(theta), np.sin(theta)
post_forward = np.array([[c, -s], [s, -c]])  # the post's second row is wrong
rotation = np.array([[c, -s], [s, c]])

z = np.random.default_rng(0).normal(scale=[1.2, 0.3], size=(1500, 2))
grid = np.linspace(-3.2, 3.2, 241)
a, b = np.meshgrid(grid, grid)
points = np.stack([a, b], axis=-1) @ rotation  # R^T x for each grid point x
log_p = -0.5 * ((points[..., 0] / 1.2) ** 2 + (points[..., 1] / 0.3) ** 2)  # up to a constant

fig, axes = plt.subplots(1, 2, figsize=(6.6, 3.3), sharey=True, layout="constrained")
for ax, matrix, title in [
    (axes[0], rotation, "true rotation: samples fit"),
    (axes[1], post_forward, "the post's forward map: they do not"),
]:
    ax.contour(a, b, log_p, levels=[-4.5, -2.0, -0.5], colors="black", linewidths=0.9)
    ax.scatter(*(z @ matrix.T).T, s=2, color="#D55E00", alpha=0.5, linewidths=0)
    ax.set_title(title, fontsize="medium")
    ax.set_aspect("equal")
    ax.set_xlim(-3.2, 3.2)
    ax.set_ylim(-3.2, 3.2)
    ax.grid(alpha=0.3)
    ax.set_xlabel("first coordinate")
axes[0].set_ylabel("second coordinate")
fig.suptitle(
    r"contours: the density log_prob reports; dots: samples ($\theta = \pi/5$)", fontsize="medium"
)
