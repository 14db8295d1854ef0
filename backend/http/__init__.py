"""HTTP controllers: thin, one module per area."""
