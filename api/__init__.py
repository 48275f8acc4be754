"""The HTTP API, its middlewares and the runtime state the pages and channels share."""
