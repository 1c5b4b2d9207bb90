"""A linear map sends the unit square onto a parallelogram of area |det A|.

The parallelogram is spanned by the columns of A: here a stretch of the first axis by
1.5 followed by a shear, so the area is 1.5 * 1 = 1.5.
"""

import matplotlib.pyplot as plt
import numpy as np

A = np.array([[1.5, 0.0], [1.2, 1.0]])  # a scale of the first axis, then a shear
square = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=float)
image = square @ A.T  # each corner z goes to A z

fig, (before, after) = plt.subplots(1, 2, figsize=(6.4, 3.0), layout="constrained")
before.fill(*square.T, color="#0072B2", alpha=0.35)
before.plot(*square.T, color="#0072B2")
before.set_title("unit square: area 1", fontsize="medium")
after.fill(*image.T, color="#E69F00", alpha=0.45)
after.plot(*image.T, color="#E69F00")
for column, name in zip(A.T, ("first column", "second column"), strict=True):
    after.annotate("", xy=column, xytext=(0, 0), arrowprops={"arrowstyle": "->", "lw": 1.5})
    after.text(*(column * 1.04), name, fontsize="x-small", ha="left", va="bottom")
after.set_title(
    rf"image under $A$: area $|\det A| = {abs(np.linalg.det(A)):.1f}$", fontsize="medium"
)
for ax in (before, after):
    ax.set_xlim(-0.3, 2.8)
    ax.set_ylim(-0.3, 2.6)
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.set_xlabel("first coordinate")
before.set_ylabel("second coordinate")
