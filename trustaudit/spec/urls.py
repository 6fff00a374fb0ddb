"""Secrets never travel in a spec's URL: ``base_url`` is written to the manifest, the reports and
every ledger record, so a password or a key in it would be too. Credentials go in ``api_key_env``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from pydantic_core import PydanticCustomError

#: the pydantic error type whose input a spec error message never quotes
SECRET_ERROR = "secret_in_value"

#: query parameter names that carry a credential (matched as a word of the name: api_key,
#: X-Api-Key, access_token, sig, sv ... are; api-version and model are not)
_SECRET_WORDS = (
    "key|apikey|token|secret|sig|signature|password|passwd|pwd|pass|auth|authorization"
    "|credential|credentials|session|sessionid|jwt|bearer|code"
)
SECRET_PARAMETER = re.compile(rf"(^|[^a-z])({_SECRET_WORDS})($|[^a-z])", re.I)
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")  # accessToken -> access_Token


def secret_in_url(url: str) -> str | None:
    """Why ``url`` looks like it holds a secret (never quoting it), or None."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        return (
            "holds a user name or password before the host (user:pass@host); credentials do not "
            "go in the URL, which is written to the manifest, the reports and the ledger. Put the "
            "API key in an environment variable and name it in api_key_env"
        )
    names = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
    names += [name for name, _ in parse_qsl(parts.fragment, keep_blank_values=True)]
    secret = sorted({n for n in names if SECRET_PARAMETER.search(_CAMEL.sub(r"\1_\2", n))})
    if secret:
        return (
            f"has a query parameter that carries a credential ({', '.join(secret)}); the URL is "
            "written to the manifest, the reports and the ledger. Remove it and put the API key "
            "in an environment variable named in api_key_env"
        )
    return None


def refuse_secret_in_url(url: str) -> None:
    """A pydantic error (whose input the spec message does not quote) when ``url`` holds one."""
    problem = secret_in_url(url)
    if problem:
        raise PydanticCustomError(SECRET_ERROR, problem)
