r"""
The five-stage flow as a velocity field
=======================================

:doc:`The flow in motion </auto_examples/staged_flow/plot_04_flow_in_motion>` grows each
of the five maps from the identity, so every point glides from the Gaussian to the unit
square. Any such motion has a velocity, and a velocity field is all a continuous flow
is (see :doc:`the theory page </theory/continuous_flows>`). This page draws the field
that moves the animation's points, and checks that its divergence, integrated along
each point's path, gives back every stage's log-determinant: equation 6 in the limit of
a continuous motion, on the site's own five maps.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# The velocity of each stage
# --------------------------
# Stage :math:`k` moves a point :math:`y` that enters it along :math:`x(t) = f_t(y)`,
# :math:`t` from 0 to 1 (:func:`flowdocs.bijectors.partial_map`). Its velocity
# :math:`\partial_t f_t(y)` is :func:`flowdocs.bijectors.partial_velocity`. The shift,
# the scale, the shear and the blended sigmoid are linear in :math:`t`, so every point
# moves at a constant velocity :math:`f(y) - y` through its stage, on a straight line:
# by :math:`c` for the shift, by :math:`(d - 1)\, y` for the scale, by
# :math:`(0, e\, y_a^3)` for the shear. The rotation is the one curved motion: each
# point circles the origin at speed :math:`\theta\, \lVert y \rVert`.
#
# Below, each stage halfway through (:math:`t = 1/2`): the flow's samples where they
# are, coloured by the quadrant of their base point, and the velocity of one in ten
# as an arrow: how far it would go in the next quarter of the stage at that velocity.
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

import flowdocs
from flowdocs.bijectors import partial_map, partial_velocity
from flowdocs.continuous import motion_log_det
from flowdocs.plotting import point_colors, quadrant_of
from flowdocs.plotting.axes import (
    coordinate_labels,
    frame,
    quadrant_legend,
    scatter,
    view,
)

flow = flowdocs.five_stage_flow(seed=0)
# The points that enter each stage: z_0, ..., z_4 (z_5 leaves the last).
entering = flow.staged_samples(1000, seed=0)[:-1]
groups = quadrant_of(entering[0], flow.base.mean().numpy())
colors = point_colors(groups, len(groups))
HALF, QUARTER = 0.5, 0.25

fig, axes = plt.subplots(2, 3, figsize=(10.5, 7.6), layout="constrained")
for ax, stage, y in zip(axes.flat, flow.stages, entering, strict=False):
    y = tf.constant(y, tf.float32)
    x = partial_map(stage.bijector, HALF)(y).numpy()
    v = partial_velocity(stage.bijector, HALF)(y).numpy()
    scatter(ax, x, colors, size=3, alpha=0.6)
    ax.quiver(
        *x[::10].T,
        *(QUARTER * v[::10]).T,
        angles="xy",
        scale_units="xy",
        scale=1,
        width=0.005,
        color="0.15",
    )
    frame(ax, *view(np.concatenate([x, x + QUARTER * v]), quantile=0.01))
    ax.set_title(
        f"${stage.symbol}$, {stage.name.replace('_', ' ')}, halfway"
    )
    coordinate_labels(ax, "x")
axes.flat[-1].remove()
quadrant_legend(fig)
plt.show()

# sphinx_gallery_thumbnail_number = 1
# sphinx_gallery_thumbnail_panel = 1

# %%
# The animation plays each stage on an eased clock, slow at both ends, so on screen a
# point's speed is this velocity times the rate of that clock; the paths are the same.
#
# The divergence gives back the log-determinant
# ---------------------------------------------
# Along a path the log-density falls by the divergence of the field,
# :math:`d \log p / dt = -\operatorname{tr}\, \partial v / \partial x` (eq.
# :eq:`instantaneous-change`), so over a whole stage the divergence must integrate to
# the stage's log-determinant. :func:`flowdocs.continuous.motion_log_det` computes
# that integral with a Gauss-Legendre rule in :math:`t`, the field's Jacobian in
# :math:`x` from two autodiff Jacobians in :math:`y` by the chain rule, and it compares
# the rule with one of twice as many nodes before it answers. Set against each
# bijector's own ``forward_log_det_jacobian`` at the points that enter it, with the
# flow in float64 so that the comparison is not limited by float32 rounding:
flow64 = flowdocs.five_stage_flow(seed=0, dtype=tf.float64)
print(
    f"{'stage':<16}{'points':>7}{'largest |log det|':>19}{'largest error':>15}"
)
near = np.all(np.abs(entering[4]) < 4.0, axis=1)
for stage, y in zip(flow64.stages, entering, strict=True):
    if stage.name == "sigmoid":
        y = y[near]
    y, bijector = tf.constant(y, tf.float64), stage.bijector
    exact = bijector.forward_log_det_jacobian(
        y, event_ndims=1
    ).numpy() * np.ones(len(y))
    error = np.abs(motion_log_det(bijector, y).numpy() - exact)
    print(
        f"{stage.name:<16}{len(y):>7}{np.abs(exact).max():>19.4f}{error.max():>15.1e}"
    )

# %%
# The shift, the shear and the rotation preserve area: their fields have no divergence
# at all, and their log-determinants are 0. The scale's divergence
# :math:`\sum_i (d_i - 1) / (1 - t + t\, d_i)` is the same for every point and
# integrates to :math:`\sum_i \log d_i`. Only the sigmoid's depends on where the point
# is: :math:`\sum_i (\sigma'(y_i) - 1) / (1 - t + t\, \sigma'(y_i))`.
#
# Where a fixed rule fails
# ------------------------
# The sigmoid row above holds only the points that enter it within :math:`(-4, 4)^2`.
# Farther out :math:`\sigma'(y)` is tiny and the divergence is nearly singular at the
# end of the stage, where the blend's Jacobian :math:`1 - t + t\,\sigma'(y)` almost
# vanishes: the map squeezes them hard, and the log-density rises by up to the printed
# number of nats, most of it in
# the last instant. No rule of a few dozen fixed nodes resolves that, and
# ``motion_log_det`` says so instead of answering:
far = tf.constant(entering[4][~near], tf.float64)
far_log_det = flow64.stages[4].bijector.forward_log_det_jacobian(
    far, event_ndims=1
)
print(
    f"{len(far)} points outside (-4, 4)^2, log det down to {float(tf.reduce_min(far_log_det)):.1f}"
)
try:
    motion_log_det(flow64.stages[4].bijector, far)
except FloatingPointError as error:
    print(error)

# %%
# This is the continuous flow's cost in miniature: its log-density is only as good as
# the integration of its divergence, which is why :func:`flowdocs.cnf_flow` uses an
# adaptive solver with stated tolerances, and why the discrete stages, each with its
# log-determinant in closed form, are exact where the motion is stiff.
