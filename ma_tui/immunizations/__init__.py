"""Immunizations and in-office injections: scan, inventory, safety checks, FHIR, due today."""
