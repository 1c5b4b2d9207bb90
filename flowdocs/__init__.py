"""flowdocs: a normalizing flow built step by step from TensorFlow Probability bijectors.

The five-stage flow of the docs, its two custom bijectors, and the pieces to inspect it::

    import flowdocs
    flow = flowdocs.five_stage_flow(seed=0)
    x, log_p = flow.sample_and_log_prob(1000, seed=1)
"""

from flowdocs.bijectors import Rotation2D, ShiftAndCube
from flowdocs.flow import (
    Flow,
    FlowDistribution,
    Stage,
    base_distribution,
    draw_parameters,
    five_stage_flow,
)

__all__ = [
    "Flow",
    "FlowDistribution",
    "Rotation2D",
    "ShiftAndCube",
    "Stage",
    "base_distribution",
    "draw_parameters",
    "five_stage_flow",
]
__version__ = "0.1.0"
