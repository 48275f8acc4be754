"""The compiled rules of the last few config versions, so each version is compiled once per process."""

from __future__ import annotations

from config.loader import Config
from router.engine import Router, compile_router

_routers: dict[str, Router] = {}


def router_for(config: Config) -> Router:
    """The compiled rules of a config version, compiled once (the last few versions are kept)."""
    router = _routers.get(config.version)
    if router is None:
        if len(_routers) >= 4:
            _routers.pop(next(iter(_routers)))
        router = _routers[config.version] = compile_router(config)
    return router
