"""Two pictures of a continuous flow: the limit of eq. (6), and straight training paths.

Left: the scale stage f2 of the five-stage flow grown from the identity as in the
animation, d(t) = 1 + t (d - 1), is the motion of the field v(t, z) = (d - 1) z / d(t),
whose trace tr dv/dz = sum_i (d_i - 1) / d_i(t) does not depend on z. Eq. (6) over K
Euler steps z -> z + h v(t_k, z), with each step's exact log-determinant, gives the
stage's log|det| = log d_0 + log d_1 exactly (the steps telescope); the sum of h times
the trace misses it by O(h), the term the instantaneous change of variables drops.
Right: the straight lines x_t = (1 - t) x_0 + t x_1 that flow matching regresses on.
"""

import matplotlib.pyplot as plt
import numpy as np

import flowdocs

flow = flowdocs.five_stage_flow(seed=0)
d = np.asarray(flow.stages[flow.names.index("scale")].bijector.scale, dtype=np.float64)
exact = np.log(np.abs(d)).sum()
counts = 2 ** np.arange(0, 11)


def scale_of(t):
    return 1.0 + t * (d - 1.0)


def trace_sum(steps):
    """sum_k h tr dv/dz (t_k): the Euler rule on the integral of the trace."""
    t = np.arange(steps) / steps
    return ((d - 1.0) / scale_of(t[:, None])).sum() / steps


def step_log_det_sum(steps):
    """Eq. (6) over the Euler steps: sum_k log|det(I + h dv/dz (t_k))|."""
    t = np.arange(steps) / steps
    return np.log(np.abs(1.0 + (d - 1.0) / scale_of(t[:, None]) / steps)).sum()


trace_error = np.array([abs(trace_sum(k) - exact) for k in counts])
step_error = np.array([abs(step_log_det_sum(k) - exact) for k in counts])

fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.6), layout="constrained")
left.loglog(
    counts,
    trace_error,
    "o-",
    color="#0072B2",
    label=r"$\sum_k h\,\mathrm{tr}\,\partial v/\partial z$",
)
left.loglog(
    counts,
    np.maximum(step_error, 1e-16),
    "s-",
    color="#D55E00",
    label=r"$\sum_k \log|\det(I + h\,\partial v/\partial z)|$",
)
left.loglog(
    counts, trace_error[0] / counts, ":", color="0.4", label="slope $-1$: error $\\propto h$"
)
left.set_xlabel("Euler steps $K$ over the stage, $h = 1/K$")
left.set_ylabel(r"error against $\log|\det J_{f_2}|$")
left.set_title("the scale stage $f_2$ as a motion", fontsize="medium")
left.legend(fontsize="small")
left.grid(alpha=0.3, which="both")

moons = flowdocs.two_moons()
x1 = moons.sample(60, seed=(0, 5)).numpy()
x0 = flowdocs.base_distribution().sample(60, seed=(0, 6)).numpy()
for a, b in zip(x0, x1, strict=True):
    right.plot([a[0], b[0]], [a[1], b[1]], color="0.6", linewidth=0.8)
right.scatter(*x0.T, s=12, color="#0072B2", label="$x_0$, base", zorder=3)
right.scatter(*x1.T, s=12, color="#D55E00", label="$x_1$, data", zorder=3)
right.set_aspect("equal")
right.set_title("flow matching's straight paths", fontsize="medium")
right.set_xlabel("$z_a$")
right.set_ylabel("$z_b$")
right.legend(fontsize="small", loc="lower right")
