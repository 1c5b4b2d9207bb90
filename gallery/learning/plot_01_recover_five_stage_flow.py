r"""
Learning the five-stage flow back from its samples
==================================================

So far the flow's parameters were given and we looked at what they do. Here we turn the
question around: keep only samples of the five-stage flow, forget its parameters, and
learn them back. Equation 6 scores every sample, :math:`\log p_X(x)`; the mean of minus
that score over the data, the negative log-likelihood (NLL), is the loss; and the
:term:`Adam` optimizer lowers it. Maximising the likelihood this way is what "training a
flow" means.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# Samples of a known flow
# -----------------------
# The data come from the flow of the previous sections, ``five_stage_flow(seed=0)``,
# drawn in float64. The sigmoid of the last stage squashes its input into the unit
# square, and far enough out the result rounds onto the edge, almost always at 1: the
# sigmoid returns exactly 1 above an input of about 36.7 in float64 (16.6 in float32)
# but exactly 0 only below about -708 (-87), as :ref:`TFP in practice
# <off-the-support>` measures. At such a point the flow's
# density is 0 (``log_prob`` is :math:`-\infty`), because no finite input maps to the
# edge, so maximum likelihood cannot use it: :func:`flowdocs.fit` refuses data with
# such points rather than move them somewhere they never were. Drawing in float64 makes
# them rare; we drop the few that remain, and say how many.
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
import tf_keras

import flowdocs
from flowdocs.plotting import density_fit, training_curves

true_flow = flowdocs.five_stage_flow(seed=0, dtype=tf.float64)
x, _ = true_flow.sample_and_log_prob(8000, seed=1)
x = x.numpy()
at_one, at_zero = np.any(x == 1.0, axis=1), np.any(x == 0.0, axis=1)
on_edge = at_one | at_zero
print(
    f"{on_edge.sum()} of {len(x):,} samples lie on the edge"
    f" ({at_one.sum()} at 1, {at_zero.sum()} at 0): dropped,"
    f" {on_edge.mean():.1%} of the data"
)
assert not at_zero.any(), "the text says every edge point is at 1"
x = x[~on_edge]
train, held_out = x[:4000], x[4000:]
true_nll = -np.mean(true_flow.distribution.log_prob(held_out))
print(f"{len(train):,} training and {len(held_out):,} held-out points")
print(
    f"NLL of the held-out points under the true flow: {true_nll:.4f} nats"
)

# %%
# A fresh flow to train
# ---------------------
# ``five_stage_flow(..., trainable=True)`` makes every parameter a variable: the shift
# :math:`c`, the strength :math:`e` and the angle :math:`\theta` directly, the scale
# :math:`d` through a softplus, so that it stays positive whatever the optimizer does.
# The fresh flow starts far from the truth: no shift, unit scales, :math:`e = 1`.
flow = flowdocs.five_stage_flow(
    shift=(0.0, 0.0),
    scale=(1.0, 1.0),
    strength=1.0,
    angle=0.0,
    trainable=True,
    dtype=tf.float64,
)


def parameters(flow):
    """The flow's parameters c, d, e and theta as NumPy values."""
    shift, scale, cube, rotation = (
        stage.bijector for stage in flow.stages[:4]
    )
    return {
        "c": tf.convert_to_tensor(shift.shift).numpy(),
        "d": tf.convert_to_tensor(scale.scale).numpy(),
        "e": tf.convert_to_tensor(cube.strength).numpy(),
        "θ": tf.convert_to_tensor(rotation.angle).numpy(),
    }


print(
    {name: np.round(value, 3) for name, value in parameters(flow).items()}
)

# %%
# Where to start the angle
# ------------------------
# Adam only walks downhill, so it finds the bottom of the valley it starts in, and the
# valley of the right angle is narrow. The S-shaped ridge of the data reaches some 37
# units out before the sigmoid, so turning it by a twentieth of a radian moves its far
# ends by about two units, more than twice its width. Started at a wrong angle, Adam
# spends its steps bending the other parameters around a misaligned ridge (a huge scale
# in place of the cube) and ends far above the truth.
#
# So before any training we try many starts, cheaply: :func:`flowdocs.best_start`
# scores the training data under the untrained flow at 360 angles, one per degree, and
# keeps the best. The scan repeats itself after half a turn: turning by :math:`\pi` and
# negating the shift gives the same flow (shown below), and the untrained shift is 0.
# It uses only the training data, so the score on the :term:`held-out data` stays
# fair.
rotation = flow.stages[3].bijector
angles = np.linspace(0.0, 2.0 * np.pi, 360, endpoint=False)
scores = flowdocs.best_start(flow, train, rotation.angle, angles)
start = float(rotation.angle.numpy())
true_angle = float(true_flow.stages[3].bijector.angle.numpy())
print(f"best starting angle: {start:.4f} rad")
print(f"true angle:          {true_angle:.4f} rad")

# sphinx_gallery_thumbnail_number = 1
fig, ax = plt.subplots(figsize=(7.4, 3.6), layout="constrained")
ax.semilogy(angles, scores, color="#0072B2", label="untrained flow")
for turn, label in ((0.0, "true angle, and plus π"), (np.pi, None)):
    ax.axvline(
        true_angle + turn, color="black", linestyle=":", label=label
    )
ax.axvline(
    start,
    color="#D55E00",
    linestyle="--",
    label=f"best start, θ = {start:.3f}",
)
ax.set_xlabel("starting angle θ (radians)")
ax.set_ylabel("training NLL (nats, log scale)")
ax.set_title("The untrained flow at 360 starting angles")
ax.legend(loc="lower center", fontsize="small")
ax.grid(alpha=0.3, which="both")
plt.show()

# %%
# Train
# -----
# :func:`flowdocs.fit` runs 6,000 Adam steps on all 4,000 training points at once
# (full batch), compiled with :term:`XLA` because this flow is made of many small element-wise
# operations, and returns the loss of every step. The learning rate starts at 0.01 and
# decays along a cosine: a constant rate keeps kicking the sharp ridge out of place, in
# spikes of up to a nat, right to the end.
schedule = tf_keras.optimizers.schedules.CosineDecay(
    0.01, decay_steps=6000, alpha=0.05
)
history = flowdocs.fit(
    flow,
    train,
    steps=6000,
    learning_rate=schedule,
    progress=False,
    jit_compile=True,
)
fitted_nll = -np.mean(flow.distribution.log_prob(held_out))
true_train_nll = -np.mean(true_flow.distribution.log_prob(train))
print(f"training NLL, fitted flow: {history[-1]:.4f} nats")
print(f"training NLL, true flow:   {true_train_nll:.4f} nats")
print(f"held-out NLL, fitted flow: {fitted_nll:.4f} nats")
print(f"held-out NLL, true flow:   {true_nll:.4f} nats")
print(f"difference:                {fitted_nll - true_nll:+.4f} nats")

# %%
# The loss falls by almost 50 nats in the first few hundred steps, as the strength and
# the scales grow into the ridge, then creeps down to the level of the true flow. On the
# training data it ends a little below the true flow: maximum likelihood fits these
# 4,000 points, noise included, better than the flow they came from. On held-out data
# the two are within a few thousandths of a nat. The training and held-out levels
# differ by the sampling noise of two sets of 4,000 points.

training_curves(
    {"training loss (fitted flow)": history},
    references={
        "true flow, training data": true_train_nll,
        "true flow, held-out data": true_nll,
        "fitted flow, held-out data": fitted_nll,
    },
    zoom=0.5,
    title="Learning the five-stage flow by maximum likelihood",
)
plt.show()

# %%
# Same distribution, other parameters
# -----------------------------------
# Some different parameters give exactly the same flow. Rotating by :math:`\pi` negates
# a point; the base Gaussian is symmetric and the shear :math:`z_b + e\,z_a^3` commutes
# with negation, so the flow with angle :math:`\theta + \pi` and shift :math:`-c` has
# the same distribution. Likelihood cannot tell the two apart: the scan above has two
# equally deep valleys, and training ends in the one it starts in. So we print the
# fitted parameters both ways, as fitted and turned by :math:`\pi` with the shift
# negated; one of the two is the learned version of the true parameters.
#
# Even that one is close to the truth, not equal to it, for two more reasons. The data
# are 4,000 random points, and any estimate carries their noise. And they lost the
# points that rounded onto the edge (the share printed at the top, all of them at 1),
# a cut on one side of the tails that makes them look a little lighter than they
# are, so a slightly smaller scale :math:`d_0` fits them best. The likelihood learns the
# distribution; the parameters follow only as far as the distribution pins them down.
fitted, true = parameters(flow), parameters(true_flow)
twin = flowdocs.five_stage_flow(
    shift=-fitted["c"],
    scale=fitted["d"],
    strength=fitted["e"],
    angle=(fitted["θ"] + np.pi) % (2 * np.pi),
    dtype=tf.float64,
)
print(f"{'':3}{'true':>18}{'fitted':>18}{'fitted, turned by π':>22}")
for name, value in parameters(twin).items():
    columns = (np.round(v, 3) for v in (true[name], fitted[name], value))
    print(f"{name:3}" + "".join(f"{c!s:>18}" for c in columns))
gap = np.max(
    np.abs(
        twin.distribution.log_prob(held_out)
        - flow.distribution.log_prob(held_out)
    )
)
print(
    f"largest change of a held-out log-density between the two: {gap:.1e}"
)

# %%
# The fitted density beside the true one
# --------------------------------------
# Both densities on one logarithmic colour scale, and samples of the fitted flow over
# the held-out data: the mass piled against the edges of the square, the S of the
# ridge and its turn all came back from the data alone.
samples, _ = flow.sample_and_log_prob(3000, seed=2)
density_fit(
    flow.distribution,
    held_out,
    samples=samples.numpy(),
    reference=true_flow.distribution,
    title="The five-stage flow: true, and learned from 4,000 samples",
)
plt.show()
