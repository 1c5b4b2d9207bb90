"""Gallery figures saved as lossless WebP: the pixels of a PNG in about two thirds of its bytes.

``sphinx_gallery_conf["image_scrapers"]`` names :func:`webp_scraper`; it is sphinx-gallery's
own matplotlib scraper with the savefig arguments below. Lossless WebP keeps every pixel
(the gallery tests compare them with a standalone run of each script), and every current
browser shows it. The thumbnails sphinx-gallery derives from these figures are WebP too.
"""

# Also read by tests/test_gallery.py, which saves a standalone run's figures the same way.
SAVEFIG_KWARGS = {"format": "webp", "pil_kwargs": {"lossless": True}}


def webp_scraper(block, block_vars, gallery_conf):
    """sphinx-gallery's matplotlib scraper, saving every figure as lossless WebP."""
    from sphinx_gallery.scrapers import matplotlib_scraper

    return matplotlib_scraper(block, block_vars, gallery_conf, **SAVEFIG_KWARGS)
