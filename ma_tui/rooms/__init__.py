"""The room board: which rooms are occupied, need turnover, are ready or out of service.

``board`` is the state machine, the turnover checklists (``data/catalogs/
room_types.json``), "next ready room" and the elapsed-time alerts; ``fhir`` maps a
room to a FHIR ``Location`` with its HL7 v2 table 0116 status, both ways.
"""
