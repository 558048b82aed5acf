"""Daily UTC partitions of the inbound delta assets: partition D holds records changed on day D."""

import dagster as dg

from visma_airbase_pipeline.settings import load_settings

#: ``end_offset=1`` makes today a partition too: the poller keeps today's changes flowing.
daily = dg.DailyPartitionsDefinition(start_date=load_settings().partition_start, timezone="UTC", end_offset=1)
