"""The Team screen: the roster with roles, progress per member and stage, and the leads' acts."""
