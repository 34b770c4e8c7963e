"""The plan: the postings a run would make, its re-check, and the clerk's resolutions."""
