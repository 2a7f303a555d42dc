"""Sphinx configuration: MyST Markdown pages, autodoc for the API reference, the Furo theme.

Why Sphinx rather than MkDocs Material: the API reference comes from the
docstrings through autodoc (``-W`` turns a broken docstring into a failed
build), the doctest-style examples and the notebook page fit its toolchain, and
MyST keeps the pages in Markdown.

The build is offline (no intersphinx) and reads the package from ``src/`` so
it documents this checkout, installed or not.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

project = "customer_core"
author = "customer_core developers"
copyright = "customer_core developers"
release = "0.2.0.dev0"
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": True}
# The testing helpers import pytest and hypothesis; a docs-only environment may lack them.
autodoc_mock_imports = [
    name for name in ("pytest", "hypothesis") if importlib.util.find_spec(name) is None
]

html_theme = "furo"
html_title = "customer_core"

# A field named ``type`` (CustomerEvent.type, NewEvent.type) makes Sphinx's Python domain
# find two targets for the builtin ``type`` in annotations; the builtin is what is meant.
suppress_warnings = ["ref.python"]
