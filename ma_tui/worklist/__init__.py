"""The worklist: refills, referrals, prior authorizations and follow-ups in one queue.

``items`` holds what every kind of work has (patient, status, owner, due time, who did
what when) and the moves allowed per kind; ``refills``, ``referrals``, ``prior_auth``
and ``followup`` add each kind's details and rules; ``fhir`` maps them to FHIR R4
``Task``\\ s and their focus resources, both ways. Everything here is pure: the caller
stores the items and writes the audit events.
"""
