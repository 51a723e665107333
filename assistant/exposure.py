"""Whether a front door (REST service or UI) may listen on an address: loopback, protected, or said so."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket

from indexer.errors import InsecureExposure

log = logging.getLogger(__name__)

INSECURE_ENV = "ASSISTANT_INSECURE"


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or a name) only reaches this machine ('', 0.0.0.0, unknown names: no)."""
    name = host.strip("[]")
    if not name:
        return False
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, None)}
    except (OSError, UnicodeError):
        return False
    return bool(addresses) and all(ipaddress.ip_address(str(a).split("%")[0]).is_loopback for a in addresses)


def insecure_from_environment() -> bool:
    return os.environ.get(INSECURE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def check_exposure(
    host: str, *, protected: bool, insecure: bool | None, door: str, risk: str, remedy: str
) -> None:
    """Refuse (`InsecureExposure`) an unprotected `door` on a non-loopback `host` unless `insecure` says so.

    `insecure` None reads $ASSISTANT_INSECURE. When allowed, the log says so loudly, once per start.
    """
    if protected or is_loopback(host):
        return
    if not (insecure_from_environment() if insecure is None else insecure):
        raise InsecureExposure(host, door, risk, remedy)
    banner = "!" * 78
    log.critical(
        "\n%s\nSECURITY: the %s listens on %s %s (--insecure).\n%s\n%s",
        banner,
        door,
        host or "(all interfaces)",
        risk,
        remedy,
        banner,
    )
