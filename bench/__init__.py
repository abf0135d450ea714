"""Benchmarks (not timed tests): `python -m bench.run` measures our stack against stock Rasa.

Nothing here imports `rasa`: Rasa is driven through subprocesses and its REST channel.
"""
