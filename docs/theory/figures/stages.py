"""The five-stage flow one map at a time: samples and exact density after each stage.

One function per stage, so each theory section can show its own stage:
``.. plot:: theory/figures/stages.py shift`` and so on.
"""

import flowdocs
from flowdocs import plotting

FLOW = flowdocs.five_stage_flow(seed=0)


def _after(k):
    return plotting.staged_density(FLOW, n=1000, seed=0, stages=[k], panel_size=2.7)


def overview():
    return plotting.staged_scatter(FLOW, n=1000, seed=0, ncols=3, panel_size=2.4, marker_size=3)


def shift():
    return _after(1)


def scale():
    return _after(2)


def shift_and_cube():
    return _after(3)


def rotation():
    return _after(4)


def sigmoid():
    return _after(5)
