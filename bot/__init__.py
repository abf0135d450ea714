"""The gateway and shared app code: content pack, channels, privacy helpers, CLI and supervisor.

Code that runs inside the Rasa server is not here but in the top-level `rasa_plugins` package: it lives in
another environment (.venv-rasa) and imports only Rasa's dependencies.
"""
