"""The composition root: builds the runtime and the aiohttp application from the environment and the registry."""
