r"""
f4, the rotation: turning the plane
===================================

The fourth map rotates the plane counter-clockwise by an angle
:math:`\theta \sim \mathcal{U}(0, 2\pi)` drawn once from a fixed seed:

.. math:: f_4(z) = \begin{pmatrix} \cos\theta & -\sin\theta \\
          \sin\theta & \cos\theta \end{pmatrix} z .

The matrix is its own Jacobian, equation :eq:`jacobian-rotation` of
:doc:`/theory/five_stage_flow`, with determinant 1, so :math:`\log|\det J| = 0`: a
rotation moves probability without compressing it. (The original code's forward matrix had
:math:`-\cos\theta` in its corner, which is not a rotation; see :ref:`the gallery of
bugs <sphx_glr_auto_examples_checking_plot_02_gallery_of_bugs.py>`.)

Move :math:`\theta` yourself in the `explorer, opened on the rotation
<../../explorer.html?stage=rotation>`_.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# The map on a square of the plane
# ---------------------------------
# The square turns about the origin by :math:`\theta`, drawn to scale in one common
# view. Quadrant I (blue) ends up about where quadrant II was: :math:`\theta` is a little
# more than a right angle.
import matplotlib.pyplot as plt
import numpy as np

import flowdocs
from flowdocs import checks
from flowdocs.plotting import quadrant_of, scatter_panels, transformation

flow = flowdocs.five_stage_flow(seed=0)
stage = flow.stages[3]
theta = float(stage.bijector.angle)
degrees = np.degrees(theta)
print(f"theta = {theta:.4f} rad = {degrees:.1f} degrees")

transformation(
    stage.bijector,
    view=((-2, 2), (-2, 2)),
    symbol=stage.symbol,
    title=rf"$f_4$, the rotation by $\theta = {degrees:.1f}^\circ$",
    same_view=True,
)
plt.show()

# %%
# The samples it receives in the flow
# -----------------------------------
# The tall S of :math:`z_3` is laid on its side. Both clouds are far longer than they
# are wide, so both panels are drawn out of scale.
points = flow.staged_samples(1000, seed=0)
# sphinx_gallery_thumbnail_number = 2
# sphinx_gallery_thumbnail_panel = 1
scatter_panels(
    points[3:5],
    titles=[r"before: $z_3$", r"after: $z_4 = f_4(z_3)$"],
    groups=quadrant_of(points[0]),
    names=["z_3", "z_4"],
    suptitle="The rotation lays the S on its side",
)
plt.show()

# %%
# The log-det is right, and the map comes back
# --------------------------------------------
# Besides the log-det, ``flowdocs.checks.round_trip_error`` maps the samples forward,
# then a fresh copy of the result back, and reports the largest relative error.
det_error = checks.log_det_error(stage.bijector, points[3])
trip_error = checks.round_trip_error(stage.bijector, points[3])
print(f"largest log-det error over the samples: {det_error:.1e}")
print(f"largest round-trip error:               {trip_error:.1e}")
