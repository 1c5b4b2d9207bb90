r"""
The flow in motion
==================

The pages before show the flow in six snapshots. Here it moves: every map grows
continuously from the identity to itself, one stage after another, so the base
Gaussian flows into the final distribution in the unit square (equation 8 run as a
film).

To run this script yourself: ``pip install flowdocs``.
"""

# %%
# From each map's identity to the map
# -----------------------------------
# Each stage gets four frames. The shift grows from :math:`0` to :math:`c`, the scale
# from :math:`1` to :math:`d`, the shear strength from :math:`0` to :math:`e` and the
# angle from :math:`0` to :math:`\theta`, so every intermediate frame is itself an
# invertible map of the same family. The sigmoid has no such parameter; it is blended
# with the identity, :math:`(1 - t)\,z + t\,\sigma(z)`, which is invertible too because
# its derivative :math:`1 - t + t\,\sigma'(z)` stays positive. A grid of lines moves
# with the points, and the view follows them, always to scale.
#
# :func:`flowdocs.plotting.flow_animation` returns the figure and a matplotlib
# ``FuncAnimation``, as ``fig, anim``; this page embeds the animation as JavaScript
# frames (use the buttons to step through it, or slow it down). Its 21 frames are JPEG
# images at 72 dpi, which keeps the page light. Keep a reference to the animation, or
# it is deleted before it is drawn.
import matplotlib.pyplot as plt

import flowdocs
from flowdocs.plotting import flow_animation

# Notebooks: HTML animations of JPEG frames. GIFs: Pillow.
plt.rcParams["animation.html"] = "jshtml"
plt.rcParams["animation.frame_format"] = "jpeg"
plt.rcParams["animation.writer"] = "pillow"

# sphinx_gallery_capture_repr = ()
flow = flowdocs.five_stage_flow(seed=0)
fig, anim = flow_animation(
    flow, n=600, seed=0, frames_per_stage=4, dpi=72
)
anim  # in a notebook, this line shows the animation
