"""The gateway: connects Telegram and the web widget to Rasa's REST channel.

`app` builds the aiohttp server, `rasa_client` talks to Rasa (and falls back to static crisis
content), `expiring` holds short-lived in-memory maps, `web` and `telegram` are the channels.
"""
