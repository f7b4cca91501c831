"""The aiohttp API: REST routes, auth, errors and the WebSocket hub."""
