r"""
Why training never finds a log-det that is off by one
=====================================================

The original post's shift-and-cube returned a log-determinant of 1 where the truth is 0
(its Jacobian is unit lower triangular). Every density of that flow is :math:`\exp(1)`
times too small, its total probability is :math:`\exp(-1)`, and yet a flow trained with it
learns exactly what the correct flow learns. Here we train both, side by side, to see
why, and then find the bug the only way it can be found: by checking the
normalisation.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# The defect as a bijector
# ------------------------
# A test double for this page, not part of the library: the correct
# :class:`flowdocs.ShiftAndCube` with its log-determinant replaced by the constant 1 in
# the forward direction, and so by -1 in the inverse direction that ``log_prob`` uses.
import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
import tf_keras

import flowdocs
from flowdocs import checks
from flowdocs.plotting import parameter_paths, training_curves


class LogDetOfOne(flowdocs.ShiftAndCube):
    """The right shear, with log|det J| reported as 1 instead of 0."""

    def _forward_log_det_jacobian(self, x):
        return tf.ones([], dtype=x.dtype)

    def _inverse_log_det_jacobian(self, y):
        return -tf.ones([], dtype=y.dtype)


# %%
# Two flows, one difference
# -------------------------
# The data are those of the previous example: samples of ``five_stage_flow(seed=0)``
# in float64, without the points that rounded onto the edge of the unit square. Both
# flows start from the same values, the angle chosen by the same scan over starting
# angles; the second has the defective shear.
true_flow = flowdocs.five_stage_flow(seed=0, dtype=tf.float64)
x, _ = true_flow.sample_and_log_prob(8000, seed=1)
x = x.numpy()
train = x[~np.any((x == 0.0) | (x == 1.0), axis=1)][:4000]


def fresh_flow(angle=0.0):
    """A trainable flow from the previous example's starting values."""
    return flowdocs.five_stage_flow(
        shift=(0.0, 0.0),
        scale=(1.0, 1.0),
        strength=1.0,
        angle=angle,
        trainable=True,
        dtype=tf.float64,
    )


correct = fresh_flow()
angles = np.linspace(0.0, 2.0 * np.pi, 360, endpoint=False)
flowdocs.best_start(
    correct, train, correct.stages[3].bijector.angle, angles
)
start = float(correct.stages[3].bijector.angle.numpy())

defective = fresh_flow(start)
stages = list(defective.stages)
stages[2] = dataclasses.replace(
    stages[2], bijector=LogDetOfOne(stages[2].bijector.strength)
)
defective = flowdocs.Flow(defective.base, stages)
print(f"both start at θ = {start:.4f} rad")


# %%
# Train both the same way
# -----------------------
# The same data, steps, learning-rate schedule and seed. ``trace_fn`` records the
# parameters before every step, so we can compare the two paths step by step.
def traced_parameters(flow):
    """A function returning the flow's parameters, for ``trace_fn``."""
    shift, scale, cube, rotation = (s.bijector for s in flow.stages[:4])

    def values():
        c, d = shift.shift, tf.convert_to_tensor(scale.scale)
        return {
            "c_0": c[0],
            "c_1": c[1],
            "d_0": d[0],
            "d_1": d[1],
            "e": tf.convert_to_tensor(cube.strength),
            r"\theta": tf.convert_to_tensor(rotation.angle),
        }

    return values


runs = {}
for name, flow in (
    ("correct log-det 0", correct),
    ("defective log-det 1", defective),
):
    schedule = tf_keras.optimizers.schedules.CosineDecay(
        0.01, decay_steps=2000, alpha=0.05
    )
    runs[name] = flowdocs.fit(
        flow,
        train,
        steps=2000,
        learning_rate=schedule,
        seed=0,
        progress=False,
        jit_compile=True,
        trace_fn=traced_parameters(flow),
    )

(loss_ok, path_ok), (loss_bad, path_bad) = runs.values()
offset = loss_bad - loss_ok
path_gap = max(
    np.max(np.abs(path_ok[name] - path_bad[name])) for name in path_ok
)
print(f"loss offset, smallest: {offset.min():.15f}")
print(f"loss offset, largest:  {offset.max():.15f}")
print(f"largest difference between the two parameter paths: {path_gap}")

# %%
# Identical paths, losses one nat apart
# -------------------------------------
# By equation 6 the defective flow's log-density is the correct one minus exactly 1 at
# every point, for every value of the parameters. A constant has no gradient, so Adam
# receives the same gradients, takes the same steps and walks the same path, to the
# last bit; only the loss it reports is 1 nat higher, all the way.

# sphinx_gallery_thumbnail_number = 1
# sphinx_gallery_thumbnail_panel = 1
training_curves(
    {name: loss for name, (loss, _) in runs.items()},
    zoom=0.5,
    title="The same training, with a correct and a defective log-det",
)
plt.show()

# %%
# The six parameters along the way: the defective run (dashed) lies exactly on the
# correct one.
parameter_paths(
    {
        name: {run: path[name] for run, (_, path) in runs.items()}
        for name in path_ok
    },
    title="Parameter paths of the two runs",
)
plt.show()

# %%
# What does reveal it: the total probability
# ------------------------------------------
# A density must integrate to 1. We integrate each trained flow's density right after
# the shear, where the distribution is a curved ridge, on a fine grid in the
# coordinates :math:`z_3` (the rotation and the sigmoid after it keep the total, with
# their correct log-dets). Nothing in training looks at this number, which is why a
# normalisation check belongs in every flow's tests.
ridge, resolution = ((-7.0, 7.0), (-1200.0, 1200.0)), (140, 4000)
for name, flow in (("correct", correct), ("defective", defective)):
    mass = checks.probability_mass(
        flow.distribution_after(3), ridge, resolution
    )
    print(f"{name:9} flow: total probability {mass:.4f}")
print(f"exp(-1) = {np.exp(-1.0):.4f}")
