"""Lab events: discovery days, trainings, company workshops, open labs and their registrations."""
