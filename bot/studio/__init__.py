"""The content studio: a separate web app where charity staff edit the overlay pack (docs/studio.md).

It never runs inside the survivor-facing gateway and holds no survivor data: only the pack's
text, the staff accounts, drafts, published versions and an audit log of staff actions.
"""
