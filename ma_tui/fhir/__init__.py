"""FHIR R4 (US Core) in and out, an adapter at the edge of ma-tui.

- ``resources/``: one module per resource type, its ``to_fhir`` and its
  ``from_fhir`` side by side, so a round trip reads on one page;
- ``codes``: the code systems and tables both directions share;
- ``export``: what a selection exports, streamed as a Bundle, and the export use
  cases (audited); ``importer``: the two-pass import in batches, a savepoint per
  resource; ``report``: what an import did; ``validation``: the R4B model check;
- ``reader``: resources streamed out of Bundle and NDJSON files;
- ``commands``: ``ma-tui export fhir`` and ``ma-tui import fhir``;
- ``errors``: what a person is told when an export cannot be done (``UserError``).
"""
