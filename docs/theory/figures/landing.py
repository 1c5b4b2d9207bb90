"""The flow in one picture: 1,000 Gaussian points, bent, then squashed into a square.

Points keep the colour of the quadrant they start in, so each can be followed.
"""

from arrows import panels_with_arrows

import flowdocs

points = flowdocs.five_stage_flow(seed=0).staged_samples(1000, seed=0)
panels_with_arrows(
    [points[0], points[3], points[5]],
    ["a Gaussian", "shifted, scaled, sheared", "rotated, squashed: the flow"],
    base=points[0],
)
