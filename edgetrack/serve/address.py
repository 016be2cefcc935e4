"""The `--serve [HOST:]PORT` address and whether it needs an access token."""

from __future__ import annotations

from dataclasses import dataclass

from edgetrack.errors import EdgetrackError

DEFAULT_HOST = "127.0.0.1"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})  # served without a token


@dataclass(frozen=True)
class ServeAddress:
    """Where to listen. Any host but this machine's own loopback name needs an access token."""

    host: str
    port: int

    @property
    def needs_token(self) -> bool:
        return self.host not in LOCAL_HOSTS

    def url(self, port: int | None = None) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port if port is None else port}/"


def parse_serve_address(text: str) -> ServeAddress:
    """`8080`, `0.0.0.0:8080`, `[::1]:8080` -> ServeAddress; port 0 lets the system choose one."""
    host, sep, port_text = text.strip().rpartition(":")
    if not sep:
        host = DEFAULT_HOST
    elif host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host or not host:
        host = ""
    if not host or not port_text.isdigit() or int(port_text) > 65535:
        raise EdgetrackError(f"--serve takes [HOST:]PORT (8080, 0.0.0.0:8080, [::1]:8080), got {text!r}")
    return ServeAddress(host, int(port_text))
