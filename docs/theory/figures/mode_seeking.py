"""Mode-seeking and mass-covering: one Gaussian fitted to two modes, by each KL.

The target p is a mixture of two Gaussians on the line. The Gaussian q = N(mu, s^2)
that minimises the forward KL(p || q) matches p's mean and variance (a known closed
form); the one that minimises the reverse KL(q || p) is found by a grid search over
(mu, s), with expectations under q by Gauss-Hermite quadrature. Every number drawn is
computed here.
"""

import matplotlib.pyplot as plt
import numpy as np

WEIGHTS, MEANS, SCALE = np.array([0.6, 0.4]), np.array([-2.0, 2.0]), 0.6
NODES, NODE_WEIGHTS = np.polynomial.hermite_e.hermegauss(60)  # for E over N(0, 1)
NODE_WEIGHTS = NODE_WEIGHTS / NODE_WEIGHTS.sum()
LINE = np.linspace(-8.0, 8.0, 16001)


def log_normal(z, mean, scale):
    return -0.5 * ((z - mean) / scale) ** 2 - np.log(scale * np.sqrt(2 * np.pi))


def log_p(z):
    terms = np.log(WEIGHTS) + log_normal(np.asarray(z)[..., None], MEANS, SCALE)
    top = terms.max(axis=-1)
    return top + np.log(np.exp(terms - top[..., None]).sum(axis=-1))


def reverse_kl(mean, scale):
    """KL(q || p) for q = N(mean, scale^2): minus q's entropy minus E_q[log p]."""
    z = mean[..., None] + scale[..., None] * NODES
    entropy = 0.5 * np.log(2 * np.pi * np.e * scale**2)
    return -entropy - (log_p(z) * NODE_WEIGHTS).sum(axis=-1)


def forward_kl(mean, scale):
    """KL(p || q) by the trapezoid rule on a fine grid of the line."""
    p = np.exp(log_p(LINE))
    return np.trapezoid(p * (log_p(LINE) - log_normal(LINE, mean, scale)), LINE)


# Forward KL: q matches the mixture's mean and variance.
mix_mean = float(WEIGHTS @ MEANS)
mix_scale = float(np.sqrt(WEIGHTS @ (SCALE**2 + MEANS**2) - mix_mean**2))

# Reverse KL: a coarse grid, then a fine one around its best point.
mean, scale = -2.0, 1.0
for half_width, step in ((4.0, 0.05), (0.1, 0.001)):
    means = np.arange(mean - half_width, mean + half_width, step)
    scales = np.arange(max(0.05, scale - half_width / 2), scale + half_width / 2, step / 2)
    grid_mean, grid_scale = np.meshgrid(means, scales, indexing="ij")
    values = reverse_kl(grid_mean, grid_scale)
    best = np.unravel_index(np.argmin(values), values.shape)
    mean, scale = float(grid_mean[best]), float(grid_scale[best])

fits = {
    "forward KL fit (mass-covering)": (mix_mean, mix_scale, "#0072B2", "--"),
    "reverse KL fit (mode-seeking)": (mean, scale, "#D55E00", "-"),
}

fig, ax = plt.subplots(figsize=(6.4, 6.2), layout="constrained")
ax.fill_between(
    LINE, np.exp(log_p(LINE)), color="0.85", label="target p: modes of mass 0.6 and 0.4"
)
for label, (m, s, color, style) in fits.items():
    mass_right = float(np.trapezoid(np.exp(log_normal(LINE, m, s)) * (LINE > 0), LINE))
    text = (
        f"{label}\nKL(q||p) = {float(reverse_kl(np.array(m), np.array(s))):.2f}, "
        f"KL(p||q) = {forward_kl(m, s):.2f} nats\nmass of q right of 0: {mass_right:.2f}"
    )
    ax.plot(LINE, np.exp(log_normal(LINE, m, s)), color=color, linestyle=style, lw=2.5, label=text)
ax.set_xlim(-6, 6)
ax.set_ylim(0, 0.7)
ax.set_xlabel("z", fontsize=14)
ax.set_ylabel("density", fontsize=14)
ax.tick_params(labelsize=12)
ax.legend(fontsize=12, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
