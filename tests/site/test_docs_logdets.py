"""The numbers on the theory pages are the library's numbers.

"The five-stage flow" (docs/theory/five_stage_flow.md) quotes, for
``five_stage_flow(seed=0)`` and the base point it names, the point entering each stage
and that stage's log|det J| (table ``logdet-table``), and the worked example of eq. (6)
(table ``worked-point-table``). These tests read both tables from the MyST source and
compare every value with the library and with the closed forms the page states, so the
page, the closed forms and the code cannot drift apart. They also run every ``python``
snippet of the theory pages, which check the equations they sit next to.

The tables are plain pipe tables inside ``:::{table}`` blocks; keep cells free of ``|``
(write ``\\lvert ... \\rvert`` for absolute values).
"""

import contextlib
import io
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

with warnings.catch_warnings():
    # TFP 0.25 compares TensorFlow versions with distutils' LooseVersion when first
    # imported; the warning comes from setuptools, which pyproject's gast filter misses.
    warnings.filterwarnings(
        "ignore", "distutils Version classes are deprecated", DeprecationWarning
    )
    import flowdocs

DOCS = Path(__file__).resolve().parents[2] / "docs"
FIVE_STAGE_PAGE = DOCS / "theory" / "five_stage_flow.md"
SNIPPET_PAGES = (
    "change_of_variables.md",
    "composing.md",
    "five_stage_flow.md",
    "tfp_in_practice.md",
    "original_post.md",
    "maximum_likelihood.md",
    "continuous_flows.md",
)
STAGES = ("shift", "scale", "shift_and_cube", "rotation", "sigmoid")
QUOTED = 2e-4
"""The page rounds to four decimals (error 5e-5); the rest is float32 slack."""

_NUMBER = re.compile(r"[-−]?\d+(?:\.\d+)?")


def read_table(name):
    """The ``:::{table}`` block with ``:name: <name>``: its column titles and body rows."""
    text = FIVE_STAGE_PAGE.read_text(encoding="utf-8")
    for block in re.finditer(r"^:::\{table\}.*?^:::$", text, re.MULTILINE | re.DOTALL):
        if re.search(rf"^:name: {re.escape(name)}$", block.group(0), re.MULTILINE):
            rows = [line.strip() for line in block.group(0).splitlines()]
            rows = [row.strip("|").split("|") for row in rows if row.startswith("|")]
            rows = [[cell.strip() for cell in row] for row in rows]
            return rows[0], rows[2:]  # rows[1] is the |---| separator
    pytest.fail(f"{FIVE_STAGE_PAGE} has no ':::{{table}}' block with ':name: {name}'.")


def column(titles, start):
    """The index of the column whose title starts with ``start``."""
    matches = [i for i, title in enumerate(titles) if title.lower().startswith(start)]
    assert len(matches) == 1, f"expected one column titled {start!r}...; got {titles}"
    return matches[0]


def numbers(cell):
    """Every number written in a table cell, in order ("−" counts as a minus sign)."""
    return [float(match.replace("−", "-")) for match in _NUMBER.findall(cell)]


def logdet_rows():
    """Stage name -> (quoted input point, quoted log|det J|), in table order."""
    titles, body = read_table("logdet-table")
    point, value = column(titles, "input"), column(titles, "value")
    rows = {}
    for cells in body:
        name = re.match(r"`(\w+)`", cells[0])
        assert name, f"logdet-table: the stage cell {cells[0]!r} must start with `name`"
        rows[name.group(1)] = (np.array(numbers(cells[point])), *numbers(cells[value]))
    return rows


def worked_rows():
    """Quantity (the words of its first cell) -> the numbers of its value cell."""
    titles, body = read_table("worked-point-table")
    value = column(titles, "value")
    return {cells[0].lower(): numbers(cells[value]) for cells in body}


def worked(key):
    matches = [value for quantity, value in worked_rows().items() if quantity.startswith(key)]
    assert len(matches) == 1, f"worked-point-table needs exactly one row starting {key!r}"
    return matches[0]


@pytest.fixture(scope="module")
def flow():
    """The flow the page describes, exactly as the page builds it."""
    return flowdocs.five_stage_flow(seed=0)


@pytest.fixture(scope="module")
def stage_inputs(flow):
    """The library's point entering each stage, starting from the page's base point."""
    point = logdet_rows()["shift"][0].astype(np.float32)
    inputs = {}
    for stage in flow.stages:
        inputs[stage.name] = point
        point = stage.bijector.forward(point).numpy()
    inputs["output"] = point
    return inputs


def closed_form_log_det(stage, point):
    """log|det J| of each stage at ``point``, from the formulas on the page (NumPy only)."""
    point = np.asarray(point, np.float64)
    if stage.name == "scale":  # eq. jacobian-scale: log|d0 d1|
        return float(np.log(np.abs(np.prod(np.asarray(stage.bijector.scale, np.float64)))))
    if stage.name == "sigmoid":  # eq. jacobian-sigmoid: sum of log s(1 - s)
        s = 1 / (1 + np.exp(-point))
        return float(np.sum(np.log(s * (1 - s))))
    # shift (identity Jacobian), shift-and-cube (unit triangular), rotation (det 1)
    return 0.0


def test_logdet_table_lists_every_stage_in_order(flow):
    assert flow.names == STAGES
    assert tuple(logdet_rows()) == STAGES, (
        "The logdet-table rows must name the stages of five_stage_flow() in order, "
        f"one row each: {STAGES}."
    )


@pytest.mark.parametrize("name", STAGES)
def test_quoted_point_is_the_point_entering_the_stage(name, stage_inputs):
    quoted, _ = logdet_rows()[name]
    np.testing.assert_allclose(
        quoted,
        stage_inputs[name],
        atol=QUOTED,
        err_msg=f"logdet-table: the point entering {name!r} is not what the library gives",
    )


@pytest.mark.parametrize("name", STAGES)
def test_quoted_log_det_matches_the_library(name, flow, stage_inputs):
    _, quoted = logdet_rows()[name]
    stage = flow.stages[flow.names.index(name)]
    library = float(stage.bijector.forward_log_det_jacobian(stage_inputs[name], event_ndims=1))
    assert quoted == pytest.approx(library, abs=QUOTED), (
        f"logdet-table quotes log|det J| = {quoted} for {name!r}; the library computes "
        f"{library:.6f}."
    )


@pytest.mark.parametrize("name", STAGES)
def test_quoted_log_det_matches_the_closed_form(name, flow, stage_inputs):
    _, quoted = logdet_rows()[name]
    stage = flow.stages[flow.names.index(name)]
    closed_form = closed_form_log_det(stage, stage_inputs[name])
    assert quoted == pytest.approx(closed_form, abs=QUOTED), (
        f"logdet-table quotes log|det J| = {quoted} for {name!r}; the closed form on the "
        f"page gives {closed_form:.6f}."
    )


def test_worked_parameters_are_the_seed_0_draws(flow):
    strength = float(flow.stages[2].bijector.strength)
    angle = float(flow.stages[3].bijector.angle)
    assert worked("shear strength")[0] == pytest.approx(strength, abs=QUOTED)
    radians, degrees = worked("rotation angle")
    assert radians == pytest.approx(angle, abs=QUOTED)
    assert degrees == pytest.approx(math.degrees(angle), abs=0.01)


def test_worked_points(stage_inputs):
    np.testing.assert_allclose(worked("base point"), stage_inputs["shift"], atol=QUOTED)
    np.testing.assert_allclose(worked("flow output"), stage_inputs["output"], atol=QUOTED)


def test_worked_log_densities(flow, stage_inputs):
    z0, x = stage_inputs["shift"], stage_inputs["output"]
    (base,), (total,), (log_p,) = (
        worked(key) for key in ("base log-density", "sum of log-", "log-density of the output")
    )
    closed_form_base = -math.log(math.pi / 2) - 2 * float(np.sum(np.square(z0, dtype=float)))
    assert base == pytest.approx(float(flow.base.log_prob(z0)), abs=QUOTED)
    assert base == pytest.approx(closed_form_base, abs=QUOTED)
    assert total == pytest.approx(
        float(flow.bijector.forward_log_det_jacobian(z0, event_ndims=1)), abs=QUOTED
    )
    assert total == pytest.approx(sum(row[1] for row in logdet_rows().values()), abs=QUOTED)
    assert log_p == pytest.approx(base - total, abs=QUOTED)  # eq. (6) on the page's numbers
    assert log_p == pytest.approx(float(flow.distribution.log_prob(x.copy())), abs=QUOTED)


def python_snippets(page):
    """The ```python blocks of a docs page, in order."""
    text = (DOCS / "theory" / page).read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("page", SNIPPET_PAGES)
def test_theory_page_snippets_run(page):
    """Each page's snippets run in order in one namespace, as a reader would paste them."""
    snippets = python_snippets(page)
    assert snippets, f"docs/theory/{page} has no ```python snippets to run"
    namespace = {"__name__": f"docs_snippets_{Path(page).stem}"}
    with contextlib.redirect_stdout(io.StringIO()):
        for number, code in enumerate(snippets, start=1):
            compiled = compile(code, f"docs/theory/{page} (snippet {number})", "exec")
            exec(compiled, namespace)
