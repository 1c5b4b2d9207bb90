r"""
What each flow family costs as the dimension grows
==================================================

In two dimensions every flow family finishes its work in one or two passes, so the
reason there are several families never shows. Here it does: first why every family
wants a triangular Jacobian, then the time each of the five families of
``flowdocs`` takes to sample points and to score points, as the dimension :math:`D`
grows. All the figures are measured when this page is built.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# Why triangular
# --------------
# Equation 6 needs :math:`\log|\det J|` for every point. For a general
# :math:`D \times D` Jacobian that is an LU factorisation, :math:`O(D^3)` operations
# (``tf.linalg.slogdet``); for a triangular one it is the sum of the logs of the
# diagonal, :math:`O(D)`. Both are timed here on a batch of 16 matrices.
import statistics
import time

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from matplotlib.ticker import NullFormatter, ScalarFormatter

import flowdocs
from flowdocs.costs import flow_costs


def median_ms(run, repeats=5):
    run()  # trace
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


sizes = [2, 8, 32, 128, 256]
general, triangular = [], []
rng = np.random.default_rng(0)
for d in sizes:
    m = tf.constant(rng.normal(size=(16, d, d)) + 3 * np.eye(d))
    general.append(
        median_ms(tf.function(lambda m=m: tf.linalg.slogdet(m)[1]))
    )
    diagonal = tf.linalg.diag_part(m)
    triangular.append(
        median_ms(
            tf.function(
                lambda x=diagonal: tf.reduce_sum(
                    tf.math.log(tf.abs(x)), -1
                )
            )
        )
    )
for d, g, t in zip(sizes, general, triangular, strict=True):
    print(
        f"D = {d:3}: slogdet {g:8.3f} ms, sum of diagonal logs {t:6.3f} ms"
    )

fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
ax.loglog(sizes, general, "o-", label="general: slogdet, $O(D^3)$")
ax.loglog(
    sizes, triangular, "s-", label="triangular: sum of logs, $O(D)$"
)
ax.set(xlabel="dimension $D$", ylabel="time for 16 matrices (ms)")
ax.set_xticks(sizes, [str(d) for d in sizes])
ax.minorticks_off()
ax.legend(fontsize="large")
ax.set_title("log-determinant of a Jacobian", fontsize="large")
plt.show()

# %%
# Five families, two directions
# -----------------------------
# Every family below has a triangular (or block-triangular) Jacobian; they differ in
# what the network of a layer needs to see before it can run.
#
# - **Coupling** (NICE, RealNVP, neural spline): the network reads the kept half,
#   which is known in both directions: one pass to sample, one to score.
# - **MAF**: the network reads the *output* :math:`x_{<i}`. Scoring knows all of
#   :math:`x`: one pass. Sampling must build :math:`x` one coordinate at a time:
#   :math:`D` passes.
# - **IAF**: the network reads the *input* :math:`z_{<i}`: one pass to sample,
#   :math:`D` to score a point from outside.
#
# The flows are untrained (training changes no cost), two layers with one hidden
# layer of 32 units, timed on 1,000 points inside ``tf.function``. Scoring with
# :class:`flowdocs.FlowDistribution` runs the inverse twice, once to find points off
# the support, so a coupling flow scores in about twice its sampling time.
builders = {
    "NICE": lambda d: flowdocs.nice_flow(
        dims=d, couplings=2, hidden_units=(32,)
    ),
    "RealNVP": lambda d: flowdocs.realnvp_flow(
        dims=d, couplings=2, hidden_units=(32,)
    ),
    "spline": lambda d: flowdocs.spline_flow(
        dims=d, couplings=2, hidden_units=(32,)
    ),
    "MAF": lambda d: flowdocs.maf_flow(
        dims=d, layers=2, hidden_units=(32,)
    ),
    "IAF": lambda d: flowdocs.iaf_flow(
        dims=d, layers=2, hidden_units=(32,)
    ),
}
dims = [2, 8, 32]
rows = flow_costs(builders, dims, n=1000, repeats=3)
print(
    f"{'family':9}{'D':>4}{'sample ms':>11}{'score ms':>10}{'score/sample':>14}"
)
for row in rows:
    sample, score = 1e3 * row.sample_seconds, 1e3 * row.score_seconds
    print(
        f"{row.family:9}{row.dims:4}{sample:11.2f}{score:10.2f}{score / sample:14.2f}"
    )

# %%
# The ratio of scoring to sampling time tells the families apart. IAF's grows with
# :math:`D`: its :math:`D` scoring passes are small networks on 1,000 points, and
# their cost soon outweighs the fixed cost of a call. MAF's falls below 1 the same
# way, from its :math:`D` sampling passes; the coupling flows' ratio stays flat.
at = {row.family: row for row in rows if row.dims == dims[-1]}
for family in ("MAF", "IAF"):
    row = at[family]
    print(
        f"{family} at D = {dims[-1]}: scores in {row.score_seconds / row.sample_seconds:.2f}"
        " times its sampling time"
    )
fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
for family in builders:
    mine = [row for row in rows if row.family == family]
    ratio = [row.score_seconds / row.sample_seconds for row in mine]
    ax.loglog(dims, ratio, "o-", label=family)
ax.axhline(1.0, color="0.5", linewidth=1)
ax.set_xticks(dims, [str(d) for d in dims])
ax.xaxis.set_minor_formatter(NullFormatter())
ax.yaxis.set_major_formatter(ScalarFormatter())
ax.yaxis.set_minor_formatter(ScalarFormatter())
ax.set(xlabel="dimension $D$", ylabel="time to score / time to sample")
ax.legend(fontsize="large", ncols=2)
ax.set_title("1,000 points, 2 layers, untrained", fontsize="large")
plt.show()

# %%
# The gap grows with :math:`D`, one pass against :math:`D`. Building this page stops
# at :math:`D = 32` to stay quick; the benchmark measures
# :math:`D = 2, 8, 32, 128` with four layers of each family and prints the table:
# ``nox -s bench -- --only families``.
