"""Settings for the test run: the product's settings, with a throwaway data directory."""

import os
import tempfile

os.environ.setdefault("CONVENER_DATA_DIR", tempfile.mkdtemp(prefix="convener-test-"))

from convener.settings import *  # noqa: F403

# Fast hashing: tests create many users; production keeps Django's default.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
