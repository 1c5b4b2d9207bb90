r"""
The five families side by side on two moons
===========================================

NICE, RealNVP, MAF, IAF and a neural spline flow learn the same two moons, from the
same minibatches, with about the same number of weights, and are compared on held-out
data: negative log-likelihood, weights and training time in one table, their densities
in one row, and their layers one at a time. :doc:`The checkerboard page
<plot_07_five_families_checkerboard>` does the same on a harder target.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# Five flows of about the same size
# ---------------------------------
# Each flow is one of the constructors of ``flowdocs`` on a standard normal base, its
# networks two hidden layers of 32 units, and each flow between 3,400 and 3,900
# weights:
#
# - **NICE**: 3 additive couplings, :math:`z_B + m(z_A)`, each of Jacobian
#   determinant 1, then one learned diagonal scaling, the only stage that changes
#   volume;
# - **RealNVP**: 3 affine couplings, :math:`z_B \exp(s(z_A)) + t(z_A)`;
# - **MAF** and **IAF**: 3 affine autoregressive layers each, the same maps, but MAF's
#   network reads the data side and IAF's the base side, so MAF scores in one pass and
#   IAF samples in one (each needs two passes, one per coordinate, the other way);
# - **spline**: 2 couplings whose element-wise maps are monotone rational-quadratic
#   splines of 8 bins, so each coordinate is moved once by a flexible curve.
#
# The data are those of :doc:`the RealNVP and MAF page
# <plot_03_realnvp_and_maf_two_moons>`: 6,000 training and 4,000 held-out points of
# :func:`flowdocs.two_moons`, whose true density gives the best held-out NLL possible.
import time

import matplotlib.pyplot as plt
import numpy as np
import tf_keras

import flowdocs
from flowdocs.plotting import QUADRANT_COLORS, quadrant_of
from flowdocs.plotting.images import density_map, density_row

moons = flowdocs.two_moons(noise=0.1)
train = moons.sample(6000, seed=(0, 0)).numpy()
held_out = moons.sample(4000, seed=(0, 1)).numpy()
hidden = (32, 32)
flows = {
    "NICE": flowdocs.nice_flow(couplings=3, hidden_units=hidden, seed=0),
    "RealNVP": flowdocs.realnvp_flow(
        couplings=3, hidden_units=hidden, seed=0
    ),
    "MAF": flowdocs.maf_flow(layers=3, hidden_units=hidden, seed=0),
    "IAF": flowdocs.iaf_flow(layers=3, hidden_units=hidden, seed=0),
    "spline": flowdocs.spline_flow(
        couplings=2, hidden_units=hidden, seed=0
    ),
}

# %%
# Trained alike
# -------------
# 600 Adam steps for every flow, each on 512 training points drawn from the same seed,
# so all five see the same minibatches in the same order, with a step size decaying
# from 0.01 along a cosine. The time of each fit includes building its compiled
# training step, which for the spline's many small operations is most of it.
seconds = {}
for name, flow in flows.items():
    start = time.perf_counter()
    flowdocs.fit(
        flow,
        train,
        steps=600,
        learning_rate=tf_keras.optimizers.schedules.CosineDecay(
            0.01, 600, alpha=0.05
        ),
        batch_size=512,
        seed=0,
        progress=False,
    )
    seconds[name] = time.perf_counter() - start

# %%
# One table
# ---------
# The held-out NLL in nats, and how far above the true density's it is: on average the
# model's :term:`forward KL` from the data (see :ref:`maximum-likelihood-page`).
true_nll = -np.mean(moons.log_prob(held_out))
print(
    f"{'':14}{'held-out NLL':>13}{'above truth':>13}{'weights':>9}{'train s':>9}"
)
print(f"{'true density':14}{true_nll:13.3f}{0:13.3f}")
nll = {}
for name, flow in flows.items():
    nll[name] = -np.mean(flow.distribution.log_prob(held_out))
    weights = sum(
        v.shape.num_elements()
        for v in flow.distribution.trainable_variables
    )
    print(
        f"{name:14}{nll[name]:13.3f}{nll[name] - true_nll:13.3f}"
        f"{weights:9,}{seconds[name]:9.1f}"
    )

# %%
# With one seed and one short budget this ranks the four affine families for nothing:
# MAF and IAF are built from layers of the same form, yet land a tenth of a nat or more
# apart (printed below), as far as a change of seed or step size can move one of them.
# The spline's lead is the one difference that stands out: with two layers it comes
# closer to the truth than the best of the others, by the factor printed, for the
# longest training time.
affine = min((n for n in flows if n != "spline"), key=nll.get)
gap, spline_gap = nll[affine] - true_nll, nll["spline"] - true_nll
print(f"nearest affine family: {affine}, {gap:.3f} nats above the truth")
print(
    f"spline: {spline_gap:.3f} nats above, {gap / spline_gap:.1f} times closer"
)
print(f"MAF against IAF: {abs(nll['MAF'] - nll['IAF']):.3f} nats apart")

# %%
# The densities
# -------------
# ``exp(log_prob)`` on a grid, every map on the true density's linear colour scale:
# darker where a model puts more density. Every flow keeps a faint bridge between the
# arcs (see :doc:`plot_05_what_a_flow_cannot_do`).
BOX = ((-2.0, 2.0), (-1.4, 1.4))
models = {"true density": moons} | {
    name: f.distribution for name, f in flows.items()
}
maps = [density_map(model, BOX, 120)[0] for model in models.values()]
titles = ["true density"] + [
    f"{name}\nNLL {nll[name]:.3f}" for name in flows
]
# sphinx_gallery_thumbnail_panel = 5
density_row(maps, BOX, titles, panel_size=2.6, columns=3)
plt.show()

# %%
# Layer by layer
# --------------
# The same 1,500 base points through every stage of each flow, one flow a row
# (:meth:`flowdocs.Flow.staged_samples`), each point coloured by its base quadrant.
# NICE's couplings slide the points along one axis each, without changing areas, and
# its last stage scales the axes; RealNVP's also stretch; the autoregressive layers
# move both coordinates; the spline's two curves bend the plane in two moves.
depth = max(len(flow.stages) for flow in flows.values())
fig, axes = plt.subplots(
    len(flows),
    depth + 1,
    figsize=(1.9 * (depth + 1), 1.9 * len(flows)),
    layout="constrained",
)
for row, (name, flow) in zip(axes, flows.items(), strict=True):
    points = flow.staged_samples(1500, seed=0)
    colours = np.asarray(QUADRANT_COLORS)[quadrant_of(points[0])]
    for k, ax in enumerate(row):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= len(points):
            ax.axis("off")
            continue
        ax.scatter(*points[k].T, s=1, c=colours, linewidths=0)
        ax.set_box_aspect(1)
        stage = "base" if k == 0 else flow.stages[k - 1].name
        ax.set_title(stage.replace("_", " "), fontsize="small")
    row[0].set_ylabel(name)
plt.show()
