"""Python client of the B12 dosing API.

``b12.dosing.v1`` holds the code generated from ``proto/b12/dosing/v1/`` (messages, gRPC stubs and
their typed stubs); ``b12.dosing.client`` a small typed client over it; ``b12.dosing.cli`` the
``b12-dosing`` command-line tool.
"""
