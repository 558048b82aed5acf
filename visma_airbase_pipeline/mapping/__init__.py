"""Pure mappings between Visma records and Airbase payloads: no I/O, no clock, no Dagster."""

from visma_airbase_pipeline.mapping.errors import MappingError, Skip
from visma_airbase_pipeline.mapping.hashing import content_hash

__all__ = ["MappingError", "Skip", "content_hash"]
