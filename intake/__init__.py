"""The intake path every channel shares: store, open or join, route, answer, in shared commits."""
