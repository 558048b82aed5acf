"""The ERP resources, one module per group; each exposes ``ROUTES: list[ApiRoute]``."""
