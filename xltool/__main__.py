"""``python -m xltool``: the same command line as the ``xltool`` script.

Useful where the scripts folder is not on PATH (a per-user Python on Windows) and
for running a particular interpreter's xltool explicitly.
"""

from xltool.cli import main

if __name__ == "__main__":
    main(prog_name="xltool")
