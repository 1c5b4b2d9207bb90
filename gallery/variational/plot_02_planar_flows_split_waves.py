r"""
Figure 3, continued: the split waves
====================================

The second half of Rezende and Mohamed's Figure 3: planar flows of :math:`K = 2`, 8 and
32 layers fitted by reverse KL to :math:`U_3` and :math:`U_4`, two sine waves split into
two branches, with the exact KL of every fit and, beside them, the same inverse
autoregressive flow of 180 weights as on the previous page. The recipe is
:doc:`the previous page's <plot_01_planar_flows_figure_3>`, run here on the other two
targets so that the two pages build side by side. :doc:`What annealing buys
<plot_04_what_annealing_buys>` runs the hardest of these fits once more without it.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# Eight fits and their KL
# -----------------------
# The same boxed targets (:func:`flowdocs.energy_target`, :math:`\log Z` by quadrature),
# the same planar flows and IAF from seed 0 (the IAF, as before, without XLA, whose
# compilation would cost it more than it saves), 2,000 Adam steps each with the step
# size falling from 0.02 to 0.001 along a cosine, the target annealed in over the first
# 600 steps (eq. :eq:`annealing`), and the KL of each fit from 20,000 of its own
# samples (:func:`flowdocs.kl_divergence`).
import functools
import time

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
import tf_keras

import flowdocs
from flowdocs.plotting.images import density_map, density_row

NAMES = ("U3", "U4")
targets = {name: flowdocs.energy_target(name) for name in NAMES}
BOX = targets["U3"].bounds
for name, target in targets.items():
    print(f"{name}: log Z = {target.log_normalizer:.9f}")

LAYERS = (2, 8, 32)
STEPS, ANNEAL, BATCH = 2000, 600, 256
PLANAR = {
    f"K = {k}": functools.partial(flowdocs.planar_flow, layers=k, seed=0)
    for k in LAYERS
}
FAMILIES = {
    **PLANAR,
    "IAF": functools.partial(
        flowdocs.iaf_flow, layers=3, hidden_units=(8,), seed=0
    ),
}


def fitted(target, family):
    """A flow of ``family`` fitted to ``target``, and the seconds it took."""
    flow = FAMILIES[family]()
    rate = tf_keras.optimizers.schedules.CosineDecay(
        2e-2, STEPS, alpha=0.05
    )
    start = time.perf_counter()
    flowdocs.fit_reverse_kl(
        flow,
        target,
        steps=STEPS,
        batch_size=BATCH,
        learning_rate=rate,
        anneal_steps=ANNEAL,
        seed=0,
        jit_compile=family in PLANAR,
        progress=False,
    )
    return flow, time.perf_counter() - start


flows, seconds = {}, {}
for name in NAMES:
    for family in FAMILIES:
        key = name, family
        flows[key], seconds[key] = fitted(targets[name], family)
print(f"all {len(seconds)} fits: {sum(seconds.values()):.1f} s")

SAMPLES = 20_000
kl = {
    key: flowdocs.kl_divergence(
        flows[key], targets[key[0]], SAMPLES, seed=(1, 0)
    )
    for key in flows
}


def weights(flow):
    return sum(
        int(np.prod(v.shape))
        for v in flow.distribution.trainable_variables
    )


def print_table(names):
    header = "        " + "".join(f"{family:>16}" for family in FAMILIES)
    print(
        f"KL(q || p) in nats, mean +- standard error of {SAMPLES:,} samples"
    )
    print(header)
    for name in names:
        cells = "".join(
            f"{kl[name, f].nats:>9.3f} +- {kl[name, f].standard_error:.3f}"
            for f in FAMILIES
        )
        print(f"{name:<8}{cells}")
    print(
        f"{'weights':<8}"
        + "".join(f"{weights(flows[names[0], f]):>16,}" for f in FAMILIES)
    )
    print(
        "\nseconds per fit (the planar flows' XLA compilation included)"
    )
    print(header)
    for name in names:
        print(
            f"{name:<8}"
            + "".join(f"{seconds[name, f]:>16.1f}" for f in FAMILIES)
        )


print_table(NAMES)

RESOLUTION = 90


def log_prob_of(distribution, z):
    return distribution.log_prob(tf.cast(z, tf.float32))


def flow_density(flow):
    """The fitted flow's density on the grid of the figure."""
    # A partial rather than a lambda or a bound method: TensorFlow would count
    # the traces of the flows' functions as retraces of one, and warn.
    log_prob = tf.function(
        functools.partial(log_prob_of, flow.distribution), autograph=False
    )
    return density_map(log_prob, BOX, RESOLUTION)[0]


def true_density(name):
    return density_map(targets[name].log_prob, BOX, RESOLUTION)[0]


def figure_row(name):
    maps = [true_density(name)] + [
        flow_density(flows[name, f]) for f in FAMILIES
    ]
    titles = [f"{name}: true"] + [
        f"{f}, KL {kl[name, f].nats:.2f}" for f in FAMILIES
    ]
    return density_row(maps, BOX, titles)


for name in NAMES:
    figure_row(name)
plt.show()


# sphinx_gallery_thumbnail_number = 1
# sphinx_gallery_thumbnail_panel = 3

# %%
# Two layers bend the flow along the wave but cannot split it into its two branches.
# Eight split :math:`U_3` roughly, smearing mass across the gap, and still miss the
# lower branch of :math:`U_4`; 32 find both branches of both, as in the paper's figure.
# The IAF, with slightly more weights than the 32 planar maps, splits neither: on
# :math:`U_3` it bends its mass off the lower branch into a straight spur, and on
# :math:`U_4` it follows the upper branch and spreads a faint cloud where the lower one
# should be.
for name in NAMES:
    ratio = kl[name, "IAF"].nats / kl[name, "K = 32"].nats
    print(
        f"{name}: the IAF's KL is {ratio:.0f} times that of 32 planar maps"
    )
