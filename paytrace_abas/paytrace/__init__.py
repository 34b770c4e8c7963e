"""PayTrace: the v1 JSON API client, export files, and normalization to the payments frame."""
