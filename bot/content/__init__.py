"""The content pack: every sentence a survivor reads, validated by pydantic and rendered by the actions.

`schema` defines the pack, `loader` reads and validates a folder, `lint` checks the wording, `render` builds replies.
"""
