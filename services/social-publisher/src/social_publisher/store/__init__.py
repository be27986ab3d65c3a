"""Every SQL statement of the publisher (outside its migrations); nothing here commits."""
