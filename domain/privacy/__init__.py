"""Privacy and compliance: the data map of every table that holds tenant data."""
