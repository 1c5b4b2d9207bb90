"""MADE's masks: which output of the network sees which input.

The network is the library's own MADE (flowdocs.neural_flows.made_network, TFP's
AutoregressiveNetwork) for D = 4 coordinates and one hidden layer of 8 units, the
left-to-right order of an odd MAF layer. Left: its connections, an edge wherever the
mask lets a weight be nonzero; each hidden unit carries its degree k and sees only
inputs 1..k, and output i sees only hidden units of degree below i. Right: which
inputs each output depends on, measured by autodiff through the network at random
inputs (a nonzero derivative), beside what the masks allow; the two must agree, and
the pattern must be strictly lower triangular, or this script fails.
"""

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from flowdocs.neural_flows import made_network

D, HIDDEN = 4, 8
made = made_network(D, (HIDDEN,), "tanh", 0, tf.float64, True, "made")
network = made.network
into_hidden, out_of_hidden = (np.asarray(mask) > 0 for mask in network._masks)
# The output layer has two columns per coordinate, its shift and its log-scale.
shift_mask = out_of_hidden.reshape(HIDDEN, D, 2)[..., 0]
allowed = (into_hidden.astype(int) @ shift_mask.astype(int)).T > 0  # [output, input]

x = tf.constant(np.random.default_rng(0).normal(size=(64, D)))
with tf.GradientTape() as tape:
    tape.watch(x)
    shift, log_scale = made(x)
    outputs = tf.concat([shift, log_scale], axis=-1)
jacobian = tape.batch_jacobian(outputs, x).numpy()  # [points, 2D, D]
seen = np.abs(jacobian).max(axis=0) > 0
if not (seen[:D] <= allowed).all() or not (seen[D:] <= allowed).all():
    raise AssertionError("An output depends on an input its mask forbids.")
if np.triu(seen[:D] | seen[D:]).any() or not np.array_equal(seen[:D], allowed):
    raise AssertionError("The measured dependence is not MADE's strictly lower triangle.")

degrees = into_hidden.sum(axis=0)  # hidden unit k sees inputs 1..degree
fig, (net_ax, matrix_ax) = plt.subplots(
    1, 2, figsize=(9.0, 3.8), width_ratios=(1.5, 1), layout="constrained"
)
rows = {"inputs": 0.0, "hidden": 1.0, "outputs": 2.0}
x_in = np.linspace(0.15, 0.85, D)
x_hidden = np.linspace(0.0, 1.0, HIDDEN)
for i in range(D):
    for k in range(HIDDEN):
        if into_hidden[i, k]:
            net_ax.plot([x_in[i], x_hidden[k]], [0, 1], color="#0072B2", lw=0.8, alpha=0.6)
        if shift_mask[k, i]:
            net_ax.plot([x_hidden[k], x_in[i]], [1, 2], color="#D55E00", lw=0.8, alpha=0.6)
net_ax.scatter(x_in, np.zeros(D), s=380, color="white", edgecolor="black", zorder=3)
net_ax.scatter(x_hidden, np.ones(HIDDEN), s=260, color="white", edgecolor="0.3", zorder=3)
net_ax.scatter(x_in, np.full(D, 2.0), s=120, color="black", zorder=3)
for i in range(D):
    net_ax.text(x_in[i], 0, f"$x_{i + 1}$", ha="center", va="center", zorder=4)
    net_ax.text(x_in[i], 2.17, f"$t_{i + 1}, s_{i + 1}$", ha="center", va="bottom")
for k in range(HIDDEN):
    net_ax.text(x_hidden[k], 1, str(degrees[k]), ha="center", va="center", zorder=4)
for name, height in rows.items():
    net_ax.text(-0.1, height, name, ha="right", va="center", color="0.3")
net_ax.set_xlim(-0.45, 1.08)
net_ax.set_ylim(-0.3, 2.5)
net_ax.axis("off")
net_ax.set_title("the masks: hidden units labelled by their degree")

matrix_ax.imshow(seen[:D], cmap="Greys", vmin=0, vmax=1.6)
for i in range(D):
    for j in range(D):
        matrix_ax.text(j, i, "yes" if seen[i, j] else "", ha="center", va="center",
                       color="white", fontsize="small")  # fmt: skip
labels = [f"$x_{i + 1}$" for i in range(D)]
matrix_ax.set_xticks(range(D), labels)
matrix_ax.set_yticks(range(D), [f"$t_{i + 1}, s_{i + 1}$" for i in range(D)])
matrix_ax.set_xlabel("input")
matrix_ax.set_ylabel("output")
matrix_ax.set_title("measured by autodiff: depends on")
