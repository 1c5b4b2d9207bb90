"""flowdocs.costs.flow_costs: a row per family and dimension, times measured, bad input refused."""

import pytest

import flowdocs
from flowdocs.costs import FlowCost, flow_costs

TINY = {
    "RealNVP": lambda d: flowdocs.realnvp_flow(dims=d, couplings=1, hidden_units=(4,)),
    "IAF": lambda d: flowdocs.iaf_flow(dims=d, layers=1, hidden_units=(4,)),
}


def test_flow_costs_gives_one_timed_row_per_family_and_dimension():
    rows = flow_costs(TINY, [2, 3], n=10, repeats=2)
    assert [(row.family, row.dims) for row in rows] == [
        ("RealNVP", 2),
        ("IAF", 2),
        ("RealNVP", 3),
        ("IAF", 3),
    ]
    assert all(isinstance(row, FlowCost) for row in rows)
    assert all(row.sample_seconds > 0 and row.score_seconds > 0 for row in rows)


@pytest.mark.parametrize("kwargs", [{"n": 0}, {"n": 2.0}, {"repeats": 0}, {"repeats": True}])
def test_flow_costs_refuses_counts_that_are_not_positive_integers(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=rf"^{name} must be a positive integer"):
        flow_costs(TINY, [2], **kwargs)
