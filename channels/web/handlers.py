"""The web channel's handlers in one object for its routes: the form (submit.py), the tracking pages (track.py) and
the static files (static.py)."""

from __future__ import annotations

from channels.descriptor import Ports
from channels.web.static import StaticFiles
from channels.web.submit import Submit
from channels.web.track import Track


class WebHandlers:
    """The pages of the web channel, given the service's ports."""

    def __init__(self, ports: Ports) -> None:
        submit, track, static = Submit(ports), Track(ports), StaticFiles()
        self.form = submit.form
        self.submit = submit.submit
        self.track_lookup = track.lookup
        self.track = track.status
        self.static = static.serve
