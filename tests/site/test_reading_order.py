"""The "next" links of the built site follow the course (docs/index.md, docs/theory/index.md).

A reader who only ever clicks "next" should meet the staged figure before the
log-likelihood of a chain (equation 6), each map's own gallery page after its Jacobian,
maximum likelihood before the examples that use it, and the contributors' Performance
page only after the course and its reference pages.
"""

import re
from pathlib import Path

import pytest

SITE = Path(__file__).resolve().parents[2] / "build" / "html"
_NEXT = re.compile(r'<a class="right-next"\s+href="([^"#]+)')


def next_chain(site):
    """The pages met from index.html by following "next" links, in order."""
    page, chain = "index.html", []
    while page is not None:
        if page in chain:
            pytest.fail(f"the 'next' links loop back to {page}: {chain}")
        chain.append(page)
        found = _NEXT.search((site / page).read_text(encoding="utf-8"))
        target = (site / page).parent.joinpath(found.group(1)).resolve() if found else None
        page = None if target is None else target.relative_to(site.resolve()).as_posix()
    return chain


@pytest.fixture(scope="module")
def chain():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"No built site in {SITE}: run `nox -s docs` first.")
    return next_chain(SITE)


def position(chain, page):
    assert page in chain, f"{page} is not on the 'next' chain {chain}"
    return chain.index(page)


def test_the_course_opens_with_the_tour_and_the_theory(chain):
    assert chain[:3] == ["index.html", "tour.html", "theory/index.html"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("theory/change_of_variables.html", "auto_examples/warm_up/index.html"),
        (
            "auto_examples/staged_flow/plot_01_staged_samples.html",
            "theory/composing.html",
        ),
        ("theory/five_stage_flow.html", "auto_examples/building_blocks/index.html"),
        (
            "auto_examples/building_blocks/plot_06_sigmoid.html",
            "theory/tfp_in_practice.html",
        ),
        ("theory/tfp_in_practice.html", "auto_examples/checking/index.html"),
        ("auto_examples/checking/plot_02_gallery_of_bugs.html", "theory/original_post.html"),
        ("theory/maximum_likelihood.html", "auto_examples/learning/index.html"),
    ],
)
def test_pictures_sit_beside_the_theory_they_show(chain, before, after):
    assert position(chain, before) < position(chain, after), chain


def test_maximum_likelihood_comes_before_every_learning_example(chain):
    learning = [p for p in chain if p.startswith("auto_examples/learning/")]
    assert learning, chain
    assert position(chain, "theory/maximum_likelihood.html") < min(map(chain.index, learning))


def test_performance_is_outside_the_course(chain):
    """Performance is for contributors: the last page, after the course and reference."""
    assert chain[-1] == "performance.html", chain
    for page in ("api/index.html", "references.html", "glossary.html", "auto_examples/index.html"):
        assert position(chain, page) < len(chain) - 1
