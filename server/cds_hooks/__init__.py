"""A CDS Hooks 2.0 service for B12 orders: a second adapter over the same kernel.

See ``server.cds_hooks.app`` for the HTTP surface and ``server.cds_hooks.facts`` for exactly which
FHIR codes and fields become which kernel inputs.
"""
