"""Storage: the SQLite store, the encrypted credential vault and its key file, ids, the query DSL."""
