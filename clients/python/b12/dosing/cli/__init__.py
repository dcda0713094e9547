r"""``b12-dosing``: the command-line client of the B12 dosing API, for people.

    b12-dosing plan --formulation cyanocobalamin --age 52 --deficiency confirmed \
        --neuro absent --platelets 210 --start 2026-01-05 --horizon 2026-12-31
    b12-dosing check --file check.yaml
    b12-dosing assess --file course.yaml --reference 2026-06-01 --json
    b12-dosing rules

Each command takes the request's fields as options, or a JSON or YAML file (``--file``) holding
the request in the proto's JSON form, with two conveniences: dates may be written
``YYYY-MM-DD`` and enum values by their short name (``confirmed`` for
``DEFICIENCY_STATUS_CONFIRMED``). Options override the file. The profile options are the
``PatientProfile`` fields, hyphenated (``--platelets-10e9-per-l``), with short aliases for the
common ones (``--platelets``).

``--file -`` reads the request from standard input.

Output: a readable summary (phases, a dated calendar, warnings by severity), or with ``--json``
the response in the proto's JSON mapping (the field names buf curl and grpcurl print:
``ruleSetVersion``, ``injectionDates``). Exit status: 0 success; 1 the call failed (the server is
unreachable, or an error other than an invalid request); 2 a usage error; 3 the server found the
request invalid (the offending fields are listed).

One module per command (``plan``, ``check``, ``assess``, ``export``, ``rules``); ``values`` reads
enum names, dates and request files, ``options`` builds the profile options from the proto,
``render`` prints responses, ``timeline`` draws a plan, ``calling`` makes the call and reports
its errors, ``app`` is the command group.
"""

from b12.dosing.cli.app import cli, main

__all__ = ["cli", "main"]
