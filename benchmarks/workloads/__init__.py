"""The five workloads; each ``run`` adds its figures to a :class:`~benchmarks.results.Results`."""
