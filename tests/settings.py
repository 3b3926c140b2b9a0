"""Settings for the test run: the product's settings, with a throwaway data directory."""

import os
import tempfile

os.environ.setdefault("CONVENER_DATA_DIR", tempfile.mkdtemp(prefix="convener-test-"))

from convener.settings import *  # noqa: F403

# Fast hashing: tests create many users; production keeps Django's default.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A file, not memory, for SQLite's test database, so that worker subprocesses started by a
# test can open the same database; they are told its name through this variable.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
if os.environ.get("CONVENER_TEST_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["CONVENER_TEST_DATABASE_NAME"]  # noqa: F405
