"""The two directions of a flow, on the five-stage flow's own samples.

Sampling runs left to right, eq. (8): draw z_0 from the base and apply f_1, ..., f_5.
Scoring runs right to left, eq. (5): undo the maps, last first, back to the base.
"""

import matplotlib.pyplot as plt
import numpy as np

import flowdocs
from flowdocs.plotting import QUADRANT_COLORS, quadrant_of

flow = flowdocs.five_stage_flow(seed=0)
points = flow.staged_samples(600, seed=0)
colors = np.asarray(QUADRANT_COLORS)[quadrant_of(points[0])]
panels = [(0, "$z_0$: base"), (3, "$z_3$"), (5, "$x = z_5$: data")]
gaps = [
    (r"$f_3 \circ f_2 \circ f_1$", r"$f_1^{-1} \circ f_2^{-1} \circ f_3^{-1}$"),
    (r"$f_5 \circ f_4$", r"$f_4^{-1} \circ f_5^{-1}$"),
]
SAMPLING, SCORING = "#0072B2", "#D55E00"

fig = plt.figure(figsize=(8.0, 3.0))
width, gap = 0.2, 0.14
axes = [fig.add_axes((0.02 + i * (width + gap), 0.06, width, 0.72)) for i in range(3)]
for ax, (k, title) in zip(axes, panels, strict=True):
    ax.scatter(*points[k].T, s=2, c=colors, linewidths=0)
    ax.set_title(title, fontsize="medium")
    ax.set_xticks([])
    ax.set_yticks([])
for i, (forward, inverse) in enumerate(gaps):
    x0 = 0.02 + (i + 1) * width + i * gap + 0.01
    x1 = x0 + gap - 0.02
    for y, text, color, start, end in [
        (0.55, forward, SAMPLING, x0, x1),
        (0.3, inverse, SCORING, x1, x0),
    ]:
        fig.patches.append(
            plt.matplotlib.patches.FancyArrowPatch(
                (start, y),
                (end, y),
                transform=fig.transFigure,
                arrowstyle="-|>",
                mutation_scale=12,
                color=color,
                linewidth=1.6,
            )
        )
        fig.text((x0 + x1) / 2, y + 0.03, text, ha="center", va="bottom", fontsize="small")
fig.text(
    0.5, 0.93, "sampling, eq. (8): left to right", color=SAMPLING, ha="right", fontsize="medium"
)
fig.text(0.52, 0.93, "scoring, eq. (5): right to left", color=SCORING, ha="left", fontsize="medium")
