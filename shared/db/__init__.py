"""The SQL layer (the only importer of SQLAlchemy): tables, migrations and stores."""

from sqlalchemy.exc import OperationalError as DatabaseUnavailable

__all__ = ["DatabaseUnavailable"]
