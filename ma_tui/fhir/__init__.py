"""FHIR R4 (US Core) in and out: export visits as a Bundle, import patients and the schedule.

``codes`` holds the code systems and the tables both directions share, so what
``export`` writes is exactly what ``importer`` reads back; ``reader`` streams
resources out of Bundle and NDJSON files.
"""
