"""Pseudonymisation of people: the one definition of `user_key`.

`user_key` = lowercase hex HMAC-SHA256 of the raw `user_id` encoded as UTF-8, keyed with the
UTF-8 bytes of the secret held in the environment variable `DBT_ENV_SECRET_PII_SALT`.
An activation system that holds the secret computes the same key with::

    hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable, Mapping

SECRET_ENV_VAR = "DBT_ENV_SECRET_PII_SALT"

# Used only by the demo build and the tests (the Makefile exports it when no secret is set and
# no RAW_DATA_PATH is given). Anyone who reads this file knows it: never use it for real data.
DEMO_SECRET = "DEMO-ONLY-not-a-secret-customer-intel"


class MissingSecretError(RuntimeError):
    """Raised when the pseudonymisation secret is not configured."""


def read_secret(environ: Mapping[str, str] | None = None) -> str:
    """Return the pseudonymisation secret from the environment, or raise a clear error."""
    env = os.environ if environ is None else environ
    secret = env.get(SECRET_ENV_VAR, "")
    if not secret:
        raise MissingSecretError(
            f"{SECRET_ENV_VAR} is not set. user_key is an HMAC keyed with this secret; set it to "
            "your organisation's secret before building (the demo build sets a labelled demo "
            "secret itself: `make run` without RAW_DATA_PATH)."
        )
    return secret


def user_key(secret: str, user_id: str) -> str:
    """Return the lowercase hex HMAC-SHA256 of `user_id` (UTF-8) keyed with `secret` (UTF-8)."""
    return hmac.new(secret.encode("utf-8"), user_id.encode("utf-8"), hashlib.sha256).hexdigest()


def make_user_key_function(secret: str) -> Callable[[str | None], str | None]:
    """Return a one-argument keying function closed over `secret`; NULL in gives NULL out."""
    key = secret.encode("utf-8")

    def _user_key(user_id: str | None) -> str | None:
        if user_id is None:
            return None
        return hmac.new(key, user_id.encode("utf-8"), hashlib.sha256).hexdigest()

    return _user_key
