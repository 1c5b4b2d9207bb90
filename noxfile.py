"""Every task a contributor runs: ``nox -s docs``, ``tests``, ``lint``, ``serve``.

Environments are built with uv where it is installed (``pip install "nox[uv]"``) and with
virtualenv otherwise. Reuse them between runs with ``nox -R``.
"""

from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "tests", "docs"]

PYPROJECT = nox.project.load_toml("pyproject.toml")
# -j auto: Sphinx reads and writes pages, and sphinx-gallery runs scripts, on every core.
SPHINX_ARGS = ["-j", "auto", "-c", "conf", "docs", "build/html"]
ENV = {
    # TensorFlow's C++ start-up chatter is noise in build and test logs.
    "TF_CPP_MIN_LOG_LEVEL": "3",
    # Keep the bytecode of imported modules, under .nox/pycache, even where the shell sets
    # PYTHONDONTWRITEBYTECODE: otherwise every process that imports TensorFlow (Sphinx,
    # each gallery worker, pytest) compiles it again, about 10 s each.
    "PYTHONDONTWRITEBYTECODE": "",
    "PYTHONPYCACHEPREFIX": str(Path(__file__).parent / ".nox" / "pycache"),
}


def install(session, *groups):
    """Install flowdocs (editable) with the named dependency groups."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, *groups))


@nox.session
def docs(session):
    """Build the site into build/html, executing every gallery script; warnings fail.

    Extra arguments go to sphinx-build, e.g. ``nox -s docs -- -D plot_gallery=0``
    (no gallery execution) or ``-D sphinx_gallery_conf.filename_pattern=plot_01``.
    """
    install(session, "docs")
    session.run("sphinx-build", "-W", "--keep-going", "-n", *SPHINX_ARGS, *session.posargs, env=ENV)


@nox.session
def tests(session):
    """Run the test suite (arguments go to pytest)."""
    install(session, "test")
    session.run("pytest", *session.posargs, env=ENV)


@nox.session
def lint(session):
    """Check style and formatting with ruff."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def bench(session):
    """Benchmark docs builds, library throughput and page weight; print and save a table.

    Needs a built site for the page weights (``nox -s docs``) and a Chromium. Arguments
    go to tests/bench/bench.py, e.g. ``nox -s bench -- --only library --repeats 3``.
    """
    install(session, "docs", "test")
    session.run("python", "tests/bench/bench.py", *session.posargs, env=ENV)


@nox.session
def serve(session):
    """Rebuild the site on every change and serve it on http://127.0.0.1:8000."""
    install(session, "docs")
    session.install("sphinx-autobuild")
    session.run(
        "sphinx-autobuild",
        "--host",
        "127.0.0.1",
        "--port",
        "8000",
        "--watch",
        "flowdocs",
        "--watch",
        "gallery",
        "--watch",
        "conf",
        "--re-ignore",
        r"auto_examples|gen_modules",
        *SPHINX_ARGS,
        *session.posargs,
        env=ENV,
    )
