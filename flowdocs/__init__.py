"""flowdocs: a normalizing flow built step by step from TensorFlow Probability bijectors.

The five-stage flow of the docs, its two custom bijectors, and the pieces to inspect it::

    import flowdocs
    flow = flowdocs.five_stage_flow(seed=0)
    x, log_p = flow.sample_and_log_prob(1000, seed=1)

and flows learned from data by maximum likelihood (``fit``), the five-stage one made
trainable or flows of small neural networks (``nice_flow``, ``realnvp_flow``,
``spline_flow``, ``maf_flow``, ``iaf_flow``)::

    model = flowdocs.realnvp_flow(seed=0)
    losses = flowdocs.fit(model, data, steps=2000, batch_size=256)
"""

from flowdocs.autoregressive import iaf_flow, maf_flow
from flowdocs.bijectors import Rotation2D, ShiftAndCube
from flowdocs.continuous import cnf_flow
from flowdocs.coupling import nice_flow, realnvp_flow, spline_flow
from flowdocs.datasets import checkerboard, two_moons
from flowdocs.fitting import best_start, fit
from flowdocs.five_stage import base_distribution, draw_parameters, five_stage_flow
from flowdocs.flow import Flow, FlowDistribution, Stage
from flowdocs.flow_matching import fit_flow_matching
from flowdocs.planar import Planar, planar_flow
from flowdocs.reverse_kl import fit_reverse_kl, kl_divergence
from flowdocs.seeds import stateless_seed
from flowdocs.targets import energy_target

__all__ = [
    "Flow",
    "FlowDistribution",
    "Planar",
    "Rotation2D",
    "ShiftAndCube",
    "Stage",
    "base_distribution",
    "best_start",
    "checkerboard",
    "cnf_flow",
    "draw_parameters",
    "energy_target",
    "fit",
    "fit_flow_matching",
    "fit_reverse_kl",
    "five_stage_flow",
    "iaf_flow",
    "kl_divergence",
    "maf_flow",
    "nice_flow",
    "planar_flow",
    "realnvp_flow",
    "spline_flow",
    "stateless_seed",
    "two_moons",
]
__version__ = "0.1.0"
"""The release; ``pyproject.toml`` reads it from here (hatch's version source)."""
