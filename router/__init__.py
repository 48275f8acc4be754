"""Rule engine and jurisdiction: pure code, no I/O."""

from router.cache import router_for
from router.engine import Decision, Router, UnknownRegion, compile_router
from router.in_force import InForce

__all__ = ["Decision", "InForce", "Router", "UnknownRegion", "compile_router", "router_for"]
