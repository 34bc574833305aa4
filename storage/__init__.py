"""Storage: typed SQLAlchemy models, repositories returning domain values, migrations."""
