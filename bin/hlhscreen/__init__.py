"""hlhscreen: library behind the pipeline's bin/ tools.

The executables in bin/ are thin argparse wrappers; the logic lives here so tests import it directly
and containers need nothing installed beyond the dependencies (bin/ is on PATH and on sys.path).
"""

__version__ = "0.1.0"
