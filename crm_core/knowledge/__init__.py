"""The knowledge base: articles, categories and full-text search."""
