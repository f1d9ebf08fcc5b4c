"""What every front end (CLI, web server, ribbon) needs of the process it runs in, beside the use cases.

Stop signals that end a run like Ctrl+C (cleanup runs, exit 128 + signal), the test for a full
disk, and the sweep of temporary folders left by runs that were killed outright. Re-exported here so that adapters reach the library only through its facade.
"""

from xltool.core.interrupt import exit_code_of, install_stop_signals, restore_signals
from xltool.io.disk_full import is_disk_full
from xltool.io.tempdirs import is_owned, sweep_stale

__all__ = ["exit_code_of", "install_stop_signals", "is_disk_full", "is_owned", "restore_signals", "sweep_stale"]
