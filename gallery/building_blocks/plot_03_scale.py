r"""
f2, the scale: stretching each axis
===================================

The second map multiplies each coordinate by its own factor,
:math:`f_2(z) = (d_0 z_a,\ d_1 z_b)`, with :math:`d = (2, 1.5)`. The Jacobian is
:math:`\operatorname{diag}(d_0, d_1)`, so :math:`\log|\det J| = \log d_0 + \log d_1 =
\log 3` everywhere: every small patch of the plane grows three times in area, and by
equation 4 the density at its image is three times lower.

Move :math:`d` yourself in the `explorer, opened on the scale
<../../explorer.html?stage=scale>`_.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# The map on a square of the plane
# ---------------------------------
# The square :math:`[-2, 2]^2` becomes the rectangle :math:`[-4, 4] \times [-3, 3]`,
# drawn in one common view. The log-det map on the right is a single colour: a linear
# map stretches area by the same factor everywhere.
import matplotlib.pyplot as plt
import numpy as np

import flowdocs
from flowdocs import checks
from flowdocs.plotting import quadrant_of, scatter_panels, transformation

flow = flowdocs.five_stage_flow(seed=0)
stage = flow.stages[1]
print(f"d = {stage.bijector.scale.numpy()}, log(d0 d1) = {np.log(3):.4f}")

transformation(
    stage.bijector,
    view=((-2, 2), (-2, 2)),
    symbol=stage.symbol,
    title=r"$f_2$, the scale: $z \mapsto (d_0 z_a, d_1 z_b)$",
    same_view=True,
)
plt.show()

# %%
# The samples it receives in the flow
# -----------------------------------
# The shifted samples :math:`z_1` are stretched about the origin, not about their own
# centre, so the cloud also moves: its centre goes from :math:`(0, -2)` to
# :math:`(0, -3)`.
points = flow.staged_samples(1000, seed=0)
# sphinx_gallery_thumbnail_number = 2
# sphinx_gallery_thumbnail_panel = 1
scatter_panels(
    points[1:3],
    titles=[r"before: $z_1$", r"after: $z_2 = f_2(z_1)$"],
    groups=quadrant_of(points[0]),
    names=["z_1", "z_2"],
    suptitle="The scale stretches the samples about the origin",
)
plt.show()

# %%
# The log-det is right
# --------------------
# Automatic differentiation of the map agrees with ``forward_log_det_jacobian``.
error = checks.log_det_error(stage.bijector, points[1])
print(f"largest log-det error over the samples: {error:.1e}")
