"""Data in and out: CSV imports, exports, backups and restores, briefs, the seed and the demo."""
