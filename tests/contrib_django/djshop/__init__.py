"""A host shop for the tests: an ``Order`` model of its own, and the admin's URLs."""
