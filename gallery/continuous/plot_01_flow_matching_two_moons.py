r"""
Flow matching learns two moons
==============================

A continuous flow moves every point along a velocity field :math:`v_\theta(t, z)`
from :math:`t = 0` (the Gaussian base) to :math:`t = 1` (the data). Flow matching
trains that field without ever solving its ODE: it regresses :math:`v_\theta(t, x_t)`
onto the velocity :math:`x_1 - x_0` of the straight line from a base point to a data
point (see :doc:`the theory page </theory/continuous_flows>`). Here it learns two
moons, and the checks of the rest of the site show that the density it ends with is
a density: total mass 1, samples that follow it, and an ODE log-density that a
finite-step version of equation 6 converges to.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# Train the field, no ODE solved
# ------------------------------
# :func:`flowdocs.cnf_flow` is a TFP ``TransformedDistribution`` whose bijector is
# ``tfb.FFJORD``: ``sample`` and ``log_prob`` integrate the ODE with a Dormand-Prince
# solver (tolerances 1e-4 here) and the exact trace of the field's Jacobian.
# :func:`flowdocs.fit_flow_matching` only evaluates the field: one forward pass per
# training triple :math:`(t, x_0, x_1)`.
import time

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
import tf_keras
from matplotlib.colors import LogNorm

import flowdocs
from flowdocs import checks
from flowdocs.continuous import euler_flow, euler_path
from flowdocs.plotting import (
    DENSITY_CMAP,
    DENSITY_DECADES,
    point_colors,
    quadrant_of,
)

STEPS = 5000
moons = flowdocs.two_moons(noise=0.1)
data = moons.sample(20_000, seed=(0, 1))
held_out = moons.sample(1000, seed=(0, 2))
model = flowdocs.cnf_flow(
    hidden_units=(64, 64, 64), seed=0, rtol=1e-4, atol=1e-4
)
start = time.perf_counter()
loss = flowdocs.fit_flow_matching(
    model,
    data,
    steps=STEPS,
    batch_size=512,
    learning_rate=tf_keras.optimizers.schedules.CosineDecay(5e-3, STEPS),
    seed=0,
    progress=False,
    jit_compile=True,
)
train_seconds = time.perf_counter() - start
velocity = model.bijector.velocity
weights = sum(int(np.prod(w.shape)) for w in velocity.trainable_variables)
print(f"{weights} weights, {STEPS} steps in {train_seconds:.1f} s")
print(
    f"flow-matching loss: first 100 steps {loss[:100].mean():.3f},"
    f" last 100 {loss[-100:].mean():.3f}"
)

# %%
# The loss does not go to zero, and should not: many straight lines cross at the same
# :math:`(t, x_t)` with different velocities, and the field can only learn their
# average, the marginal velocity. What is left is the spread of the conditional
# velocities around it.
#
# From noise to moons
# -------------------
# Carrying 2,000 base points along the learned field (here with 64 Euler steps of
# :func:`flowdocs.continuous.euler_path`, so that the intermediate times can be drawn)
# turns the round cloud into the moons. The arrows are the field at that time; each
# point keeps the colour of its base point's quadrant.
base = model.distribution.sample(2000, seed=(0, 3))
groups = quadrant_of(base.numpy(), np.zeros(2))
colors = point_colors(groups, len(groups))
times = [0.0, 0.25, 0.5, 0.75, 1.0]
paths = euler_path(velocity, base, 64).numpy()[::16]  # t = 0, 1/4, ..., 1
arrows = np.stack(
    np.meshgrid(np.linspace(-2.4, 2.4, 13), np.linspace(-1.8, 1.8, 10)),
    -1,
)
fig, axes = plt.subplots(
    1,
    5,
    figsize=(13, 3.1),
    sharex=True,
    sharey=True,
    layout="constrained",
)
for ax, t, points in zip(axes, times, paths, strict=True):
    v = velocity(
        t, tf.constant(arrows.reshape(-1, 2), tf.float32)
    ).numpy()
    ax.quiver(
        *arrows.reshape(-1, 2).T,
        *v.T,
        color="0.45",
        angles="xy",
        width=0.004,
    )
    ax.scatter(*points.T, s=2, c=colors, linewidths=0, alpha=0.7)
    ax.set_title(f"$t = {t:g}$")
    ax.set_aspect("equal")
    ax.set_xlim(-2.5, 2.5)
    ax.set_ylim(-1.9, 1.9)
axes[0].set_ylabel("$z_b$")
for ax in axes:
    ax.set_xlabel("$z_a$")

# %%
# The exact density, and the held-out NLL
# ---------------------------------------
# ``model.log_prob`` solves the ODE backwards from each point, with the log-density
# obeying :math:`d \log p / dt = -\operatorname{tr} \partial v / \partial z`. On a grid
# it gives the learned density, beside the true one.
log_prob = tf.function(model.log_prob)
a, b = np.linspace(-2.5, 2.5, 80), np.linspace(-1.75, 1.75, 56)
grid = np.stack(np.meshgrid(a, b), -1).reshape(-1, 2).astype(np.float32)
learned = np.exp(log_prob(grid).numpy()).reshape(56, 80)
true = np.exp(moons.log_prob(grid).numpy()).reshape(56, 80)
top = max(learned.max(), true.max())
norm = LogNorm(top / 10**DENSITY_DECADES, top)
fig, axes = plt.subplots(
    1, 2, figsize=(9, 3.4), sharey=True, layout="constrained"
)
for ax, density, title in zip(
    axes, (true, learned), ("true density", "flow matching"), strict=True
):
    image = ax.pcolormesh(
        a, b, np.maximum(density, norm.vmin), norm=norm, cmap=DENSITY_CMAP
    )
    ax.set_title(title)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_a$")
axes[0].set_ylabel("$x_b$")
fig.colorbar(image, ax=axes, label="density", shrink=0.9)

model_nll = -float(tf.reduce_mean(log_prob(held_out)))
true_nll = -float(tf.reduce_mean(moons.log_prob(held_out)))
print(f"{'':>16} {'held-out NLL':>12} {'weights':>8} {'train s':>8}")
print(f"{'true density':>16} {true_nll:12.3f} {'':>8} {'':>8}")
print(
    f"{'flow matching':>16} {model_nll:12.3f} {weights:8d} {train_seconds:8.1f}"
)

# %%
# The checks on a continuous flow
# -------------------------------
# The same checks as for every discrete flow: the mass of :math:`\exp(\log p)` over a
# box that holds the moons, and a histogram of 1,000 of the flow's own samples (drawn
# by solving the ODE forwards) against the counts its density predicts (solving it
# backwards): the largest standardised deviation :math:`|O - E| / \sqrt{E}` of a bin,
# which for a few dozen bins of a sample that follows the density is rarely above 3.
box = ((-2.5, 2.5), (-1.75, 1.75))
mass = checks.probability_mass(model, box, resolution=(60, 42))
samples = model.sample(1000, seed=(0, 4))
agreement = checks.histogram_agreement(
    model, samples, box, bins=(10, 7), subdivisions=4
)
print(f"mass on the box: {mass:.4f}")
print(
    f"histogram: largest |z| {agreement.max_abs_z:.2f} over {agreement.bins_used} bins"
)

# %%
# Equation 6 in many small steps
# ------------------------------
# :func:`flowdocs.continuous.euler_flow` replaces the ODE by :math:`K` Euler steps
# :math:`z \mapsto z + h\, v(t, z)`, each a map with its own exact log-determinant, and
# sums them as equation 6 does. As :math:`K` grows, its log-density at the points it
# reaches tends to the ODE's, the gap halving with every doubling of :math:`K` (Euler's
# error is of order :math:`h`). Its samples tend to the flow's: their energy distance
# (:func:`flowdocs.checks.energy_distance`) to
# the held-out data (0 for equal distributions; here both samples have 1,000 points)
# falls until it reaches that of the ODE solver's own samples, which is not 0 only
# because both samples are finite. The printed numbers say from how many steps on.


counts = [1, 2, 4, 8, 16, 32, 64]
reference = held_out.numpy()
ends, euler_log_ps, distances = [], [], []
for steps in counts:
    end, log_det = euler_flow(velocity, base[:1000], steps)
    ends.append(end[:300])
    euler_log_ps.append(
        model.distribution.log_prob(base[:300]) - log_det[:300]
    )
    distances.append(checks.energy_distance(end.numpy(), reference))
# One ODE solve for the end points of every K at once.
ode_log_ps = tf.split(log_prob(tf.concat(ends, axis=0)), len(counts))
gaps = [
    float(tf.reduce_mean(tf.abs(e - o)))
    for e, o in zip(euler_log_ps, ode_log_ps, strict=True)
]
for steps, gap, distance in zip(counts, gaps, distances, strict=True):
    print(
        f"K = {steps:3d}: mean |Euler log p - ODE log p| {gap:.4f}, energy distance {distance:.4f}"
    )
print(
    f"ODE samples: energy distance {checks.energy_distance(samples.numpy(), reference):.4f}"
)

fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
axes[0].loglog(counts, gaps, "o-")
axes[0].set_title("log-density: Euler steps against the ODE")
axes[0].set_ylabel(r"mean $|\log p_K - \log p|$ (nats)")
axes[1].loglog(counts, distances, "o-", label="Euler, $K$ steps")
axes[1].axhline(
    checks.energy_distance(samples.numpy(), reference),
    color="0.4",
    ls="--",
    label="ODE solver",
)
axes[1].set_title("samples against held-out data")
axes[1].set_ylabel("energy distance")
axes[1].legend()
for ax in axes:
    ax.set_xlabel("solver steps $K$")
    ax.grid(alpha=0.3, which="both")

# sphinx_gallery_thumbnail_number = 1
# sphinx_gallery_thumbnail_panel = 4
