r"""
f1, the shift: moving probability without reshaping it
======================================================

The first map adds a constant vector, :math:`f_1(z) = (z_a + c_0,\ z_b + c_1)`, with
:math:`c = (0, -2)` as in the original post. Its Jacobian is the identity matrix
(equation :eq:`jacobian-shift`), so :math:`\log|\det J| = 0` everywhere, and equation 4
says the density is carried along unchanged: :math:`p_1(z + c) = p_0(z)`.

Move :math:`c` yourself in the `explorer, opened on the shift
<../../explorer.html?stage=shift>`_.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# The map on a square of the plane
# ---------------------------------
# A grid over :math:`[-2, 2]^2`, tinted by quadrant, before and after the map, drawn in
# one common view so the move shows. Right: :math:`\log|\det J|` over the square, which
# TFP's ``Shift`` reports as exactly 0.
import matplotlib.pyplot as plt

import flowdocs
from flowdocs import checks
from flowdocs.plotting import quadrant_of, scatter_panels, transformation

flow = flowdocs.five_stage_flow(seed=0)
stage = flow.stages[0]
print(f"{stage.name}: c = {stage.bijector.shift.numpy()}")

transformation(
    stage.bijector,
    view=((-2, 2), (-2, 2)),
    symbol=stage.symbol,
    title=r"$f_1$, the shift: $z \mapsto z + c$",
    same_view=True,
)
plt.show()

# %%
# The samples it receives in the flow
# -----------------------------------
# The same 1,000 base points as on every page (seed 0), before and after the shift.
points = flow.staged_samples(1000, seed=0)
# sphinx_gallery_thumbnail_number = 2
# sphinx_gallery_thumbnail_panel = 1
scatter_panels(
    points[0:2],
    titles=[r"before: $z_0 \sim p_0$", r"after: $z_1 = f_1(z_0)$"],
    groups=quadrant_of(points[0]),
    names=["z_0", "z_1"],
    suptitle="The shift moves the samples down by 2",
)
plt.show()

# %%
# The log-det is right
# --------------------
# ``flowdocs.checks.log_det_error`` compares the bijector's
# ``forward_log_det_jacobian`` with the log-determinant of the Jacobian that automatic
# differentiation computes from the map itself.
error = checks.log_det_error(stage.bijector, points[0])
print(f"largest log-det error over the samples: {error:.1e}")
