"""quizapp: a terminal trainer for ML-systems interviews on the cost of attention.

Kept import-light on purpose: `quizapp --help` must not pull in sympy, numpy or textual.
"""

__version__ = "0.1.0"
