"""Faithful local servers of Visma.net ERP and Airbase, for the demo, the tests and the benchmarks."""
