"""The gallery as readers run it: every script on its own, every notebook in a fresh kernel.

Three promises, checked for every example under ``gallery/``:

- a script runs on its own, outside Sphinx: a fresh interpreter runs it as ``__main__``
  (what ``python gallery/<section>/<file>.py`` does) with ``MPLBACKEND=Agg``, in an empty
  temporary folder;
- the notebook the built site offers for download (``build/html/_downloads``) runs top
  to bottom in a fresh Jupyter kernel, and the downloaded ``.py`` is the script itself;
  both say at the top how to install what they need;
- its figures are reproducible: the figures of that standalone run, saved the way
  sphinx-gallery saves them, are pixel for pixel the images of the last build, and the
  animation's GIF is frame for frame the build's.

The notebook and figure tests need a build (``nox -s docs``) and fail, never skip,
without one. Child interpreters share a bytecode cache in pytest's cache folder, so only
the first one pays for compiling TensorFlow (about 10 s of each start otherwise).
"""

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

ROOT = Path(__file__).resolve().parents[2]
GALLERY = ROOT / "gallery"
BUILT = ROOT / "docs" / "auto_examples"
DOWNLOADS = ROOT / "build" / "html" / "_downloads"  # what the site offers readers
INSTALL = "pip install flowdocs"
SCRIPTS = sorted(GALLERY.rglob("plot_*.py"))
IDS = [script.relative_to(GALLERY).with_suffix("").as_posix() for script in SCRIPTS]
TIMEOUT = 600  # seconds per script or notebook: a hung kernel fails instead of stalling

# Runs a gallery script as __main__, then saves every figure still open as the build's
# scraper does (same savefig arguments; an animation as the GIF it writes for the
# thumbnail, at the same dpi), numbered in creation order: 001.webp, 002.gif, ...; and
# the thumbnail's panel, as panel.webp, where the script names one.
RUNNER = """
import json, runpy, sys
import matplotlib
import matplotlib.pyplot as plt
from matplotlib.animation import Animation

script, out = sys.argv[1], sys.argv[2]
thumbnail_size, savefig_kwargs = json.loads(sys.argv[3]), json.loads(sys.argv[4])
webp = runpy.run_path(sys.argv[5])  # conf/_ext/flowdocs_webp.py: the thumbnail panel
sys.argv = [script]
names = runpy.run_path(script, run_name="__main__")
animations = {a._fig: a for a in names.values() if isinstance(a, Animation)}
figures = [plt.figure(num) for num in plt.get_fignums()]
if not animations:
    source = open(script, encoding="utf-8").read()
    webp["save_thumbnail_panel"](figures, 1, source, f"{out}/panel.webp", **savefig_kwargs)
to_rgba = matplotlib.colors.to_rgba
for number, fig_num in enumerate(plt.get_fignums(), start=1):
    fig = plt.figure(fig_num)
    if fig in animations:
        size = fig.get_size_inches()
        dpi = round(min(t / s for t, s in zip(thumbnail_size, size)))
        animations[fig].save(f"{out}/{number:03d}.gif", dpi=dpi)
        continue
    kwargs = {
        attr: getattr(fig, "get_" + attr)()
        for attr in ("facecolor", "edgecolor")
        if to_rgba(getattr(fig, "get_" + attr)()) != to_rgba(matplotlib.rcParams["figure." + attr])
    }
    fig.savefig(f"{out}/{number:03d}.{savefig_kwargs['format']}", **kwargs, **savefig_kwargs)
"""
THUMBNAIL_SIZE = (400, 280)  # sphinx-gallery's default `thumbnail_size`, as in conf/conf.py


def child_env(pycache):
    """Environment of a child interpreter or kernel: quiet TensorFlow, Agg, no user config."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        MPLBACKEND="Agg",
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONPYCACHEPREFIX=str(pycache),
        MPLCONFIGDIR=str(pycache.parent / "mplconfig"),
        JUPYTER_PLATFORM_DIRS="1",
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    )
    return env


@pytest.fixture(scope="session")
def pycache(request, tmp_path_factory):
    """Bytecode cache shared by the child interpreters: pytest's cache, or a temp folder."""
    cache = getattr(request.config, "cache", None)  # None under `-p no:cacheprovider`
    if cache is None:
        return tmp_path_factory.mktemp("pycache")
    return Path(cache.mkdir("gallery-pycache"))


@functools.cache
def _standalone_run(script, out, pycache, savefig_kwargs):
    out.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            RUNNER,
            str(script),
            str(out),
            json.dumps(THUMBNAIL_SIZE),
            savefig_kwargs,
            str(ROOT / "conf" / "_ext" / "flowdocs_webp.py"),
        ],
        cwd=out,
        env=child_env(pycache),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture(params=SCRIPTS, ids=IDS)
def standalone(request, tmp_path_factory, pycache, savefig_kwargs):
    """The script's standalone run (once per session) and the folder of its figures."""
    script = request.param
    out = tmp_path_factory.getbasetemp() / "standalone" / script.stem
    return script, _standalone_run(script, out, pycache, json.dumps(savefig_kwargs)), out


def test_script_runs_standalone(standalone):
    script, run, _ = standalone
    assert run.returncode == 0, f"{script} failed on its own:\n{run.stderr[-4000:]}"
    assert "Traceback" not in run.stderr, run.stderr[-4000:]


def built_images(script):
    """The images the last build made for ``script``, in order: name -> path."""
    images = BUILT / script.parent.relative_to(GALLERY) / "images"
    found = sorted(images.glob(f"sphx_glr_{script.stem}_[0-9][0-9][0-9].*"))
    if not found:
        pytest.fail(f"No built images for {script.name} in {images}: run `nox -s docs` first.")
    return {path.name.removeprefix(f"sphx_glr_{script.stem}_"): path for path in found}


def frames(path):
    with Image.open(path) as image:
        return [np.asarray(frame.convert("RGBA")) for frame in ImageSequence.Iterator(image)]


TIMED = {"learning/plot_04_flow_families_cost"}
"""Scripts whose figures plot wall-clock times measured as they run: the times differ on
every run, so only the number, frames and size of their figures are compared."""


def test_figures_match_the_build(standalone):
    script, run, out = standalone
    assert run.returncode == 0, f"{script} failed on its own:\n{run.stderr[-4000:]}"
    built = built_images(script)
    fresh = {path.name: path for path in sorted(out.glob("[0-9][0-9][0-9].*"))}
    assert sorted(fresh) == sorted(built), (
        f"{script.name}: figures {sorted(fresh)} vs {sorted(built)}"
    )
    for name, path in fresh.items():
        new, old = frames(path), frames(built[name])
        assert len(new) == len(old), f"{script.name} {name}: {len(new)} frames vs {len(old)} built"
        for number, (a, b) in enumerate(zip(new, old, strict=True)):
            assert a.shape == b.shape, (
                f"{script.name} {name} frame {number}: size {a.shape} vs {b.shape}"
            )
            if script.relative_to(GALLERY).with_suffix("").as_posix() in TIMED:
                continue
            differing = int(np.count_nonzero(np.any(a != b, axis=-1)))
            assert differing == 0, (
                f"{script.name} figure {name} frame {number}: {differing} pixels differ from "
                f"the build; an unseeded draw, or a build older than the script (rebuild)"
            )


def test_thumbnail_is_one_panel(standalone, webp, tmp_path):
    """The gallery's thumbnail is the panel the script names, drawn as the build drew it,
    or a figure of one panel (the standalone run fails on a figure of several unnamed)."""
    from sphinx_gallery.gen_rst import scale_image

    script, run, out = standalone
    assert run.returncode == 0, f"{script} failed on its own:\n{run.stderr[-4000:]}"
    thumbs = BUILT / script.parent.relative_to(GALLERY) / "images" / "thumb"
    built_panel = webp.panel_path(thumbs.parent / "x", script)
    assert (out / "panel.webp").exists() == built_panel.exists(), (
        f"{script.name}: the build and a standalone run disagree on the thumbnail's panel"
    )
    if not built_panel.exists():
        number, _ = webp.thumbnail_choice(script.read_text(encoding="utf-8"))
        assert number <= len(built_images(script)), f"{script.name}: no figure {number}"
        return
    fresh, built = frames(out / "panel.webp")[0], frames(built_panel)[0]
    assert fresh.shape == built.shape, f"{script.name}: panel {fresh.shape} vs {built.shape}"
    if script.relative_to(GALLERY).with_suffix("").as_posix() not in TIMED:
        assert np.array_equal(fresh, built), f"{script.name}: the panel differs from the build's"
    scale_image(str(built_panel), str(tmp_path / "thumb.webp"), *THUMBNAIL_SIZE)
    thumb = thumbs / f"sphx_glr_{script.stem}_thumb.webp"
    assert np.array_equal(frames(tmp_path / "thumb.webp")[0], frames(thumb)[0]), (
        f"{thumb.name} is not made from the panel {built_panel.name}: rebuild"
    )


def download_of(script, suffix):
    """The file the built site offers for download as ``<script name><suffix>``."""
    found = sorted(DOWNLOADS.glob(f"*/{script.stem}{suffix}"))
    if len(found) != 1:
        pytest.fail(f"Expected one {script.stem}{suffix} in {DOWNLOADS}: run `nox -s docs`.")
    return found[0]


def notebook_for(script):
    return download_of(script, ".ipynb")


@pytest.mark.parametrize("script", SCRIPTS, ids=IDS)
def test_downloads_are_the_script_and_say_how_to_install(script):
    """The downloaded .py is the script the standalone test runs; both downloads start
    by telling the reader what to install."""
    import nbformat

    source = download_of(script, ".py").read_text(encoding="utf-8")
    assert source == script.read_text(encoding="utf-8")
    assert INSTALL in "\n".join(source.splitlines()[:20]), f"{script.name}: no {INSTALL!r} on top"
    first_cell = nbformat.read(notebook_for(script), as_version=4).cells[0].source
    assert INSTALL in first_cell, f"{script.stem}.ipynb starts with {first_cell!r}"


@pytest.mark.parametrize("script", SCRIPTS, ids=IDS)
def test_notebook_runs_in_a_fresh_kernel(script, tmp_path, pycache):
    import nbclient
    import nbformat

    notebook = nbformat.read(notebook_for(script), as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute(env=child_env(pycache))  # raises CellExecutionError on any error
    errors = [
        out
        for cell in notebook.cells
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]
    assert not errors
