"""Redo the arithmetic a 项目概况 states: quantity × unit price × period, listed items, 共计.

Reviewers check that "8085.11平方米，4元/平方米/月" works out to the project's total. This
module reads such text into figures and into the products and sums the text implies, each
with its working written out. It knows nothing of projects, rules or findings (text in,
plain data out), so the rule module alone decides what a difference means.

The vocabulary (units and their synonyms, 共计/合计, 约 …) is data: ``data/arithmetic.toml``.
There is no eval, and every pattern is a literal alternation or a bounded character class
scanned once, so a 100 KB text is read in linear time; at most ``MAX_NUMBERS`` numbers and
``MAX_FIGURES`` figures are considered, and sums look back over at most ``MAX_RUN`` terms.
Whatever the reading had to assume (a period from the plan dates, a count from another
sentence, counts no price uses) makes it uncertain, and plausible other readings are kept
as ``alternatives`` so the rules never blame a text for a reading it does not clearly state.
"""

from xltool.rules.arithmetic.analyse import analyse
from xltool.rules.arithmetic.compute import Tolerance, agrees
from xltool.rules.arithmetic.figures import Analysis, Mismatch, Reading
from xltool.rules.arithmetic.vocab import (
    Lexicon,
    as_whole,
    cn_number,
    default_lexicon,
    fmt,
)

__all__ = [
    "Analysis", "Lexicon", "Mismatch", "Reading", "Tolerance",
    "agrees", "analyse", "as_whole", "cn_number", "default_lexicon", "fmt",
]
