"""Code that runs inside the Rasa server: the crisis detector NLU component and the expiring tracker store.

Only the standard library and Rasa's own dependencies may be imported here (see docs/architecture.md): this
package runs in the Rasa server's environment (.venv-rasa). The app side may import its pure modules
(`command_map`, `crisis_matcher`, `log_redaction`), never the other way round.
"""
