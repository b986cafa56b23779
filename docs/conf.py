"""Sphinx configuration of the sk_imagequant documentation site.

Build it (warnings are errors) from the repository's root::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import os
import re
import warnings

import sk_imagequant

# -- Project -------------------------------------------------------------------
project = "sk_imagequant"
author = "sk_imagequant developers"
copyright = "sk_imagequant developers"
# The version lives in one place, the package; pyproject.toml reads it too.
version = sk_imagequant.__version__
release = sk_imagequant.__version__

# -- Extensions ----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

# No intersphinx: the build runs offline (CI has no network but the package
# registries) and no registry package ships the numpy and scikit-learn
# inventories, so names such as ``numpy.ndarray`` or
# ``sklearn.preprocessing.KBinsDiscretizer`` are plain text, not links.

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = [
    "_build",
    "make_images.py",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.json",
    "auto_examples/*.md5",
    "**.ipynb_checkpoints",
]
templates_path = ["_templates"]
# The autosummary templates include sphinx-gallery's backreference files,
# which are written into generated/backreferences and are not pages.
exclude_patterns += ["generated/backreferences"]

# -- autodoc, autosummary, numpydoc --------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# numpydoc parses every docstring (a section it cannot parse is a warning, and
# -W makes it an error); its style validation is off.
numpydoc_validation_checks = set()
# Type lines are rendered as cross-reference roles, which also keeps a name
# such as ``n_features_in_`` in ``ndarray of shape (n_features_in_,)`` from
# being read as a reST link target. With no intersphinx they resolve to
# nothing and render as plain code; the aliases below replace numpydoc's
# glossary references (python:, numpy:), which would be broken references.
numpydoc_xref_param_type = True
numpydoc_xref_aliases = {
    # Plain targets: an unresolved ``python:int`` would show its prefix.
    **{name: name for name in ("None", "True", "False", "list", "tuple", "dict")},
    **{name: name for name in ("str", "float", "int", "callable")},
    "string": "str",
    "np.inf": "numpy.inf",
    "np.nan": "numpy.nan",
    "numpy": "numpy",
    "bool": "bool",
    "boolean": "bool",
    "iterable": "collections.abc.Iterable",
    "sequence": "collections.abc.Sequence",
    "generator": "collections.abc.Generator",
    "array-like": "numpy.typing.ArrayLike",
    "array_like": "numpy.typing.ArrayLike",
    "scalar": "numpy.generic",
    # The package's own names link to their pages.
    "ImageQuantizer": "sk_imagequant.ImageQuantizer",
    "ColorQuantizer": "sk_imagequant.ColorQuantizer",
    "PackedCodes": "sk_imagequant.PackedCodes",
    "QuantizationDisplay": "sk_imagequant.plot.QuantizationDisplay",
    "PaletteDisplay": "sk_imagequant.plot.PaletteDisplay",
    # "matplotlib Figure" and the like in the plot module.
    "Figure": "matplotlib.figure.Figure",
    "Axes": "matplotlib.axes.Axes",
    "AxesImage": "matplotlib.image.AxesImage",
    "LineCollection": "matplotlib.collections.LineCollection",
    "Colormap": "matplotlib.colors.Colormap",
}
numpydoc_xref_ignore = {
    "of",
    "or",
    "and",
    "shape",
    "default",
    "optional",
    "the",
    "a",
    "an",
    "with",
    "same",
    "as",
    "in",
    "to",
    "matplotlib",
    "3",
    "H",
    "W",
    "C",
}

# -- MyST (the narrative pages are Markdown, tables as in the README) ----------
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

# -- sphinx-gallery ------------------------------------------------------------
# The examples run headless; those that need the raccoon face read face.dat
# from the pooch cache (seeded by .ci/run). The dask example starts and closes
# its own LocalCluster of threads.
os.environ.setdefault("MPLBACKEND", "Agg")
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Run every plot_*.py; quick_start.py is shown, not run.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    # "Examples using ..." on each API page.
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("sk_imagequant",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "reset_modules": ("matplotlib", "seaborn"),
    # An example that raises fails the build.
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
}
# Agg cannot show figures; sphinx-gallery collects them instead.
warnings.filterwarnings("ignore", "FigureCanvasAgg is non-interactive", UserWarning)

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sk_imagequant {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    # The benchmarks page gives its wide tables the room of the page's
    # table of contents.
    "secondary_sidebar_items": {"**": ["page-toc"], "benchmarks": []},
}
html_show_sourcelink = False
html_static_path = []


def _skip_metadata_requests(app, what, name, obj, skip, options):
    """Leave out scikit-learn's generated ``set_*_request`` methods.

    scikit-learn adds them to every estimator for metadata routing; their
    docstrings refer to scikit-learn's glossary, which this site cannot link.
    """
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


# numpydoc's type-line links leave ``(n_features_in_,)`` alone, and docutils
# would read ``n_features_in_`` as a link to a target of that name.
_ONE_AXIS_SHAPE = re.compile(r"(?<![`\w])(\w+)_,\)")


def _escape_one_axis_shapes(app, what, name, obj, options, lines):
    """Escape the underscore of ``(name_,)`` in numpydoc's rendered lines."""
    lines[:] = [_ONE_AXIS_SHAPE.sub(r"\1\\_,)", line) for line in lines]


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_requests)
    # After numpydoc (priority 500) has turned the sections into reST.
    app.connect("autodoc-process-docstring", _escape_one_axis_shapes, priority=600)
