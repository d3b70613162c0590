"""Chief complaint: why the patient came, in their own words, and the HPI."""
