"""The one exception type the CLI turns into a one-line error and a non-zero exit."""

import sys
from collections.abc import Callable


class EdgetrackError(Exception):
    """A user-facing error: bad input, a missing file, a model that does not fit the contract."""


def run_script(main: Callable[[], None]) -> None:
    """Run a script's `main`: an EdgetrackError (bad input) is one `error:` line on stderr and exit
    code 2, as the CLI gives."""
    try:
        main()
    except EdgetrackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
