"""The ``graphengine`` command line: thin verbs over the same core functions as the Python API."""
