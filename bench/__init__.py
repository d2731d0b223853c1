"""Benchmarks of the portal beside the limits of its own stack: `make bench` (not part of `make test`)."""
