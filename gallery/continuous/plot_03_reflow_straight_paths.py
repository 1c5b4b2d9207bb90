r"""
Straight paths need fewer steps: one pass of reflow
===================================================

Flow matching regresses the field onto straight lines from base points to data points,
but paired at random, so the lines cross and the learned field, their average, bends:
its paths are curves, and a sampler with few Euler steps cuts the corners. *Reflow*
(Liu et al., 2023, rectified flow) fixes the pairing: carry base points along the
learned field, and train a new field on those pairs, which no longer cross. Its paths
are nearly straight, and a straight path run at constant speed is followed exactly by a
single Euler step.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# The first field, and the pairs it makes
# ---------------------------------------
# The first field is trained as on :doc:`the flow-matching page
# <plot_01_flow_matching_two_moons>`, here for 4,000 steps: base points and data points
# paired at random. Then 20,000 fresh base points are carried along it by 64 Euler
# steps (:func:`flowdocs.continuous.euler_flow`), which that page showed is as good a
# sampler as the ODE solver; each base point and the point it reaches form a pair.
# The second field is trained on those pairs, the same way and for as many steps:
# :func:`flowdocs.fit_flow_matching` takes the base point of every data point through
# ``base_points``.
import time

import matplotlib.pyplot as plt
import numpy as np
import tf_keras

import flowdocs
from flowdocs import checks
from flowdocs.continuous import euler_flow, euler_log_prob, euler_path

STEPS, PAIRS = 4000, 20_000
moons = flowdocs.two_moons(noise=0.1)
data = moons.sample(PAIRS, seed=(0, 1))
held_out = moons.sample(2000, seed=(0, 2)).numpy()


def trained(targets, base_points=None):
    """A continuous flow trained by flow matching, and the seconds it took."""
    model = flowdocs.cnf_flow(hidden_units=(64, 64, 64), seed=0)
    start = time.perf_counter()
    flowdocs.fit_flow_matching(
        model,
        targets,
        steps=STEPS,
        batch_size=512,
        learning_rate=tf_keras.optimizers.schedules.CosineDecay(
            5e-3, STEPS
        ),
        seed=0,
        progress=False,
        jit_compile=True,
        base_points=base_points,
    )
    return model, time.perf_counter() - start


first, first_seconds = trained(data)
base = first.distribution.sample(PAIRS, seed=(0, 5))
reached, _ = euler_flow(first.bijector.velocity, base, 64)
reflowed, reflow_seconds = trained(reached, base_points=base)
fields = {"flow matching": first, "after one reflow": reflowed}
print(
    f"training: {first_seconds:.1f} s, then {reflow_seconds:.1f} s for the reflow"
)

# %%
# The paths
# ---------
# Forty base points carried along each field by 32 Euler steps
# (:func:`flowdocs.continuous.euler_path`), every step drawn: the
# first field's paths bend, the reflowed field's run nearly straight from start to end
# (in grey, where all 2,000 of the paths below end).
start = first.distribution.sample(2000, seed=(0, 3))


paths = {
    name: euler_path(model.bijector.velocity, start, 32).numpy()
    for name, model in fields.items()
}
fig, axes = plt.subplots(
    1,
    2,
    figsize=(10, 3.5),
    sharex=True,
    sharey=True,
    layout="constrained",
)
for ax, (name, points) in zip(axes, paths.items(), strict=True):
    ax.scatter(*points[-1].T, s=2, color="0.75", linewidths=0)
    ax.plot(points[:, :40, 0], points[:, :40, 1], color="#0072B2", lw=0.8)
    ax.scatter(
        *points[0, :40].T,
        s=8,
        color="#0072B2",
        zorder=3,
        label="base point",
    )
    ax.scatter(
        *points[-1, :40].T,
        s=8,
        color="#D55E00",
        zorder=3,
        label="end point",
    )
    ax.set_title(name)
    ax.set_aspect("equal")
    ax.set_xlabel("$z_a$")
axes[0].set_ylabel("$z_b$")
axes[0].legend(loc="lower left", fontsize="small")
plt.show()

# sphinx_gallery_thumbnail_number = 1
# sphinx_gallery_thumbnail_panel = 1

# %%
# How straight: the mean squared gap between the velocity along a path and the chord
# from its start to its end, :math:`\mathrm{E} \int_0^1 \lVert (x_1 - x_0) - v(t,
# x_t)\rVert^2 dt` (Liu et al.'s straightness), 0 for paths that are straight lines run
# at constant speed; on the 2,000 paths above, from their 32 steps:
for name, points in paths.items():
    chord = points[-1] - points[0]
    steps = np.diff(points, axis=0) * (
        len(points) - 1
    )  # the velocity of every step
    straightness = np.mean(np.sum((steps - chord) ** 2, axis=-1))
    print(f"{name:>18}: straightness {straightness:.4f}")

# %%
# Sample quality against the number of steps
# ------------------------------------------
# The energy distance (:func:`flowdocs.checks.energy_distance`) from 2,000 samples made
# with :math:`K` Euler steps to 2,000 held-out data points, for each field, from the
# same base points. Two finite samples of the *same* distribution are not at distance
# 0: the floor, printed last, is the distance of 2,000 fresh points of the true two
# moons to the same held-out points, and no sampler can be told apart from the truth
# below it. The reflowed field is only as good as the pairs it learned from, the
# first field's 64-step samples, so with many steps the two agree; with few, the
# straight paths win.
counts = (1, 2, 4, 8, 16, 64)
distances = {
    name: [
        checks.energy_distance(
            euler_path(model.bijector.velocity, start, k)[-1].numpy(),
            held_out,
        )
        for k in counts
    ]
    for name, model in fields.items()
}
print(f"{'K':>4}" + "".join(f"{name:>20}" for name in fields))
for i, k in enumerate(counts):
    print(
        f"{k:>4}"
        + "".join(f"{distances[name][i]:>20.4f}" for name in fields)
    )
floor = checks.energy_distance(
    moons.sample(2000, seed=(0, 9)).numpy(), held_out
)
print(f"floor: 2,000 fresh points of the true two moons: {floor:.4f}")

fig, ax = plt.subplots(figsize=(6.0, 3.6), layout="constrained")
for (name, values), marker in zip(
    distances.items(), ("o-", "s--"), strict=True
):
    ax.loglog(counts, values, marker, label=name)
ax.set_xlabel("Euler steps $K$")
ax.axhline(floor, color="0.4", ls=":", label="true two moons (the floor)")
ax.set_ylabel("energy distance to held-out data")
ax.grid(alpha=0.3, which="both")
ax.legend()
plt.show()

# %%
# The likelihood against the number of steps
# ------------------------------------------
# A sampler of :math:`K` Euler steps has no density of its own that is cheap to
# evaluate, but the same discretisation run the other way has:
# :func:`flowdocs.continuous.euler_log_prob` carries each held-out point back to the
# base by :math:`K` Euler steps of the reversed field, a discrete flow of :math:`K`
# maps, and scores it by equation 6 with each step's exact log-determinant. That is
# a density only where every step is invertible, which a long step need not be; its
# mass on a box around the moons (:func:`flowdocs.checks.probability_mass`) says where
# it is one. The held-out NLL and that mass against :math:`K`, beside the true
# density's NLL:
true_nll = -float(np.mean(moons.log_prob(held_out)))
box = ((-2.5, 2.5), (-1.75, 1.75))
nll, mass = {}, {}
for name, model in fields.items():
    nll[name] = [
        -float(np.mean(euler_log_prob(model, held_out, k)))
        for k in counts
    ]
    mass[name] = [
        checks.probability_mass(
            lambda u, k=k, model=model: euler_log_prob(
                model, u.astype("float32"), k
            ).numpy(),
            box,
            resolution=(60, 42),
        )
        for k in counts
    ]
print(f"{'':4}" + "".join(f"{name:>26}" for name in fields))
print(f"{'K':>4}" + f"{'NLL':>16}{'mass':>10}" * len(fields))
for i, k in enumerate(counts):
    print(
        f"{k:>4}"
        + "".join(
            f"{nll[name][i]:>16.3f}{mass[name][i]:>10.3f}"
            for name in fields
        )
    )
print(f"true density: NLL {true_nll:.3f}")

fig, ax = plt.subplots(figsize=(6.0, 3.6), layout="constrained")
for (name, values), marker in zip(
    nll.items(), ("o-", "s--"), strict=True
):
    ax.semilogx(counts, values, marker, label=name)
ax.axhline(true_nll, color="0.4", ls=":", label="true density")
ax.set_xticks(counts, [str(k) for k in counts])
ax.minorticks_off()
ax.set_xlabel("Euler steps $K$")
ax.set_ylabel("held-out NLL (nats)")
ax.grid(alpha=0.3, which="both")
ax.legend()
plt.show()

# %%
# With one or two steps the first field's steps fold the plane over itself: the mass
# is well above 1, so the "NLL" there is only a score, not the likelihood of a
# density. From four steps on both are densities, and the first field's NLL falls
# as :math:`K` grows, as its distance to the data does. The reflowed field is a density from a
# single step, and its NLL hardly moves with :math:`K`: its paths are nearly straight,
# so one step already follows them. Neither reaches the true density's NLL: the reflow
# learned from the first field's samples, errors included, and cannot be closer to
# the data than they are.
#
# One reflow trades a second training run and one pass of sampling for a field whose
# one-step samples are about as close to the data as the first field's sixty-four-step
# ones, both within a few times the floor, where 2,000 points barely tell a sampler from
# the truth.
# The reflowed field can be no better than its pairs: they are the first field's own
# samples, with whatever error those have, and a difference between the two fields
# smaller than the floor is not a difference this measurement can see.
