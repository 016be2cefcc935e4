"""`edgetrack track --serve`: the live picture, the box stream and the operator's controls over HTTP."""

from edgetrack.serve.address import ServeAddress, parse_serve_address
from edgetrack.serve.server import LiveServer

__all__ = ["LiveServer", "ServeAddress", "parse_serve_address"]
