"""HTTP API (token-authenticated) for IT integrations."""
