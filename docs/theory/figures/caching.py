"""TFP's cache hides a wrong inverse: the same tensor comes back unchanged, a copy does not.

A bijector that doubles its input but whose inverse forgets to halve, checked by a
round trip on 200 points, once on the tensor ``forward`` returned and once on a copy.
"""

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp


class BrokenDouble(tfp.bijectors.Bijector):
    def __init__(self):
        super().__init__(forward_min_event_ndims=0, name="broken")

    def _forward(self, x):
        return 2.0 * x

    def _inverse(self, y):
        return y  # wrong: should be y / 2


broken = BrokenDouble()
x = tf.constant(np.linspace(-2.0, 2.0, 200))
y = broken.forward(x)
same = broken.inverse(y).numpy()  # the cache answers
copy = broken.inverse(y + 0.0).numpy()  # the inverse runs

fig, axes = plt.subplots(1, 2, figsize=(6.6, 2.9), sharey=True, layout="constrained")
for ax, back, title in [
    (axes[0], same, "inverse(y): the same tensor"),
    (axes[1], copy, "inverse(y + 0.): a copy"),
]:
    error = np.max(np.abs(back - x.numpy()))
    ax.plot(x, back, color="#D55E00", linewidth=2, label="inverse(forward(x))")
    ax.plot(x, x, color="black", linestyle="--", linewidth=1, label="x")
    ax.set_title(f"{title}\nlargest error {error:g}", fontsize="medium")
    ax.set_xlabel("$x$")
    ax.grid(alpha=0.3)
axes[0].set_ylabel("what comes back")
axes[0].legend(fontsize="x-small", loc="upper left")
