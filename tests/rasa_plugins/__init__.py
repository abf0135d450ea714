"""Tests of the code that runs inside the Rasa server. They run in the Rasa environment with unittest."""
