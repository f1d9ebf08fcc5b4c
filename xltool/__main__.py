"""``python -m xltool``: the same CLI as the ``xltool`` console script."""

from xltool.cli import main

if __name__ == "__main__":
    main()
