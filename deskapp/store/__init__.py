"""The local SQLite cache: engine and PRAGMAs, tables, migrations, repositories."""
