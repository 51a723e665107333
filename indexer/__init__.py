"""Indexer: files in, pages, passages, tiles and vectors out."""
