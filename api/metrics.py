"""Who may read /metrics (SPEC section 17): a loopback peer, an operator's token, or a token labelled `metrics`."""

from __future__ import annotations

import ipaddress

from api.auth import Principal

METRICS_LABEL = "metrics"


def is_loopback(peer: str | None) -> bool:
    """Tell whether the TCP peer (never a forwarded address) is this machine: 127.0.0.0/8, ::1 or ::ffff:127.x."""
    try:
        address = ipaddress.ip_address((peer or "").split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def allowed(peer: str | None, principal: Principal | None) -> bool:
    """Who may read /metrics: a loopback peer, or an operator's token, or a token labelled `metrics`."""
    if is_loopback(peer):
        return True
    return principal is not None and (principal.role == "operator" or principal.label == METRICS_LABEL)


