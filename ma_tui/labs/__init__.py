"""Point-of-care tests at the chair: one-line entry, flags, kit lots, daily QC, FHIR.

``line`` reads ``ua glu neg bld tr le 1+ nit pos sg 1.020 ph 6`` into readings;
``results`` flags each against its reference band or normal choice and reads the
line back; ``kits`` holds the kit lot (an expired kit is refused) and the day's
quality-control log; ``fhir`` writes the results as laboratory ``Observation``\\ s.
No Textual, no database: the screens and use cases build on these.
"""
