"""The installed tokentrail version, named in every report so a figure can be reproduced."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tokentrail")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"
