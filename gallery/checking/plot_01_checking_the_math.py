r"""
Checking the math, stage by stage
=================================

A density plot can look right and be wrong. This page checks every claim the flow
makes, numerically, for every stage and for the whole flow:

1. **log-det against autodiff**: the :term:`log-determinant` each :term:`bijector`
   reports (equation 4) against :math:`\log|\det J|` of the :term:`Jacobian` that
   automatic differentiation computes from the map itself.
2. **round trip**: mapping points forward and a *copy* of the result back returns the
   points (a copy, because TFP's cache would otherwise hand back the input unchanged).
3. **total mass**: the density of every stage integrates to 1 on a grid.
4. **samples against density**: a histogram of samples against the counts the density
   predicts, bin by bin.

The flow is built in float64, so the tolerances can be tight. The script prints a table
and raises an error if any check is off, and then the documentation build fails.

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# The flow and its samples
# ------------------------
# The same flow as everywhere in this gallery (seed 0), in float64, and 20,000 samples
# followed through its stages.
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from matplotlib.lines import Line2D

import flowdocs
from flowdocs import checks

tfb = tfp.bijectors

flow = flowdocs.five_stage_flow(seed=0, dtype=tf.float64)
points = flow.staged_samples(20_000, seed=1)

# %%
# Where to integrate
# ------------------
# Stages 0 to 2 are Gaussians and a plain 200 x 200 grid over a wide box integrates them.
# After the shear, :math:`p_3` is a thin curved ridge: for each first coordinate it is
# a Gaussian of width 0.75 in the second, so a grid of cells narrower than that in the
# second coordinate integrates it well, over :math:`\pm 600` to catch the cubic tails.
# The rotation tilts that ridge, so :math:`p_4` is integrated in the coordinates of
# :math:`z_3` instead (the change of variables with :math:`x = R u`, see
# ``flowdocs.checks.probability_mass``). The rotation used for that is TFP's own
# ``ScaleMatvecLU`` of the same matrix, not our ``Rotation2D``, so the check does not
# trust the code it checks. The histograms of stages 4 and 5 are binned in those
# coordinates too.
theta = flow.stages[3].bijector.angle
matrix = tf.stack(
    [[tf.cos(theta), -tf.sin(theta)], [tf.sin(theta), tf.cos(theta)]]
)
turn = tfb.ScaleMatvecLU(*tf.linalg.lu(matrix))
squash_and_turn = tfb.Chain([tfb.Sigmoid(), turn])

ridge, fine = ((-6, 6), (-600, 600)), (120, 2000)
integrate = {  # stage: (box, grid cells per axis, coordinates)
    0: (((-4, 4), (-4, 4)), 200, None),
    1: (((-4, 4), (-6, 2)), 200, None),
    2: (((-7, 7), (-9, 3)), 200, None),
    3: (ridge, fine, None),
    4: (ridge, fine, turn),
}
ridge_bins = ((-4, 4), (-60, 60)), (20, 40)
histogram = {  # stage: (box, bins, coordinates)
    0: (((-2, 2), (-2, 2)), 30, None),
    1: (((-2, 2), (-4, 0)), 30, None),
    2: (((-4, 4), (-6, 0)), 30, None),
    3: (*ridge_bins, None),
    4: (*ridge_bins, turn),
    5: (*ridge_bins, squash_and_turn),
}

# %%
# The last stage, on the edge of float64
# --------------------------------------
# In float64 the sigmoid returns exactly 1 once its input passes about 36.7, but
# exactly 0 only below about -708 (both measured on :ref:`TFP in practice
# <off-the-support>`). After the shear and the rotation a part of :math:`z_4` lies
# beyond 36.7 (the share is printed below), and that part of the final distribution
# sits *on* the edges at 1, where its density cannot be evaluated; none of it reaches
# an edge at 0. So the final density's mass is checked region by
# region: the image of a box in :math:`z_3` coordinates that stays clear of the edge
# must hold exactly the mass :math:`p_3` gives the box (equation 3, integrated).
at_one = np.mean(np.any(points[5] == 1.0, axis=-1))
at_zero = np.mean(np.any(points[5] == 0.0, axis=-1))
print(f"final samples exactly on an edge at 1: {at_one:.2%}")
print(f"final samples exactly on an edge at 0: {at_zero:.2%}")
assert at_zero == 0.0, (
    "the text says no float64 sample reaches an edge at 0"
)

clear_box = (
    (-6, 6),
    (-26, 26),
)  # |R u| < 37: never rounded onto the edge
p3, p5 = flow.distribution_after(3), flow.distribution_after(5)
mass_before = checks.probability_mass(p3, clear_box, (120, 100))
mass_after = checks.probability_mass(
    p5, clear_box, (120, 100), coordinates=squash_and_turn
)
print(f"mass of the box under p_3:       {mass_before:.10f}")
print(f"mass of its image under p_5:     {mass_after:.10f}")

# %%
# Run every check
# ---------------
# Log-det and round trip are checked on the samples each map receives. Where the
# sigmoid is involved, only on points that it does not squeeze below float64's
# resolution (all coordinates of :math:`z_4` within 10); the whole flow's
# log-det and round trip use the base points of those same samples. The whole flow's
# histogram uses fresh samples (seed 2) drawn by TFP's own sampling of the transformed
# distribution, :meth:`flowdocs.Flow.sample_and_log_prob`, a path independent of the
# stage-by-stage pushing above.
tolerances = {
    "log-det error": 1e-9,
    "round trip": 1e-9,
    "mass error": 1e-6,
    "histogram |z|": 5.0,
}
resolved = np.all(np.abs(points[4][:4000]) < 10, axis=-1)
table = {"p0, base": {}}
for k, stage in enumerate(flow.stages, start=1):
    x = points[k - 1][:4000]
    x = x[resolved] if stage.name == "sigmoid" else x
    table[f"f{k}, {stage.name.replace('_', ' ')}"] = {
        "log-det error": checks.log_det_error(stage.bijector, x),
        "round trip": checks.round_trip_error(stage.bijector, x),
    }
for k, row in enumerate(table.values()):
    if k in integrate:
        box, cells, coordinates = integrate[k]
        mass = checks.probability_mass(
            flow.distribution_after(k), box, cells, coordinates
        )
        row["mass error"] = abs(mass - 1.0)
    box, bins, coordinates = histogram[k]
    agreement = checks.histogram_agreement(
        flow.distribution_after(k),
        points[k],
        box,
        bins,
        coordinates=coordinates,
    )
    row["histogram |z|"] = agreement.max_abs_z
table["f5, sigmoid"]["mass error"] = abs(mass_after - mass_before)

z0 = points[0][:4000][resolved]
whole = flow.sample_and_log_prob(20_000, seed=2)[0].numpy()
box, bins, coordinates = histogram[5]
agreement = checks.histogram_agreement(
    flow.distribution, whole, box, bins, coordinates=coordinates
)
table["whole flow"] = {
    "log-det error": checks.log_det_error(flow.bijector, z0),
    "round trip": checks.round_trip_error(flow.bijector, z0),
    "histogram |z|": agreement.max_abs_z,
}

print(f"{'':20}" + "".join(f"{name:>15}" for name in tolerances))
for name, row in table.items():
    cells = (f"{row[c]:.2e}" if c in row else "n/a" for c in tolerances)
    print(f"{name:20}" + "".join(f"{cell:>15}" for cell in cells))

# %%
# The verdict
# -----------
# Each bar is one check of one stage on a logarithmic axis; the dashed line is its
# tolerance. A bar past the line would have stopped this page from building: the cell
# below raises an error listing every check that is off. Checks that do not apply to a
# row are marked n/a.
rows = list(table)
positions = np.arange(len(rows))[::-1]  # the first row on top
within, over = "#0072B2", "#D55E00"  # Okabe–Ito blue and vermillion
beside_bar = {
    "va": "center",
    "fontsize": "x-small",
    "bbox": {"facecolor": "white", "edgecolor": "none", "pad": 0.5},
}


def bar_label(value):
    """The value printed beside its bar."""
    if np.isnan(value):
        return "n/a"
    if value == 0:
        return "0"
    return f"{value:.1e}" if value < 0.01 else f"{value:.2g}"


def check_panel(ax, check, tolerance):
    """One bar per row, on a log axis from the values to the tolerance."""
    values = np.array([table[row].get(check, np.nan) for row in rows])
    positive = values[np.isfinite(values) & (values > 0)]
    floor = min(tolerance, *positive) / 100
    top = max(tolerance, *positive) * 100
    shown = np.where(np.isnan(values), 0.0, np.maximum(values, floor))
    passed = ~(values > tolerance)  # NaN passes: nothing to check
    color = np.where(passed, within, over)
    ax.barh(positions, shown, left=floor / 10, color=color, height=0.6)
    ax.axvline(tolerance, color="black", linestyle="--", linewidth=1.0)
    ax.set_xscale("log")
    ax.set_xlim(floor / 10, top)
    for y, value in zip(positions, values, strict=True):
        x = floor if np.isnan(value) else max(value, floor) * 1.5
        ax.text(x, y, bar_label(value), **beside_bar)
    ax.set_title(check, fontsize="medium")
    ax.set_xlabel(
        f"log scale; dashed: tolerance {tolerance:g}", fontsize="small"
    )
    ax.grid(axis="x", alpha=0.3)
    ax.tick_params(axis="x", labelsize="x-small")


# %%
# One panel per check, side by side, sharing the rows.

# sphinx_gallery_thumbnail_number = 1
# sphinx_gallery_thumbnail_panel = 0
fig = plt.figure(
    figsize=(2.7 * len(tolerances) + 1.4, 0.42 * len(rows) + 1.7),
    layout="constrained",
)
axes = fig.subplots(1, len(tolerances), sharey=True)
for ax, (check, tolerance) in zip(axes, tolerances.items(), strict=True):
    check_panel(ax, check, tolerance)
axes[0].set_yticks(positions, rows)
keys = [
    Line2D([], [], color=color, linewidth=6) for color in (within, over)
]
labels = ["within tolerance", "over tolerance"]
fig.legend(
    keys, labels, loc="outside lower center", ncols=2, frameon=False
)
fig.suptitle("Every check of every stage, against its tolerance")
plt.show()

failures = [
    f"{name}: {check} = {value:.3g} > {tolerances[check]:g}"
    for name, row in table.items()
    for check, value in row.items()
    if value > tolerances[check]
]
if failures:
    raise AssertionError("Checks off:\n" + "\n".join(failures))
print(f"All {sum(len(row) for row in table.values())} checks pass.")
