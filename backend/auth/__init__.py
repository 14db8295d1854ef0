"""Authentication: Argon2id passwords, cookie sessions with CSRF, bearer tokens."""
