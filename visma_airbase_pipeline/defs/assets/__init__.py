"""The connector's assets: ``visma/*`` pull from Visma, ``airbase/*`` write to Airbase."""
