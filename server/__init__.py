"""The service around the kernel, one adapter per surface, none of them clinical.

- ``server.grpc``: the gRPC API (``b12.dosing.v1``): composition root, servicer, translation
  between the wire and the kernel's values, interceptors, the process and worker entry points.
- ``server.export``: a plan as FHIR R4 and as iCalendar (used by the ``ExportPlan`` RPC).
- ``server.cds_hooks``: a CDS Hooks 2.0 service for EHRs, over the same kernel.

Arrows point one way: ``cds_hooks`` → ``export`` → ``grpc.translate`` → ``kernel``; the kernel
imports none of them.
"""
