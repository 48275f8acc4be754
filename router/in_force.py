"""The routing table in force: one holder that intake, the deliverers and the sweep read, and a reload switches."""

from __future__ import annotations

from config.loader import Config
from router.engine import Router


class InForce:
    """The compiled rules of the config in force; `use` switches to another whole (queued messages keep theirs)."""

    def __init__(self, router: Router) -> None:
        self.router = router

    @property
    def config(self) -> Config:
        return self.router.config

    def use(self, router: Router) -> None:
        """Switch to a newly loaded config."""
        self.router = router
