"""Custom actions for the Rasa action server: every reply is rendered from the content pack.

One module per concern; `base.SupportAction` holds what every action shares. Never imports `rasa`.
"""
