"""Package discovery that pyproject.toml cannot express on its own.

The VBA sources and ribbon XML stay in the repository's top-level ``macros/``
folder (reviewed as text, named by the design), yet a wheel must carry them so an
installed xltool can build the add-in. ``[tool.setuptools.packages.find]`` cannot add
a package that lives outside ``xltool/``, so the package list is built here: every
``xltool*`` package, found as that table found them (namespace packages included),
plus ``xltool.macros`` mapped to ``macros/``. Everything else is configured in
pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["xltool", "xltool.*"]), "xltool.macros"],
    package_dir={"xltool.macros": "macros"},
)
