r"""
f3, the shift and cube: a shear that keeps area
===============================================

The third map pushes each point along the second axis by the cube of its first
coordinate, :math:`f_3(z) = (z_a,\ z_b + e\, z_a^3)`, with :math:`e \sim \mathcal{N}(3, 1)`
drawn once from a fixed seed. Its Jacobian, equation :eq:`jacobian-shift-and-cube` of
:doc:`/theory/five_stage_flow`, is unit lower triangular, so :math:`\log|\det J| = 0`
everywhere, however strongly the map bends the plane. The original code returned 1
here; :ref:`the notes on the original post <log-det-of-one>` tell what that costs.

Move :math:`e` yourself in the `explorer, opened on the shift and cube
<../../explorer.html?stage=shift_and_cube>`_.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# The map on a square of the plane
# ---------------------------------
# Vertical lines stay vertical; horizontal lines become cubics. The image is far taller
# than wide, so it is drawn out of scale. Each cell changes shape but not area, and the
# log-det map on the right is 0 (white) everywhere.
import matplotlib.pyplot as plt
import numpy as np

import flowdocs
from flowdocs import checks
from flowdocs.plotting import quadrant_of, scatter_panels, transformation

flow = flowdocs.five_stage_flow(seed=0)
stage = flow.stages[2]
print(f"{stage.name}: e = {float(stage.bijector.strength):.4f}")

transformation(
    stage.bijector,
    view=((-2, 2), (-2, 2)),
    symbol=stage.symbol,
    title=r"$f_3$, the shift and cube: $z \mapsto (z_a, z_b + e z_a^3)$",
)
plt.show()

# %%
# The samples it receives in the flow
# -----------------------------------
# The scaled samples :math:`z_2` spread over about :math:`\pm 3` along the first axis,
# so a point at :math:`z_a = \pm 3` moves by :math:`e \cdot 27` along the second
# axis, and the outermost sample, a little further out, moves further still (both
# printed below): the Gaussian cloud becomes a thin S.
points = flow.staged_samples(1000, seed=0)
strength = float(stage.bijector.strength)
print(f"a point at z_a = 3 moves by e * 27 = {strength * 27:.1f}")
outermost = int(np.argmax(np.abs(points[2][:, 0])))
moved = float(points[3][outermost, 1] - points[2][outermost, 1])
print(
    f"the outermost sample, z_a = {float(points[2][outermost, 0]):.2f},"
    f" moves by {abs(moved):.1f}"
)
# sphinx_gallery_thumbnail_number = 2
# sphinx_gallery_thumbnail_panel = 1
scatter_panels(
    points[2:4],
    titles=[r"before: $z_2$", r"after: $z_3 = f_3(z_2)$"],
    groups=quadrant_of(points[0]),
    names=["z_2", "z_3"],
    suptitle="The shear bends the cloud into an S",
)
plt.show()

# %%
# Zero, not a convention
# ----------------------
# The zero log-det is a property of the map, not a number typed into the bijector:
# automatic differentiation of :math:`f_3` itself finds :math:`\log|\det J| = 0` at
# every sample.
autodiff = checks.autodiff_log_det(stage.bijector, points[2])
print(
    f"autodiff log|det J|: {autodiff.min():.1e} to {autodiff.max():.1e}"
)
error = checks.log_det_error(stage.bijector, points[2])
print(f"largest log-det error over the samples: {error:.1e}")
