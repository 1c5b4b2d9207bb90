r"""
f5, the sigmoid: squashing the plane into a square
==================================================

The last map squashes each coordinate with the logistic sigmoid,
:math:`f_5(z) = (\sigma(z_a),\ \sigma(z_b))`, :math:`\sigma(t) = 1 / (1 + \exp(-t))`.
Its Jacobian is diagonal with entries :math:`\sigma'(t) = \sigma(t)(1 - \sigma(t))`, so

.. math:: \log|\det J| = \log \sigma'(z_a) + \log \sigma'(z_b),

which is at most :math:`2 \log \tfrac14 \approx -2.77` (at the origin) and falls
without bound, about linearly in :math:`|z_a| + |z_b|`, far from it. This is the only
map of the flow whose log-det changes from point to point.

See the squashed density change with every parameter in the `explorer, opened on the
sigmoid <../../explorer.html?stage=sigmoid>`_.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# The map on a square of the plane
# ---------------------------------
# The square :math:`[-6, 6]^2` lands inside the unit square. Cells near the middle keep
# a fair size; cells far out are crushed against the edges, and the log-det map on the
# right says by how much.
import matplotlib.pyplot as plt

import flowdocs
from flowdocs import checks
from flowdocs.plotting import quadrant_of, scatter_panels, transformation

flow = flowdocs.five_stage_flow(seed=0)
stage = flow.stages[4]

# sphinx_gallery_thumbnail_number = 1
# sphinx_gallery_thumbnail_panel = 1
transformation(
    stage.bijector,
    view=((-6, 6), (-6, 6)),
    symbol=stage.symbol,
    title=r"$f_5$, the sigmoid: $z \mapsto (\sigma(z_a), \sigma(z_b))$",
)
plt.show()

# %%
# The samples it receives in the flow
# -----------------------------------
# After the shear and the rotation the samples :math:`z_4` reach a hundred units from the
# origin. The sigmoid maps all of them into the unit square, and every point beyond a few
# units lands in a thin band along an edge: this is where the final distribution piles
# up its mass.
points = flow.staged_samples(1000, seed=0)
scatter_panels(
    points[4:6],
    titles=[r"before: $z_4$", r"after: $z_5 = f_5(z_4)$"],
    groups=quadrant_of(points[0]),
    names=["z_4", "z_5"],
    suptitle="The sigmoid squashes everything into the unit square",
)
plt.show()

# %%
# How close to the edge?
# ----------------------
# In float32, :math:`\sigma(t)` rounds to exactly 1 once :math:`t` exceeds about 16.6,
# but to exactly 0 only once :math:`t` drops below about -87 (both measured on
# :ref:`TFP in practice <off-the-support>`), so some samples sit *on* the edge of the
# square, nearly all of them on an edge at 1. There the inverse is infinite, and
# :class:`flowdocs.FlowDistribution` gives them ``log_prob = -inf`` rather than NaN.
at_one = (points[5] == 1.0).any(axis=1)
at_zero = (points[5] == 0.0).any(axis=1)
print(f"samples exactly on an edge at 1: {at_one.sum()} of {len(at_one)}")
print(
    f"samples exactly on an edge at 0: {at_zero.sum()} of {len(at_zero)}"
)

# %%
# The log-det is right
# --------------------
# Automatic differentiation agrees with TFP's formula wherever float32 still resolves
# :math:`1 - \sigma(t)`: here, for the samples within 8 units of the origin.
near = (abs(points[4]) < 8).all(axis=1)
error = checks.log_det_error(stage.bijector, points[4][near])
print(f"largest log-det error over {near.sum()} samples: {error:.1e}")
