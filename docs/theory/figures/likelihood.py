"""The loss of maximum likelihood around the true parameters of the five-stage flow.

The mean negative log-likelihood of 500 samples of ``five_stage_flow(seed=0)``
(float64, the few that round onto the edge of the square dropped) as one parameter
moves and the others stay at their true values: the shear strength e above, the angle
theta below. Each curve is one batch of flows (a parameter array gives a
batch), scored on every point at once.
"""

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

import flowdocs

STRENGTH, ANGLE = flowdocs.draw_parameters(seed=0)
TRUE = flowdocs.five_stage_flow(seed=0, dtype=tf.float64)
x, _ = TRUE.sample_and_log_prob(500, seed=1)
x = x.numpy()
x = x[~np.any((x == 0.0) | (x == 1.0), axis=-1)]
floor = -np.mean(TRUE.distribution.log_prob(x))


def mean_nll(**batch):
    """Mean NLL of the data under a batch of flows, one per value of the parameter."""
    flows = flowdocs.five_stage_flow(seed=0, dtype=tf.float64, **batch)
    return -np.mean(flows.distribution.log_prob(x[:, None, :]).numpy(), axis=0)


panels = [
    ("strength", "shear strength $e$", STRENGTH, np.linspace(STRENGTH - 1.5, STRENGTH + 1.5, 161)),
    ("angle", r"angle $\theta$ (radians)", ANGLE, np.linspace(ANGLE - 0.05, ANGLE + 0.05, 161)),
]
fig, axes = plt.subplots(2, 1, figsize=(4.8, 6.4), layout="constrained")
for ax, (name, label, truth, values) in zip(axes, panels, strict=True):
    other = {"angle": ANGLE} if name == "strength" else {"strength": STRENGTH}
    nll = mean_nll(**{name: values}, **{key: np.full_like(values, v) for key, v in other.items()})
    best = values[np.argmin(nll)]
    ax.plot(values, nll, color="#0072B2", linewidth=2, label="mean NLL of the data")
    ax.axhline(floor, color="black", linestyle="--", linewidth=1, label="at the true parameters")
    ax.axvline(truth, color="0.5", linewidth=1)
    ax.plot([best], [nll.min()], "o", color="#D55E00", label="lowest on the curve")
    ax.set_xlabel(f"{label}\ntrue {truth:.3f}, lowest {best:.3f}")
    ax.set_ylim(floor - 1.0, floor + 20.0)
    ax.grid(alpha=0.3)
for ax in axes:
    ax.set_ylabel("nats per point")
handles, labels = axes[0].get_legend_handles_labels()
fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize="small")
fig.suptitle("The loss near the true parameters,\none parameter at a time")
