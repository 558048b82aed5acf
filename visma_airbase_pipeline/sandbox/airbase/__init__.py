"""The Airbase sandbox: a faithful local server of the Airbase accounting API (``api/airbase.md``)."""
