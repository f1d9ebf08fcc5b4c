"""Package discovery that pyproject.toml cannot express on its own.

The VBA sources and ribbon XML stay in the repository's top-level ``macros/``
folder (reviewed as text, named by the design), yet a wheel must carry them so an
installed xltool can build the add-in. ``[tool.setuptools.packages.find]`` cannot add
a package that lives outside ``xltool/``, so the package list is built here: every
``xltool*`` package plus ``xltool.macros`` mapped to ``macros/``. Everything else is
configured in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["xltool", "xltool.*"]), "xltool.macros"],
    package_dir={"xltool.macros": "macros"},
)
