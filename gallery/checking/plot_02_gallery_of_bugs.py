r"""
A gallery of bugs, and the checks that catch them
=================================================

Two defects of the original post's code are invisible in a scatter plot; this page
adds a third bug of our own and a fourth from published planar-flow code, each as
quiet. It writes each as a small TFP bijector and runs the four checks of
:ref:`the previous page <sphx_glr_auto_examples_checking_plot_01_checking_the_math.py>`:

1. **a rotation that is not one** (the post's): the forward map has
   :math:`-\cos\theta` where :math:`\cos\theta` belongs, while the inverse is the
   true inverse rotation;
2. **a log-det of 1** (the post's): the shift and cube reports
   :math:`\log|\det J| = 1` where the truth is 0;
3. **a parameter re-drawn inside the forward map** (ours: the post draws :math:`e`
   once): :math:`e` is drawn again at every forward call, the inverse keeps the first;
4. **a planar** :math:`\hat u` **divided by** :math:`\lVert w \rVert`, at the end.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# Three buggy bijectors
# ---------------------
# Each class implements ``_forward``, ``_inverse`` and ``_forward_log_det_jacobian``,
# as the original did; TFP derives the inverse log-det from the forward one. They are
# test doubles for this page, not part of the library. The post's other defects
# (unseeded draws, a float32 cast, a typo in a formula) are on
# :doc:`/theory/original_post`.
import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from matplotlib.colors import LogNorm
from matplotlib.lines import Line2D

import flowdocs
from flowdocs import checks
from flowdocs.grids import density_on_grid
from flowdocs.plotting.axes import frame, view
from flowdocs.plotting.style import DENSITY_CMAP, SAMPLE_COLOR

tfb = tfp.bijectors


class _PlaneMap(tfb.Bijector):
    """A map of 2-vectors with one parameter, like the flow's own."""

    def __init__(self, value, name):
        self.value = tf.convert_to_tensor(value, dtype=tf.float64)
        super().__init__(
            forward_min_event_ndims=1,
            is_constant_jacobian=True,
            name=name,
        )

    def _forward_log_det_jacobian(self, x):
        return tf.zeros([], dtype=x.dtype)


class NotARotation(_PlaneMap):
    """Bug 1: forward matrix [[cos, -sin], [sin, -cos]], det -cos 2θ."""

    def _forward(self, x):
        a, b = x[..., 0], x[..., 1]
        cos, sin = tf.cos(self.value), tf.sin(self.value)
        return tf.stack([cos * a - sin * b, sin * a - cos * b], -1)

    def _inverse(self, y):
        a, b = y[..., 0], y[..., 1]
        cos, sin = tf.cos(self.value), tf.sin(self.value)
        return tf.stack([cos * a + sin * b, -sin * a + cos * b], -1)


class LogDetOfOne(_PlaneMap):
    """Bug 2: the right shear, with log|det J| reported as 1, not 0."""

    def _forward(self, x):
        a, b = x[..., 0], x[..., 1]
        return tf.stack([a, b + self.value * a**3], -1)

    def _inverse(self, y):
        a, b = y[..., 0], y[..., 1]
        return tf.stack([a, b - self.value * a**3], -1)

    def _forward_log_det_jacobian(self, x):
        return tf.ones([], dtype=x.dtype)


class RedrawnStrength(LogDetOfOne):
    """Bug 3: each forward call draws a new e ~ N(3, 1); inverse not."""

    def __init__(self, value, name, seed):
        # Seeded, so that this page is the same at every build.
        self.rng = np.random.default_rng(seed)
        self.draws = []
        super().__init__(value, name)

    def _forward(self, x):
        strength = self.rng.normal(3.0, 1.0)
        self.draws.append(strength)
        a, b = x[..., 0], x[..., 1]
        return tf.stack([a, b + strength * a**3], -1)

    def _forward_log_det_jacobian(self, x):
        return tf.zeros([], dtype=x.dtype)


# %%
# Each bug in the flow
# --------------------
# The correct flow (seed 0, float64) and three copies, each with one stage swapped for
# its buggy double, built with the same parameters :math:`e` and :math:`\theta`.
flow = flowdocs.five_stage_flow(seed=0, dtype=tf.float64)
strength, angle = (
    flow.stages[2].bijector.strength,
    flow.stages[3].bijector.angle,
)


def with_stage(flow, index, bijector):
    """The flow with stage ``index`` replaced by ``bijector``."""
    stages = list(flow.stages)
    stages[index] = dataclasses.replace(stages[index], bijector=bijector)
    return flowdocs.Flow(flow.base, stages)


bugs = {  # name: (stage index, flow with the bug)
    "not a rotation": (
        3,
        with_stage(flow, 3, NotARotation(angle, "not_a_rotation")),
    ),
    "log-det of 1": (
        2,
        with_stage(flow, 2, LogDetOfOne(strength, "log_det_of_one")),
    ),
    "e re-drawn": (
        2,
        with_stage(flow, 2, RedrawnStrength(strength, "redrawn", seed=3)),
    ),
}

# %%
# Run the four checks
# -------------------
# The checks and tolerances are those of the previous page: each bijector on the
# samples it receives, and the distribution right after it (stage :math:`k`) for mass
# and histogram, integrated and binned in the coordinates of :math:`z_3`.
matrix = tf.stack(
    [[tf.cos(angle), -tf.sin(angle)], [tf.sin(angle), tf.cos(angle)]]
)
# TFP's own rotation, for the coordinates of z_3:
turn = tfb.ScaleMatvecLU(*tf.linalg.lu(matrix))
ridge, fine = ((-6, 6), (-600, 600)), (120, 2000)
ridge_bins = ((-4, 4), (-60, 60)), (20, 40)
tolerances = {
    "log-det": 1e-9,
    "round trip": 1e-9,
    "mass": 1e-6,
    "histogram": 5.0,
}


def run_checks(flow, index):
    """The four checks of stage ``index`` (from 0), and its samples."""
    bijector, k = flow.stages[index].bijector, index + 1
    points = flow.staged_samples(20_000, seed=1)
    coordinates = turn if k == 4 else None
    distribution = flow.distribution_after(k)
    mass = checks.probability_mass(
        distribution, ridge, fine, coordinates=coordinates
    )
    agreement = checks.histogram_agreement(
        distribution, points[k], *ridge_bins, coordinates=coordinates
    )
    values = {
        "log-det": checks.log_det_error(bijector, points[k - 1][:4000]),
        "round trip": checks.round_trip_error(
            bijector, points[k - 1][:4000]
        ),
        "mass": abs(mass - 1.0),
        "histogram": agreement.max_abs_z,
    }
    return values, mass, points[k]


results = {
    name: run_checks(buggy, index)
    for name, (index, buggy) in bugs.items()
}
results["correct f3"] = run_checks(flow, 2)
results["correct f4"] = run_checks(flow, 3)

redrawn = bugs["e re-drawn"][1].stages[2].bijector
print(
    f"e = {float(strength):.3f}; the re-drawn forward calls used",
    np.round(redrawn.draws, 3),
)
print(f"{'':16}" + "".join(f"{check:>14}" for check in tolerances))
for name, (values, _, _) in results.items():
    marks = [
        f"{value:9.1e} {'BAD' if value > tolerances[check] else 'ok ':>3}"
        for check, value in values.items()
    ]
    print(f"{name:16}" + "".join(f"{mark:>14}" for mark in marks))

# %%
# Which check catches which bug
# -----------------------------
# - **Not a rotation** fails the log-det check (autodiff finds
#   :math:`\log|\cos 2\theta| \ne 0`), the round trip (the inverse undoes a different
#   map) and the histogram (the samples come from the wrong map, while ``log_prob``
#   uses the right inverse). The total mass is fine: the density alone is a correct
#   density, of the wrong samples.
# - **A log-det of 1** passes the round trip, but every density is
#   :math:`\exp(1)` times too small: the mass is :math:`\exp(-1) \approx 0.368`,
#   and the autodiff log-det is 0. The histogram check flags it too: the
#   :math:`z`-score compares counts, and every bin holds about :math:`\exp(1)` times
#   more samples than the density predicts (its largest :math:`|z|` is printed
#   below). Training would never reveal it: :ref:`the notes on the original post
#   <log-det-of-one>` say why.
# - **A re-drawn e** (our invented bug) has the right log-det (every shear keeps
#   area) and a density that integrates to 1, but the samples come from another
#   shear than the density, and the round trip fails.
#
# The script stops the build if any check stops catching its bug, or flags a correct
# stage.
print(
    "log-det of 1: largest histogram |z| ="
    f" {results['log-det of 1'][0]['histogram']:.0f}"
    f" (tolerance {tolerances['histogram']:.0f})"
)
expected = {
    "not a rotation": {"log-det", "round trip", "histogram"},
    "log-det of 1": {"log-det", "mass", "histogram"},
    "e re-drawn": {"round trip", "histogram"},
    "correct f3": set(),
    "correct f4": set(),
}
for name, (values, _, _) in results.items():
    caught = {
        check
        for check, value in values.items()
        if value > tolerances[check]
    }
    if caught != expected[name]:
        wanted = sorted(expected[name])
        raise AssertionError(
            f"{name}: caught by {sorted(caught)}, not {wanted}"
        )

# %%
# What the bugs look like
# -----------------------
# Each row shows the distribution right after the buggy stage: the density from
# ``log_prob`` as colour, 1,500 of the samples from the forward map as dots, the
# correct stage on the left. The first panel of a row sets the colour scale of the row,
# so the density that is :math:`\exp(1)` times too small looks paler. The mirrored S
# of the false rotation and the steeper S of the re-drawn shear sit off their
# densities.


def panel(name, k):
    """A panel: the density after stage k, its samples, what caught it."""
    values, mass, samples = results[name]
    source = bugs[name][1] if name in bugs else flow
    caught = [c for c, v in values.items() if v > tolerances[c]]
    verdict = (
        "caught by: " + ", ".join(caught) if caught else "passes all four"
    )
    caption = f"{verdict}\nmass {mass:.3f}"
    title = f"stage {k}: {name}"
    return title, source.distribution_after(k), samples[:1500], caption


rows = [
    [panel("correct f4", 4), panel("not a rotation", 4)],
    [panel("correct f3", 3), panel("log-det of 1", 3)],
    [panel("correct f3", 3), panel("e re-drawn", 3)],
]

# %%
# One panel: the density ``exp(log_prob)`` at the midpoints of a 200 x 200 grid over
# the view, laid out as an image (``indexing="xy"``: rows run along the second
# coordinate), on a logarithmic scale three decades deep, and the samples over it.
white_below = DENSITY_CMAP.with_extremes(under="white", bad="white")
in_a_box = {
    "ha": "left",
    "va": "top",
    "fontsize": "small",
    "bbox": {"facecolor": "white", "edgecolor": "0.5", "alpha": 0.9},
}


def density_panel(ax, distribution, samples, box, norm=None):
    """Draw the density and the samples; return the image of the density."""
    density, _ = density_on_grid(distribution, box, 200, indexing="xy")
    if norm is None:  # three decades below the top of this density
        top = np.quantile(density[density > 0], 0.998)
        norm = LogNorm(vmin=top * 1e-3, vmax=top)
    image = ax.imshow(
        np.ma.masked_less_equal(density, 0.0),
        origin="lower",
        extent=np.ravel(box),
        cmap=white_below,
        norm=norm,
        interpolation="nearest",
        aspect="auto",
    )
    ax.scatter(*samples.T, s=2.0, c=SAMPLE_COLOR, linewidths=0, alpha=0.6)
    return image


# %%
# One row per bug. The correct stage on the left sets the view and the colour scale
# of its row.

# sphinx_gallery_thumbnail_number = 1
# sphinx_gallery_thumbnail_panel = 1
fig = plt.figure(
    figsize=(8.2, 3.5 * len(rows) + 0.6), layout="constrained"
)
for row, panels in zip(fig.subplots(len(rows), 2), rows, strict=True):
    box, to_scale = view(panels[0][2])
    norm = None
    for ax, (title, distribution, samples, caption) in zip(
        row, panels, strict=True
    ):
        image = density_panel(ax, distribution, samples, box, norm)
        norm = image.norm  # the first panel's, for the whole row
        frame(ax, box, to_scale)  # to scale, or marked as not
        ax.set_title(title, fontsize="medium")
        ax.text(0.03, 0.97, caption, transform=ax.transAxes, **in_a_box)
        ax.set(xlabel="$z_a$", ylabel="$z_b$")
    bar = fig.colorbar(image, ax=row[-1], shrink=0.85, extend="both")
    bar.set_label("density (log scale)", fontsize="small")
    bar.ax.tick_params(labelsize="x-small")
keys = [
    Line2D([], [], ls="", marker="o", markersize=5, color=SAMPLE_COLOR),
    Line2D(
        [], [], ls="", marker="s", markersize=8, color=DENSITY_CMAP(0.7)
    ),
]
labels = [
    "samples (forward map)",
    "density from log_prob (inverse map and log-det)",
]
fig.legend(
    keys, labels, loc="outside lower center", ncols=2, frameon=False
)
fig.suptitle("Each bug (right) beside the correct stage")
plt.show()

# %%
# A fourth bug, from published code: the planar flow's :math:`\hat u`
# -------------------------------------------------------------------
# A planar map :math:`f(z) = z + \hat u \tanh(w \cdot z + b)` (see
# :doc:`/theory/variational_inference`) is invertible when :math:`w \cdot \hat u \ge -1`,
# and Rezende and Mohamed's appendix makes it so by moving :math:`u` along :math:`w`:
# :math:`\hat u = u + (m(w \cdot u) - w \cdot u)\, w / \lVert w \rVert^2`, with
# :math:`m(x) = -1 + \log(1 + \exp(x))`. Several public implementations divide by
# :math:`\lVert w \rVert` instead of :math:`\lVert w \rVert^2`; then
# :math:`w \cdot \hat u = w \cdot u + (m(w \cdot u) - w \cdot u) \lVert w \rVert`, which
# misses :math:`m(w \cdot u)` whenever :math:`\lVert w \rVert \ne 1` and drops below
# :math:`-1` when :math:`\lVert w \rVert < 1`. Here it is as a subclass of
# :class:`flowdocs.Planar` that overrides only :math:`\hat u`, at a :math:`w` of
# length 0.5.


class WrongNormPlanar(flowdocs.Planar):
    """The planar map with u_hat divided by ||w|| instead of ||w||^2 (the bug)."""

    @property
    def u_hat(self):
        w, u = tf.convert_to_tensor(self.w), tf.convert_to_tensor(self.u)
        w_dot_u = tf.reduce_sum(w * u, axis=-1, keepdims=True)
        m = -1.0 + tf.math.softplus(w_dot_u)
        return u + (m - w_dot_u) * w / tf.norm(w, axis=-1, keepdims=True)


w = tf.constant([0.5, 0.0], tf.float64)
u = tf.constant([-4.0, 1.0], tf.float64)
b = tf.constant(0.0, tf.float64)
planars = {
    "correct planar": flowdocs.Planar(w, u, b),
    "u_hat / ||w||": WrongNormPlanar(w, u, b),
}
base = flowdocs.base_distribution(dtype=tf.float64)
base_points = base.sample(4000, seed=(0, 5))
planar_box = ((-4.0, 4.0), (-4.0, 4.0))
planar_checks = {}
for name, planar in planars.items():
    distribution = tfp.distributions.TransformedDistribution(base, planar)
    w_dot_u_hat = float(tf.reduce_sum(w * planar.u_hat))
    planar_checks[name] = {
        "w.u_hat": w_dot_u_hat,
        "log-det": checks.log_det_error(planar, base_points),
        "round trip": checks.round_trip_error(planar, base_points),
        "mass": abs(
            checks.probability_mass(distribution, planar_box, 300) - 1.0
        ),
    }
print(
    f"{'':16}{'w.u_hat':>10}"
    + "".join(f"{c:>14}" for c in ("log-det", "round trip", "mass"))
)
for name, values in planar_checks.items():
    marks = [
        f"{values[c]:9.1e} {'BAD' if values[c] > tolerances[c] else 'ok ':>3}"
        for c in ("log-det", "round trip", "mass")
    ]
    print(
        f"{name:16}{values['w.u_hat']:>10.3f}"
        + "".join(f"{m:>14}" for m in marks)
    )

# %%
# The log-det check passes: the buggy map's log-det formula,
# :math:`\log|1 + (1 - \tanh^2)\, w \cdot \hat u|`, is the true log-det *of the map it
# computes*. What is wrong is that this map folds, since :math:`w \cdot \hat u < -1`:
# along :math:`w` it sends :math:`s = w \cdot z` to
# :math:`s + (w \cdot \hat u) \tanh(s + b)`, which goes down and up again, so some
# points have three preimages. The round trip fails (the inverse's root solve returns
# one of them), and the density through the inverse loses nearly all its mass. The
# build stops if these checks stop telling the two apart.
correct, buggy = (
    planar_checks["correct planar"],
    planar_checks["u_hat / ||w||"],
)
assert correct["w.u_hat"] >= -1 > buggy["w.u_hat"]
for check in ("log-det", "round trip", "mass"):
    assert correct[check] <= tolerances[check], (check, correct)
assert buggy["log-det"] <= tolerances["log-det"]
assert buggy["round trip"] > tolerances["round trip"]
assert buggy["mass"] > tolerances["mass"]

s = np.linspace(-4, 4, 400)
fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
for (name, values), style in zip(
    planar_checks.items(), ("-", "--"), strict=True
):
    c = values["w.u_hat"]
    ax.plot(
        s,
        s + c * np.tanh(s),
        style,
        lw=2,
        label=rf"{name}: $w \cdot \hat u$ = {c:.2f}",
    )
ax.axhline(0.0, color="0.6", lw=0.8)
ax.set(xlabel=r"$s = w \cdot z$", ylabel=r"$w \cdot f(z)$")
ax.set_title("The planar map along $w$: monotone, or folded")
ax.legend(loc="upper left", fontsize="small")
plt.show()
