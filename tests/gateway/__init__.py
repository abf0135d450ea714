"""Gateway tests: the web channel and the Telegram channel, against local stand-ins only."""
