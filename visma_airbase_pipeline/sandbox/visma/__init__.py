"""The Visma.net ERP sandbox: Visma Connect tokens plus the ERP Service API of ``api/visma.md``.

``app.VismaSandbox`` wires the pieces; each module owns one idea (auth, store, queries, write
DTOs, one resource group per module under ``resources/``, postings, webhooks, background API).
"""
