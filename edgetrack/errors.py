"""The one exception type the CLI turns into a one-line error and a non-zero exit."""


class EdgetrackError(Exception):
    """A user-facing error: bad input, a missing file, a model that does not fit the contract."""
