"""Every error socialgit raises on purpose derives from one root.

The CLI maps the root's branches to exit codes in one place (``socialgit.cli``); the runner
decides retry, refresh or failure from the class alone, without knowing which network spoke.
Errors from other libraries (httpx, git, yaml, cryptography) are translated where they enter,
with ``raise ... from exc``.

    SocialgitError
    ├── UsageError              bad command-line input                      exit 2
    ├── ConfigError             socialgit.yml missing or invalid            exit 2
    ├── VaultError              key missing or wrong, entry edited          exit 2
    ├── RepoError               not a repository, git refused, push lost    exit 2
    ├── ProblemsFound           validation found problems                   exit 1
    ├── DeliveryFailed          a delivery failed for good                  exit 1
    └── ProviderError           raised by providers/, judged by the runner
        ├── AuthExpired         refresh the credentials once, then retry once
        ├── AuthRevoked         a person must run `socialgit connect ACCOUNT`
        ├── RateLimited         wait until ``.until``; defer, no attempt counted
        ├── Rejected            the network refused this content; final
        │   └── Duplicate       the network says it has this already: look it up
        ├── Transient           5xx, refused connection: retry on a later run
        ├── OutcomeUnknown      sent, no answer (timeout): look it up before resending
        └── Unsupported         the network cannot do what the post asks
"""

from __future__ import annotations

from datetime import datetime


class SocialgitError(Exception):
    """Root of every expected error; ``str(err)`` is one line a person can act on."""

    exit_code = 2


class UsageError(SocialgitError):
    pass


class ConfigError(SocialgitError):
    pass


class VaultError(SocialgitError):
    pass


class RepoError(SocialgitError):
    pass


class ProblemsFound(SocialgitError):
    exit_code = 1


class DeliveryFailed(SocialgitError):
    exit_code = 1


class ProviderError(SocialgitError):
    """A network's answer, classified. Messages must never contain credentials."""

    exit_code = 1


class AuthExpired(ProviderError):
    pass


class AuthRevoked(ProviderError):
    pass


class RateLimited(ProviderError):
    def __init__(self, message: str, until: datetime | None = None) -> None:
        super().__init__(message)
        self.until = until


class Rejected(ProviderError):
    pass


class Duplicate(Rejected):
    pass


class Transient(ProviderError):
    pass


class OutcomeUnknown(ProviderError):
    pass


class Unsupported(ProviderError):
    pass
