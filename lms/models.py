"""People and records: participants, GADs, enrolments, workshops, attendance, certificates."""
