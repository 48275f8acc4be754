"""Who may read /metrics (SPEC section 17): a loopback peer, an operator's token, or a token labelled `metrics`."""

from __future__ import annotations

import ipaddress

from api.auth import Principal

METRICS_LABEL = "metrics"


def is_loopback(peer: str | None) -> bool:
    """Tell whether an address is this machine: 127.0.0.0/8, ::1 or ::ffff:127.x."""
    try:
        address = ipaddress.ip_address((peer or "").split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def allowed(peer: str | None, principal: Principal | None, client: str | None = None) -> bool:
    """Who may read /metrics: a request from this machine, or an operator's token, or a token labelled `metrics`.

    From this machine: the TCP peer is loopback and so is `client`, the address trusted proxies name (behind a proxy
    on this machine every peer is loopback; the client it forwards for decides)."""
    if is_loopback(peer) and (client is None or is_loopback(client)):
        return True
    return principal is not None and (principal.role == "operator" or principal.label == METRICS_LABEL)


