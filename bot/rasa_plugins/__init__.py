"""Code that runs inside the Rasa server: the crisis detector NLU component and the expiring tracker store.

Only the standard library and Rasa's own dependencies may be imported here (see docs/architecture.md).
"""
