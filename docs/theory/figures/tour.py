"""The tour: each map of the five-stage flow as the same points before and after it.

One function per stage, ``.. plot:: theory/figures/tour.py shift`` and so on.
"""

from arrows import panels_with_arrows

import flowdocs

FLOW = flowdocs.five_stage_flow(seed=0)
POINTS = FLOW.staged_samples(1000, seed=0)


def _step(k, share=False):
    symbol = FLOW.stages[k - 1].symbol
    return panels_with_arrows(
        [POINTS[k - 1], POINTS[k]],
        [f"before ${symbol}$", f"after ${symbol}$"],
        base=POINTS[0],
        height=2.9,
        share=share,
    )


def shift():
    return _step(1, share=True)


def scale():
    return _step(2, share=True)


def shift_and_cube():
    return _step(3)


def rotation():
    return _step(4, share=True)


def sigmoid():
    return _step(5)
