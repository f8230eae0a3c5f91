"""The end-to-end jobs: analysis (ecosystems), investigate (load, analyse, find, report, export)
and the demo (generate, investigate, score). They use the engine rooms; nothing in the engine
imports them.
"""
