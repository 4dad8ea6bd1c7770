"""xlplan: run an improvement or action plan out of one shared Excel workbook.

The library never prints; the command line (xlplan.cli) renders what it returns.
"""

__version__ = "0.1.0"
