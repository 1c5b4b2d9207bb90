"""Sphinx configuration: ``sphinx-build -c conf docs build/html``.

Paths: ``html_static_path`` and ``templates_path`` resolve against this folder (conf/);
sphinx-gallery's folders resolve against the source folder (docs/).
"""

import os
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

# TensorFlow logs from C++ at import; silence it before any gallery script imports it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

sys.path.insert(0, str(Path(__file__).parent / "_ext"))  # local extensions

project = "flowdocs"
author = "The flowdocs developers"
# LICENSE: the code (flowdocs, the gallery scripts and notebooks) is MIT, the text and
# figures of the site CC BY 4.0. The theme's footer shows this line.
copyright = "2026, the flowdocs developers. Code: MIT licence; text and figures: CC BY 4.0"
# The version from the installed metadata: importing flowdocs would import TensorFlow
# (seconds) on every build, even a no-op rebuild.
release = version = metadata.version("flowdocs")

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.extlinks",
    "sphinx.ext.intersphinx",  # from the inventories in conf/inventories/, never fetched
    "sphinx.ext.githubpages",  # writes .nojekyll so GitHub Pages serves _static/
    "sphinx_copybutton",
    "sphinx_gallery.gen_gallery",
    "flowdocs_webp",  # conf/_ext: figures as lossless WebP, thumbnails of one panel
    "flowdocs_katex",  # conf/_ext: math typeset by KaTeX at build time, no math script
    "notfound.extension",  # 404.html with links that work from any depth
    "sphinxext.opengraph",  # page descriptions for search results and link previews
    "flowdocs_a11y",  # conf/_ext: alt text and names the theme and gallery leave out
    "matplotlib.sphinxext.plot_directive",  # small figures drawn on the theory pages
    "sphinx_togglebutton",  # hidden solutions open on a click
    "sphinx_exercise",  # numbered exercises and their solutions
    "flowdocs_explorer",  # conf/_ext: the in-browser explorer of the five-stage flow
    "flowdocs_weight",  # conf/_ext: icon font subset to the icons shown, still thumbnails
    "flowdocs_head",  # conf/_ext: scripts deferred, so they do not hold back the first paint
    "flowdocs_doctrees",  # conf/_ext: doctrees pickled without the build environment
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
# performance_results.md and performance_lighthouse.md: the benchmark's tables, included
# by performance.md.
exclude_patterns = [
    "auto_examples/*.ipynb",
    "auto_examples/**/*.ipynb",
    "**.py.md5",
    "performance_results.md",
    "performance_lighthouse.md",
]
templates_path = ["_templates"]

# -- Math --------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
math_numfig = True
numfig = True
math_eqref_format = "({number})"

# -- Figures on the theory pages (matplotlib's plot directive) ---------------------
plot_formats = [("webp", 144)]  # WebP: about half the bytes of a PNG
plot_html_show_formats = False
plot_html_show_source_link = False
plot_include_source = False

# -- API docs ----------------------------------------------------------------------
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"
napoleon_numpy_docstring = True
napoleon_google_docstring = False

# -- Links to other projects' docs ----------------------------------------------------
# Cross-references and the gallery's code links to Python, NumPy, matplotlib and
# TensorFlow/TFP resolve against inventories kept in conf/inventories/ (its README says
# where each comes from): the links point at the published docs, and the build reads
# the files here, so nothing is fetched. The paths are absolute: relative ones would
# resolve against the source folder (docs/), not this one.
INVENTORIES = Path(__file__).resolve().parent / "inventories"
intersphinx_mapping = {
    "python": ("https://docs.python.org/3/", str(INVENTORIES / "python.inv")),
    "numpy": ("https://numpy.org/doc/stable/", str(INVENTORIES / "numpy.inv")),
    "matplotlib": ("https://matplotlib.org/stable/", str(INVENTORIES / "matplotlib.inv")),
    "tensorflow": ("https://www.tensorflow.org/", str(INVENTORIES / "tensorflow.inv")),
}
intersphinx_timeout = 1  # were a location ever a URL, fail fast rather than wait

# Types in numpydoc parameter lists that are words, not objects: -n would report each.
nitpick_ignore = [
    ("py:class", "optional"),  # numpydoc's marker for a parameter with a default
    ("py:class", "sequence"),  # any sequence (collections.abc.Sequence, in words)
    ("py:class", "tensor-like"),  # what tf.convert_to_tensor accepts (tensor, array, list)
    ("py:class", "array-like"),  # what np.asarray accepts
]
extlinks = {
    "tfp": ("https://www.tensorflow.org/probability/api_docs/python/tfp/%s", "tfp.%s"),
}

# -- Gallery -----------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["../gallery"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"\.py$",  # execute every script
    "ignore_pattern": r"__init__\.py",
    # Sections in reading order: one map, the building blocks, the flow, the checks.
    "subsection_order": [
        "../gallery/warm_up",
        "../gallery/building_blocks",
        "../gallery/staged_flow",
        "../gallery/checking",
        "../gallery/learning",
        "../gallery/variational",
        "../gallery/continuous",
    ],
    "within_subsection_order": "FileNameSortKey",
    # Code links: every name a script calls links to its entry on the API pages
    # (flowdocs) or, through intersphinx above, to the docs of Python, NumPy,
    # matplotlib, TensorFlow and TFP. doc_module names what gets backreferences.
    "doc_module": ("flowdocs",),
    "backreferences_dir": "gen_modules/backreferences",
    # conf/_ext/flowdocs_webp.py: figures as lossless WebP, a third lighter than PNG;
    # a thumbnail figure of several panels names its panel (thumbnail_panel).
    "image_scrapers": ("flowdocs_webp.webp_scraper",),
    # Animations embed as JavaScript frames in the page: no ffmpeg needed.
    "matplotlib_animations": (True, "jshtml"),
    "remove_config_comments": True,
    # Execute the scripts in as many processes as sphinx-build's -j (nox passes -j auto).
    "parallel": True,
    "download_all_examples": True,
    "show_memory": False,
    # The execution-time pages load jQuery and DataTables from CDNs: keep them off.
    "write_computation_times": False,
    "first_notebook_cell": "# This notebook needs flowdocs: pip install flowdocs",
    "promote_jupyter_magic": False,
}

# -- HTML --------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "flowdocs: normalizing flows, built step by step"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
# GitHub Pages serves the site under /flowdocs/; Read the Docs says where it serves it.
html_baseurl = os.environ.get("READTHEDOCS_CANONICAL_URL", "https://flowdocs.github.io/flowdocs/")
html_theme_options = {
    "logo": {"text": "flowdocs"},
    "navigation_with_keys": False,
    "show_prev_next": True,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "footer_start": ["copyright"],
    "footer_end": ["theme-version"],
}
# Top-level pages without sub-pages: no empty "Section Navigation" column beside them.
html_sidebars = {page: [] for page in ("performance", "references", "theory/maximum_likelihood")}
html_context = {"default_mode": "auto"}
html_show_sourcelink = True
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True

# -- 404 page and page descriptions -------------------------------------------------
notfound_urls_prefix = urlsplit(html_baseurl).path  # the 404 page's links are absolute
ogp_site_url = html_baseurl
ogp_enable_meta_description = True
ogp_social_cards = {"enable": False}  # cards would render fonts and images at build time
