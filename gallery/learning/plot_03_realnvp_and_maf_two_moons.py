r"""
RealNVP and a masked autoregressive flow learn two moons
========================================================

The five-stage flow has six parameters (:math:`c_0, c_1, d_0, d_1, e, \theta`) and one
shape it can take. A flow that learns any shape needs maps with many parameters, and it
still needs, for equation 6, a log-determinant that is cheap to compute. Two families of
flows get both, in two ways: RealNVP (Dinh et al., 2017) stacks *coupling layers*, and
the masked autoregressive flow (MAF, Papamakarios et al., 2017) stacks *autoregressive
layers*. Here one of each learns the same data, with the same depth, widths, steps and
minibatches, and their negative log-likelihood on held-out data compares them.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# Two moons
# ---------
# The data are made here, with no download: :func:`flowdocs.two_moons` is an equal
# mixture of Gaussians of standard deviation 0.1 centred along two interleaved half
# circles. The training and held-out points are drawn from that mixture, so their true
# density is known exactly, and it gives the best held-out negative log-likelihood (NLL)
# any model can reach on average.
import matplotlib.pyplot as plt
import numpy as np
import tf_keras
from matplotlib.colors import LogNorm

import flowdocs
from flowdocs import checks
from flowdocs.plotting import (
    DENSITY_CMAP,
    DENSITY_DECADES,
    QUADRANT_COLORS,
    quadrant_of,
    training_curves,
)

moons = flowdocs.two_moons(noise=0.1)
train = moons.sample(6000, seed=(0, 0)).numpy()
held_out = moons.sample(4000, seed=(0, 1)).numpy()
true_nll = -np.mean(moons.log_prob(held_out))
true_train_nll = -np.mean(moons.log_prob(train))
print(f"NLL under the true density, held out: {true_nll:.4f} nats")
print(f"NLL under the true density, training: {true_train_nll:.4f} nats")

# %%
# Two ways to keep the log-determinant cheap
# ------------------------------------------
# Both kinds of layer shift and scale a coordinate by amounts, :math:`t` and
# :math:`\exp(s)`, that a small neural network computes from other coordinates, so both
# have a triangular Jacobian, whose log-determinant is the sum of the log-scales
# :math:`s`, however large the network.
#
# - A **coupling layer** (``tfp.bijectors.RealNVP``) keeps one coordinate as it is and
#   moves the other: :math:`(z_a,\ z_b \exp(s(z_a)) + t(z_a))`. Layers alternate which
#   coordinate they move, by a permutation (``tfp.bijectors.Permute``) that swaps the
#   coordinates before the coupling and back after it.
# - An **autoregressive layer** (``tfp.bijectors.MaskedAutoregressiveFlow``) moves every
#   coordinate, each from the ones before it in the layer's order:
#   :math:`y_a = z_a \exp(s_a) + t_a` with learned constants, then
#   :math:`y_b = z_b \exp(s_b(y_a)) + t_b(y_a)`. Its network is a MADE (Germain et al.,
#   2015; ``tfp.bijectors.AutoregressiveNetwork``), whose weights are masked so that the
#   outputs for :math:`y_b` see only :math:`y_a`. Layers alternate the order.
#
# The two directions cost differently. A coupling layer inverts in one pass of its
# network. An autoregressive layer scores a point in one pass too, since every
# conditioning coordinate is known, but samples one coordinate after the other, one pass
# each: two here, as many as the dimensions in general. Training by maximum likelihood
# only scores points, which is why MAF was made for it.
#
# :func:`flowdocs.realnvp_flow` and :func:`flowdocs.maf_flow` build both on a standard
# normal base, here with five layers whose networks have two hidden layers of 32 units,
# weights drawn from a seed. Every log-scale is bounded softly to :math:`\pm 3`, so
# that no early step can blow a scale up to infinity.
flows = {
    "RealNVP": flowdocs.realnvp_flow(
        couplings=5, hidden_units=(32, 32), seed=0
    ),
    "MAF": flowdocs.maf_flow(layers=5, hidden_units=(32, 32), seed=0),
}
for name, flow in flows.items():
    variables = flow.distribution.trainable_variables
    weights = sum(v.shape.num_elements() for v in variables)
    print(f"{name}: {len(flow.stages)} layers, {weights:,} weights")
print("(the masks of MADE keep some of MAF's weights at zero)")

# %%
# Train both the same way
# -----------------------
# The same 800 Adam steps for both, each on 1,024 training points drawn at random from
# the same seed, so both see the same minibatches in the same order, and a learning
# rate that decays from 0.01 along a cosine.
schedule = tf_keras.optimizers.schedules.CosineDecay(
    0.01, decay_steps=800, alpha=0.05
)
histories = {
    name: flowdocs.fit(
        flow,
        train,
        steps=800,
        learning_rate=schedule,
        batch_size=1024,
        seed=0,
        progress=False,
    )
    for name, flow in flows.items()
}

# %%
# Held-out NLL compares the models
# --------------------------------
# The mean NLL of the held-out points estimates how far each model is from the true
# distribution: it exceeds the true density's by the model's Kullback-Leibler divergence
# from the data (the :term:`forward KL`), on average, and the difference between two
# models' held-out NLLs estimates the difference of their divergences, without knowing
# the truth (see :ref:`maximum-likelihood-page`). The
# training loss, averaged over the last 100 minibatches, is shown for comparison: it
# is measured on points the model was fitted to, so it tends to flatter the model.
head, row = "{:13}{:>14}{:>14}{:>17}", "{:13}{:14.4f}{:14.4f}{:17.4f}"
print(head.format("", "training NLL", "held-out NLL", "above the truth"))
print(row.format("true density", true_train_nll, true_nll, 0.0))
held_out_nll = {}
for name, flow in flows.items():
    held_out_nll[name] = -np.mean(flow.distribution.log_prob(held_out))
    training = histories[name][-100:].mean()
    gap = held_out_nll[name] - true_nll
    print(row.format(name, training, held_out_nll[name], gap))

# %%
# Both end above the truth on held-out data, by the amounts in the last column: five
# small layers trained for a few seconds cannot make the moons as thin as they are.
# With one seed and one budget this is an example, not a benchmark: to rank two
# families, train each from several seeds and compare the differences with the spread.
#
# The minibatch losses are noisy; the lines are their running means over 20 steps.
training_curves(
    {f"{name}, training loss": h for name, h in histories.items()},
    references={
        "true density, training data": true_train_nll,
        "true density, held-out data": true_nll,
    },
    smooth=20,
    title="RealNVP and MAF on two moons, trained alike",
)
plt.show()

# %%
# The learned densities
# ---------------------
# The true density and the two learned ones on one logarithmic colour scale, set by the
# truth: where a model puts too little density it looks paler. Each density is
# ``exp(log_prob)`` on a grid over the held-out data. A flow is a continuous,
# invertible map of the whole plane, so it cannot tear the Gaussian into two pieces:
# both keep some density between the moons, where the truth has almost none, and the
# model with the higher held-out NLL keeps more of it there.
low, high = held_out.min(axis=0), held_out.max(axis=0)
low, high = low - 0.1 * (high - low), high + 0.1 * (high - low)
a = np.linspace(low[0], high[0], 240)
b = np.linspace(low[1], high[1], 160)
grid = (
    np.stack(np.meshgrid(a, b), axis=-1).reshape(-1, 2).astype(np.float32)
)

models = {"true density": moons}
models |= {name: flow.distribution for name, flow in flows.items()}
densities = {
    name: np.exp(np.asarray(model.log_prob(grid), np.float64)).reshape(
        b.size, a.size
    )
    for name, model in models.items()
}
top = densities["true density"].max()
norm = LogNorm(vmin=top * 10.0**-DENSITY_DECADES, vmax=top)
cmap = DENSITY_CMAP.with_extremes(under="white")

# sphinx_gallery_thumbnail_number = 2
# sphinx_gallery_thumbnail_panel = 1
fig, axes = plt.subplots(
    1, 3, figsize=(11.0, 2.9), sharey=True, layout="constrained"
)
for ax, (name, density) in zip(axes, densities.items(), strict=True):
    image = ax.pcolormesh(a, b, density, norm=norm, cmap=cmap)
    score = (
        ""
        if name not in flows
        else f"\nheld-out NLL {held_out_nll[name]:.3f}"
    )
    ax.set_title(name + score, fontsize="medium")
    ax.set_xlabel("$x_a$")
    ax.set_aspect("equal")
axes[0].set_ylabel("$x_b$")
fig.colorbar(
    image, ax=axes, label="density (log scale)", extend="min", shrink=0.8
)
plt.show()

# %%
# Layer by layer
# --------------
# A learned flow is still a :class:`flowdocs.Flow`, so
# :meth:`~flowdocs.Flow.staged_samples` follows the same base points, on the left,
# through every layer of each flow, one flow a row. Each panel is framed on its own
# points, and each point keeps the colour of its base point's quadrant. A coupling
# layer moves the points along one axis only, the axes taking turns; an autoregressive
# layer moves them along both.
rows = [["base", *(f"{name} {k}" for k in range(1, 6))] for name in flows]
fig, axes = plt.subplot_mosaic(
    rows, figsize=(11.6, 4.6), layout="constrained"
)
for name, flow in flows.items():
    points = flow.staged_samples(1200, seed=0)
    colours = np.asarray(QUADRANT_COLORS)[quadrant_of(points[0])]
    for k, z in enumerate(points):
        ax = axes["base" if k == 0 else f"{name} {k}"]
        ax.scatter(z[:, 0], z[:, 1], s=2, c=colours, linewidths=0)
        low, high = np.quantile(z, [0.005, 0.995], axis=0)
        pad = 0.1 * (high - low)
        ax.set(xlim=(low[0] - pad[0], high[0] + pad[0]))
        ax.set(ylim=(low[1] - pad[1], high[1] + pad[1]))
        ax.set_title(
            "base $z_0$" if k == 0 else f"{name}, layer {k}",
            fontsize="small",
        )
        ax.tick_params(labelsize="x-small")
        ax.set_box_aspect(1)
fig.suptitle(
    "1,200 samples after each layer (colour: quadrant of the base point)"
)
plt.show()

# %%
# The same checks as the hand-built maps
# --------------------------------------
# Every layer of both flows passes the checks of the hand-built bijectors: its
# log-determinant against automatic differentiation, and a round trip through the map
# and back on a copy of the points (so that TFP's cache cannot answer instead).
for name, flow in flows.items():
    points = flow.staged_samples(500, seed=3)
    log_det = max(
        checks.log_det_error(stage.bijector, before)
        for stage, before in zip(flow.stages, points, strict=False)
    )
    round_trip = max(
        checks.round_trip_error(stage.bijector, before)
        for stage, before in zip(flow.stages, points, strict=False)
    )
    print(f"{name}, worst layer: log-det error {log_det:.1e}, ", end="")
    print(f"round-trip error {round_trip:.1e}")

# %%
# One coupling layer up close
# ---------------------------
# The first layer of the trained RealNVP keeps :math:`z_a` and moves :math:`z_b`: the
# network reads only :math:`z_a` (the conditioning half) and returns the log-scale
# :math:`s(z_a)` and shift :math:`t(z_a)` for the other half. So every vertical line of
# a grid stays a vertical line at the same :math:`z_a`, stretched by
# :math:`\exp(s(z_a))` and moved by :math:`t(z_a)` along it. The two functions are read
# off the layer itself: a point :math:`(z_a, 0)` lands at height :math:`t(z_a)`, and a
# point :math:`(z_a, 1)` at :math:`t(z_a) + \exp(s(z_a))`.
layer = flows["RealNVP"].stages[0]
ticks = np.linspace(-2.5, 2.5, 11)  # where the grid lines cross the axes
along = np.linspace(-2.5, 2.5, 101)  # the points that draw one line
steady = np.full_like(along, 1.0)
columns = [np.stack([a * steady, along], -1) for a in ticks]  # z_a fixed
rows = [np.stack([along, b * steady], -1) for b in ticks]  # z_b fixed
hues = plt.get_cmap("viridis")(np.linspace(0.0, 0.9, len(ticks)))

fig, axes = plt.subplot_mosaic(
    [["before", "after"], ["s and t", "s and t"]],
    figsize=(7.4, 7.0),
    height_ratios=[1.2, 1.0],
    layout="constrained",
)
maps = {"before": lambda z: z, "after": layer.bijector.forward}
for key, move in maps.items():
    ax = axes[key]
    for line in rows:
        drawn = np.asarray(move(line.astype("float32")))
        ax.plot(*drawn.T, color="0.75", lw=0.8)
    for line, hue in zip(columns, hues, strict=True):
        drawn = np.asarray(move(line.astype("float32")))
        ax.plot(*drawn.T, color=hue, lw=1.6)
    ax.set(xlabel="$z_a$ (kept; conditions)", ylabel="$z_b$ (moved)")
    ax.grid(alpha=0.3)
axes["before"].set_title("a grid of the plane")
axes["after"].set_title(f"after {layer.name}: ${layer.symbol}$")

# t(z_a) is where (z_a, 0) lands; exp(s(z_a)) is how far (z_a, 1) lands above it.
bottom = np.stack([along, 0 * steady], -1).astype("float32")
top = np.stack([along, steady], -1).astype("float32")
shift = np.asarray(layer.bijector.forward(bottom))[:, 1]
scale = np.asarray(layer.bijector.forward(top))[:, 1] - shift
ax = axes["s and t"]
ax.plot(along, np.log(scale), color="#0072B2", lw=2, label="$s(z_a)$")
ax.plot(along, shift, color="#D55E00", lw=2, label="$t(z_a)$")
ax.set(
    xlabel="$z_a$", title="the log-scale and shift computed from $z_a$"
)
ax.grid(alpha=0.3)
ax.legend(fontsize="small")
fig.suptitle("A coupling layer: one half conditions, the other moves")
plt.show()

# %%
# Its log-determinant is :math:`s(z_a)`, the log-scale of the one coordinate that
# moves, so it is as cheap as the network. Checked on the grid points: the kept half
# comes out exactly as it went in, and the log-det agrees with automatic
# differentiation.
grid = np.concatenate(columns).astype("float32")
kept = np.asarray(layer.bijector.forward(grid))[:, 0]
print(f"largest change of z_a: {np.max(np.abs(kept - grid[:, 0])):.1e}")
print(
    f"log-det error on the grid: {checks.log_det_error(layer.bijector, grid):.1e}"
)
