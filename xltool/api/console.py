"""Console text for front ends: CJK characters measured two columns wide, file names in GBK bytes shown legibly.

Re-exported so that the CLI reaches the library only through its facade.
"""

from xltool.core.fsnames import legible_streams
from xltool.core.text import display_width

__all__ = ["display_width", "legible_streams"]
