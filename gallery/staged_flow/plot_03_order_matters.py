r"""
Order matters: the same five maps, 120 flows
============================================

Equation 9 applies the maps in one order, :math:`f_5 \circ f_4 \circ f_3 \circ f_2 \circ
f_1`. Composition is not commutative, so each of the :math:`5! = 120` orders of the same
five maps is a different flow with a different distribution. This page draws all of
them from the same base points, then follows two orders stage by stage.

Try any of the 120 orders yourself in the `explorer, opened on the sigmoid-first order
<../../explorer.html?order=sigmoid,shift,scale,shift_and_cube,rotation>`_.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# Two maps that do not commute
# ----------------------------
# Shifting then scaling gives :math:`d \odot (z + c) = d \odot z + d \odot c`; scaling
# then shifting gives :math:`d \odot z + c`. The two differ by :math:`(d - 1) \odot c`,
# here :math:`(0, -1)`: the same point lands in two places.
import itertools

import matplotlib.pyplot as plt
import numpy as np

import flowdocs
from flowdocs.plotting import (
    point_colors,
    quadrant_of,
    scatter_panels,
    staged_scatter,
)
from flowdocs.plotting.axes import view

flow = flowdocs.five_stage_flow(seed=0)
point = np.array([[1.0, 1.0]], dtype=np.float32)
shift_then_scale = flow.reordered(
    ["shift", "scale", *flow.names[2:]]
).chain(2)
scale_then_shift = flow.reordered(
    ["scale", "shift", *flow.names[2:]]
).chain(2)
print(f"f2(f1(z)) = {shift_then_scale.forward(point).numpy()[0]}")
print(f"f1(f2(z)) = {scale_then_shift.forward(point).numpy()[0]}")

# %%
# The same five maps, forwards and backwards
# ------------------------------------------
# The original order and its reverse, applied to the same 1,000 base points (coloured
# by quadrant). In reverse, the sigmoid acts first, on the Gaussian, and the rotation,
# shear, scale and shift then act on the unit square: another distribution entirely.
z0 = flow.staged_samples(1000, seed=0)[0]
groups = quadrant_of(z0)
original, reverse = flow, flow.reordered(reversed(flow.names))

# sphinx_gallery_thumbnail_number = 1
# sphinx_gallery_thumbnail_panel = 1
scatter_panels(
    [
        original.bijector.forward(z0).numpy(),
        reverse.bijector.forward(z0).numpy(),
    ],
    titles=[f"${original.composition()}$", f"${reverse.composition()}$"],
    groups=groups,
    names=["x", "x"],
    suptitle="Five maps, two orders, two distributions",
)
plt.show()

# %%
# All 120 orders
# --------------
# Every panel pushes the first 300 of those base points through the five maps in one
# order, named by the order in which the maps apply: ``12345`` is the original flow
# (framed), ``51234``
# applies the sigmoid first. Every three rows share the position of the sigmoid, and each
# panel is zoomed to its own points, with the width of its view in the corner.
z0, groups = z0[:300], groups[:300]
sigmoid = flow.names.index("sigmoid")
orders = sorted(
    itertools.permutations(range(5)), key=lambda o: (-o.index(sigmoid), o)
)
finals = [
    flow.reordered(order).bijector.forward(z0).numpy() for order in orders
]
ranks = ["last", "4th", "3rd", "2nd", "first"]

# %%
# A small panel frames a square around the middle 98 % of its points (the unit square,
# when they all lie in it), so that shapes compare but sizes do not.
colors = point_colors(groups, len(z0))
corner = {"ha": "right", "va": "bottom", "fontsize": 6, "color": "0.35"}


def small_panel(ax, points, title, framed=False):
    """The points in a square view, without ticks; a black frame if framed."""
    ax.scatter(*points.T, s=1.0, c=colors, linewidths=0, alpha=0.9)
    (x0, x1), (y0, y1) = view(points, quantile=0.01, square_pad=0.07)[0]
    half = max(x1 - x0, y1 - y0) / 2
    ax.set_xlim((x0 + x1) / 2 - half, (x0 + x1) / 2 + half)
    ax.set_ylim((y0 + y1) / 2 - half, (y0 + y1) / 2 + half)
    ax.set(aspect="equal", xticks=[], yticks=[])
    ax.set_title(title, fontsize=7, pad=2)
    ax.text(
        0.97, 0.03, f"{2 * half:.2g}", transform=ax.transAxes, **corner
    )
    for spine in ax.spines.values():
        spine.set_linewidth(2.0 if framed else 0.8)
        spine.set_color("black" if framed else "0.6")


# %%
# 15 rows of 8 panels, three rows for each position of the sigmoid.
titles = ["".join(str(i + 1) for i in order) for order in orders]
original = orders.index((0, 1, 2, 3, 4))
ncols, size = 8, 0.88
nrows = len(finals) // ncols
height = nrows * (size + 0.18) + 0.8
fig = plt.figure(figsize=(ncols * size + 0.9, height))
margins = {
    "left": 0.1,
    "right": 0.99,
    "top": 1 - 0.6 / height,
    "bottom": 0.01,
}
axes = fig.subplots(
    nrows, ncols, gridspec_kw={**margins, "wspace": 0.12, "hspace": 0.3}
)
panels = zip(axes.ravel(), finals, titles, strict=True)
for i, (ax, points, title) in enumerate(panels):
    small_panel(ax, points, title, framed=i == original)
for row in range(0, nrows, 3):
    label = f"$f_5$ {ranks[row // 3]}"
    axes[row, 0].set_ylabel(
        label, fontsize=7, rotation=0, ha="right", va="center"
    )
fig.suptitle(
    "The same five maps in all 120 orders (300 samples each)",
    fontsize="medium",
)
plt.show()

# %%
# The sigmoid bounds whatever follows it
# --------------------------------------
# The sigmoid maps the whole plane into the unit square, and the maps after it are
# continuous, so they can only move, stretch, bend and turn a bounded set: every one of
# the 120 distributions has bounded support, even though the shear alone would throw
# Gaussian tails arbitrarily far. How far the support reaches depends on what follows
# the sigmoid. With the sigmoid last nothing leaves the unit square, and the far-flung
# points that the earlier maps produce are squeezed against its edges. The earlier the
# sigmoid, the more maps stretch the square afterwards; when the rotation turns it
# before the shear, the cube acts on coordinates of about 3 and reaches a hundred units.
# Over the 24 orders of each position of the sigmoid:
for position, rank in zip(range(4, -1, -1), ranks, strict=True):
    reach = max(
        np.abs(final).max()
        for order, final in zip(orders, finals, strict=True)
        if order.index(sigmoid) == position
    )
    print(f"sigmoid {rank:>5}: largest |coordinate| {reach:6.2f}")

# %%
# Two orders, stage by stage
# --------------------------
# Two orders drawn with NumPy generators seeded 0 and 1, followed stage by stage like the
# original flow. In the first, the sigmoid comes second, right after the shear, so the
# rotation, shift and scale act on a square; in the second it comes first.
for seed in (0, 1):
    order = np.random.default_rng(seed).permutation(len(flow.stages))
    print(f"seed {seed}: order {[flow.names[i] for i in order]}")
    staged_scatter(flow.reordered(order), n=1000, seed=0)
    plt.show()
