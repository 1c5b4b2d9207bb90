r"""An independent float64 NumPy computation of the flow's log-density, eq. (6).

.. math:: \log p_X(x) = \log p_Z(z) - \sum_{i=1}^{k} \log\left|\det
          \frac{\partial f_i}{\partial z_{i-1}}\right|,
          \qquad z_{i-1} = f_i^{-1}(z_i),\ z_k = x.

Nothing here calls TensorFlow or flowdocs: each stage is inverted by hand and its
log-determinant is written in closed form, so a shared mistake is unlikely.
"""

import numpy as np


def _shift(z, shift):
    """f(z) = z + c: inverse z - c; Jacobian I, log-det 0."""
    return z - shift, np.zeros(z.shape[:-1])


def _scale(z, scale):
    """f(z) = d z elementwise: inverse z / d; Jacobian diag(d), log-det log|d_0 d_1|."""
    log_det = np.sum(np.log(np.abs(np.broadcast_to(scale, (2,)))))
    return z / scale, np.full(z.shape[:-1], log_det)


def _shift_and_cube(z, strength):
    """f(z) = (z_a, z_b + e z_a^3): inverse (z_a, z_b - e z_a^3); unit triangular, log-det 0."""
    za, zb = z[..., 0], z[..., 1]
    return np.stack([za, zb - strength * za**3], axis=-1), np.zeros(z.shape[:-1])


def _rotation(z, angle):
    """f(z) = R(theta) z: inverse R(-theta) z; det R = 1, log-det 0."""
    c, s = np.cos(angle), np.sin(angle)
    za, zb = z[..., 0], z[..., 1]
    return np.stack([c * za + s * zb, -s * za + c * zb], axis=-1), np.zeros(z.shape[:-1])


def _sigmoid(z):
    """f(u) = 1 / (1 + e^-u) elementwise: inverse log z - log(1 - z); log-det sum log s(1 - s)."""
    with np.errstate(divide="ignore"):
        u = np.log(z) - np.log1p(-z)
    # log s(u) + log(1 - s(u)) = -log(1 + e^-u) - log(1 + e^u), evaluated without overflow.
    log_det = -np.sum(np.logaddexp(0.0, -u) + np.logaddexp(0.0, u), axis=-1)
    return u, log_det


INVERSES = {
    "shift": _shift,
    "scale": _scale,
    "shift_and_cube": _shift_and_cube,
    "rotation": _rotation,
    "sigmoid": _sigmoid,
}
"""Stage name -> function(z_i, *parameters) returning (z_{i-1}, log|det df_i/dz_{i-1}|)."""


def gaussian_log_prob(z, loc, scale):
    """Log-density of independent normals N(loc, scale^2), summed over the last axis."""
    standardized = (z - loc) / scale
    return np.sum(-0.5 * standardized**2 - np.log(scale) - 0.5 * np.log(2.0 * np.pi), axis=-1)


def log_prob(x, stages, loc, scale):
    """Eq. (6) for points ``x`` of shape [..., 2].

    ``stages`` lists ``(name, parameters)`` in application order (f_1 first); ``loc`` and
    ``scale`` describe the Gaussian base. Everything is computed in float64.
    """
    z = np.asarray(x, dtype=np.float64)
    total_log_det = np.zeros(z.shape[:-1])
    for name, parameters in reversed(stages):
        z, log_det = INVERSES[name](z, *parameters)
        total_log_det += log_det
    return gaussian_log_prob(z, loc, scale) - total_log_det
