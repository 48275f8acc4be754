"""The complaint's shared types and rules, with no I/O: every channel, the store and the API use them."""
