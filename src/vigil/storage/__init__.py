"""Storage: SQLAlchemy tables and the record store, on SQLite or PostgreSQL."""
