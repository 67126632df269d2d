"""baktui: the exam office's terminal for the baccalauréat technologique."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("baktui")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0.0.0"
