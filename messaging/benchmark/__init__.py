"""`make bench`: the fan-out benchmark of the real product (see README, "Benchmark")."""
