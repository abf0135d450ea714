"""The gateway and shared app code: content pack, channels, privacy helpers, CLI and supervisor.

`bot.rasa_plugins` is the exception: it runs inside the Rasa server and imports only Rasa's dependencies.
"""
