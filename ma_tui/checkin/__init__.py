"""Check-in: two identifiers confirmed, demographics and insurance verified."""
