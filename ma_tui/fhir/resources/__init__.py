"""One module per FHIR resource type, each with both directions side by side.

``to_fhir(run, row, ...)`` writes a resource from ma-tui's row and, where ma-tui
imports that type, ``from_fhir(work, resource)`` reads it back into the row, so a
round trip reads on one page. Both use the tables of ``ma_tui.fhir.codes``, so a
value written out is read back as the same value.

- ``patient``, ``coverage``, ``appointment`` (a visit on the schedule), ``allergy``,
  ``medication``, ``condition``: both ways;
- ``encounter`` (with the HPI Observation), ``vital_signs``, ``procedure``,
  ``family_history``, ``social_history``, ``screening`` (QuestionnaireResponse and
  its total Observation): export only.

What they share: ``outgoing`` (ids, references, how values are written), ``values``
(how incoming values are read), ``incoming`` (the patient a resource is about, a
row written with its audit event) and ``entries`` (history entries both ways).
``ma_tui.fhir.export`` and ``ma_tui.fhir.importer`` drive them.
"""
