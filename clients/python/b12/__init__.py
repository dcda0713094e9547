"""The B12 dosing API client package: generated code (``b12.dosing.v1``) and its Python client."""
