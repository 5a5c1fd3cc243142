"""The appointment store: SQLAlchemy tables, a unit of work, store functions and migrations."""
