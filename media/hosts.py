"""Which hosts media may be fetched from (SPEC section 16): a pure decision over a URL.

The hosts of the configured API roots (over http or https, any port: a test or a local Bot API server), the
providers' own media domains and their subdomains (https on its default port only: Meta's `fbcdn.net` and
`fbsbx.com`, Twilio's `twilio.com` and `twiliocdn.com`), and the hosts ADUAN_MEDIA_HOSTS names (http or https).
Every other URL in a payload is kept as a reference and never requested; so is one with credentials in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from yarl import URL

PROVIDER_DOMAINS = ("fbcdn.net", "fbsbx.com", "twilio.com", "twiliocdn.com")


@dataclass(frozen=True, slots=True)
class Hosts:
    """The hosts media may come from: `names` exactly, `domains` and any of their subdomains."""

    names: frozenset[str]
    domains: tuple[str, ...] = PROVIDER_DOMAINS


def _host(value: str | None) -> str:
    return (value or "").lower().rstrip(".")


def hosts_of(api_roots: Iterable[str | None], extra: Iterable[str] = ()) -> Hosts:
    """The allowed hosts: those of the configured API roots and the extra host names."""
    names = {_host(URL(root).host) for root in api_roots if root}
    names.update(_host(name) for name in extra)
    names.discard("")
    return Hosts(frozenset(names))


def allowed(url: str, hosts: Hosts) -> bool:
    """Tell whether a URL may be requested: an allowed host, over http(s), with no credentials in it."""
    try:
        parsed = URL(url)
        host, scheme, port = _host(parsed.host), parsed.scheme, parsed.explicit_port
        credentials = parsed.user is not None or parsed.password is not None
    except (ValueError, TypeError):
        return False
    if not host or credentials or scheme not in ("http", "https") or not parsed.is_absolute():
        return False
    if host in hosts.names:
        return True
    in_domain = any(host == domain or host.endswith("." + domain) for domain in hosts.domains)
    return in_domain and scheme == "https" and port in (None, 443)
