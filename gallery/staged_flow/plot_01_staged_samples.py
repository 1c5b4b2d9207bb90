r"""
From a Gaussian to the unit square, one stage at a time
=======================================================

A normalizing flow draws a point from a simple :term:`base distribution` and pushes it
through a chain of invertible maps (its :term:`forward direction`). Here the base is a
2-D Gaussian and the chain has five maps: a shift, a scale, a cubic shear, a rotation
and a sigmoid, :math:`x = f_5 \circ f_4 \circ f_3 \circ f_2 \circ f_1(z)`.

Step through the same stages yourself, with your own parameters, in the `explorer,
opened on the base <../../explorer.html?stage=base>`_.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# Build the flow
# --------------
# :func:`flowdocs.five_stage_flow` draws the shear strength :math:`e \sim \mathcal{N}(3, 1)`
# and the rotation angle :math:`\theta \sim \mathcal{U}(0, 2\pi)` from a fixed seed, so
# this page shows the same flow every time it is built.
import matplotlib.pyplot as plt

import flowdocs
from flowdocs.plotting import staged_scatter

flow = flowdocs.five_stage_flow(seed=0)
shear, rotation = flow.stages[2].bijector, flow.stages[3].bijector
print(f"shear strength e = {float(shear.strength):.4f}")
print(f"rotation angle θ = {float(rotation.angle):.4f} rad")

# %%
# Follow 1,000 points through the stages
# --------------------------------------
# Every panel shows the same 1,000 base points after one more stage. Points keep the
# colour of the quadrant they started in, so you can see the shear bend the cloud, the
# rotation turn it, and the sigmoid squash everything into the unit square, where points
# that went far out pile up along the edges.

# sphinx_gallery_thumbnail_number = 1
# sphinx_gallery_thumbnail_panel = 5
staged_scatter(flow, n=1000, seed=0)
plt.show()
