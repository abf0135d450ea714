"""The gateway: connects Telegram and the web widget to Rasa's REST channel.

`app` builds the aiohttp server, `rasa_client` talks to Rasa (and falls back to static crisis
content), `state/` keeps short-lived sessions and ids (in memory, or in Redis shared by several
gateways), and `web/` and `telegram/` are the channels.
"""
