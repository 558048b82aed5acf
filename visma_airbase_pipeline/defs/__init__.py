"""Dagster glue: resources, partitions, assets, checks, sensors, schedules, jobs (thin; logic lives below)."""
