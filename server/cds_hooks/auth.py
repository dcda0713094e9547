"""Authenticating the CDS client, as CDS Hooks 2.0 specifies ("Trusting CDS Clients").

Every call but ``GET /health`` carries ``Authorization: Bearer <JWT>``. The JWT is accepted only
when all of these hold (PyJWT with ``cryptography`` does the cryptography and the claim checks):

- its header names an asymmetric ``alg`` this service accepts (ES384 or RS384 by default: never
  ``none``, never an HMAC), a ``kid``, and ``typ`` ``JWT``;
- its ``iss`` is on the allow-list (``TrustedIssuer``), and a ``jku``, if given, is that issuer's
  own JWK Set URL;
- its signature verifies with the key ``kid`` of that issuer's JWK Set, read from a local file or
  fetched from the issuer's URL (bounded time-outs; fetched again at most once a minute when a new
  ``kid`` appears, and after an hour);
- ``aud`` is the URL of the endpoint called: ``{service URL}/cds-services`` for discovery,
  ``{service URL}/cds-services/{id}`` for a service (and for its feedback endpoint, also
  ``.../{id}/feedback``);
- ``exp`` is in the future and ``iat`` not (30 s leeway for clocks), and the token lives at most
  5 minutes (the specification's "SHOULD be five minutes"), so that
- its ``jti`` can be remembered until it expires: a ``jti`` seen before from the same issuer is a
  replay. The memory is this process's: replicas behind a load balancer each keep their own, so a
  replay to another replica is not caught (pin an issuer's calls to one replica, or share the
  memory, to close that gap).

Anything else is ``401`` with the reason (never the token). Turning authentication off takes an
explicit flag (``--insecure-no-auth``), which the service logs as a warning at start.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import httpx
import jwt

DEFAULT_ALGORITHMS: Final = ("ES384", "RS384")
ASYMMETRIC_ALGORITHMS: Final = frozenset(
    {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"}
)
LEEWAY_SECONDS: Final = 30
MAX_LIFETIME_SECONDS: Final = 300
JWKS_REFRESH_SECONDS: Final = 3600
JWKS_RETRY_SECONDS: Final = 60
JWKS_MAX_BYTES: Final = 256 * 1024
MAX_REMEMBERED_JTIS: Final = 200_000


class AuthenticationError(Exception):
    """The call is not authenticated (an HTTP 401); the message says why, never the token."""


@dataclass(frozen=True)
class TrustedIssuer:
    """An EHR this service trusts: its ``iss`` and where its JWK Set is (a URL or a file)."""

    issuer: str
    jwks_url: str | None = None
    jwks_file: Path | None = None


@dataclass(frozen=True)
class AuthSettings:
    """What authentication checks: the service's public URL (the ``aud`` prefix), the issuers
    it trusts, the algorithms it accepts."""

    service_url: str
    issuers: tuple[TrustedIssuer, ...]
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS

    def __post_init__(self) -> None:
        """Refuse a configuration that could not authenticate anyone, or would trust HMAC."""
        if not self.issuers:
            message = "authentication needs at least one trusted issuer"
            raise ValueError(message)
        if not self.service_url.startswith(("https://", "http://")):
            message = "the service URL must be an absolute http(s) URL"
            raise ValueError(message)
        unsafe = set(self.algorithms) - ASYMMETRIC_ALGORITHMS
        if unsafe:
            message = f"only asymmetric JWS algorithms can be accepted, not {sorted(unsafe)}"
            raise ValueError(message)
        for issuer in self.issuers:
            if (issuer.jwks_url is None) == (issuer.jwks_file is None):
                message = f"issuer {issuer.issuer}: give its JWK Set URL or file (one of them)"
                raise ValueError(message)


def endpoint_audiences(service_url: str, path: str) -> tuple[str, ...]:
    """Return the ``aud`` values that admit a call to ``path`` (``/cds-services...``)."""
    base = service_url.rstrip("/")
    if path.endswith("/feedback"):
        return (f"{base}{path}", f"{base}{path.removesuffix('/feedback')}")
    return (f"{base}{path}",)


@dataclass
class _KeySet:
    keys: dict[str, jwt.PyJWK] = field(default_factory=dict)
    fetched_at: float = float("-inf")


def _parse_jwks(raw: bytes, where: str) -> dict[str, jwt.PyJWK]:
    try:
        document = json.loads(raw)
        key_set = jwt.PyJWKSet.from_dict(document)
    except (ValueError, jwt.PyJWKSetError, jwt.InvalidKeyError) as error:
        message = f"the JWK Set of {where} cannot be read: {error}"
        raise AuthenticationError(message) from None
    return {key.key_id: key for key in key_set.keys if key.key_id}


class Authenticator:
    """Verifies bearer JWTs against ``AuthSettings`` (one per application; keeps the key sets
    and the ``jti`` memory)."""

    def __init__(
        self,
        settings: AuthSettings,
        *,
        clock: Callable[[], float] = time.time,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        """Load the issuers' key files now (a bad file stops the start); URLs load on use."""
        self.settings = settings
        self._clock = clock
        self._http = http
        self._issuers: Mapping[str, TrustedIssuer] = {i.issuer: i for i in settings.issuers}
        self._key_sets: dict[str, _KeySet] = {}
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = asyncio.Lock()
        for issuer in settings.issuers:
            if issuer.jwks_file is not None:
                keys = _parse_jwks(issuer.jwks_file.read_bytes(), str(issuer.jwks_file))
                self._key_sets[issuer.issuer] = _KeySet(keys, fetched_at=float("inf"))

    async def authenticate(self, authorization: str | None, audiences: Sequence[str]) -> str:
        """Return the issuer of a valid bearer JWT; raise ``AuthenticationError`` otherwise."""
        token = _bearer(authorization)
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.DecodeError:
            message = "the bearer token is not a JWT"
            raise AuthenticationError(message) from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in self.settings.algorithms:
            accepted = ", ".join(self.settings.algorithms)
            message = f"the JWT must be signed with one of {accepted}"
            raise AuthenticationError(message)
        if header.get("typ") != "JWT":
            message = "the JWT header must have typ JWT"
            raise AuthenticationError(message)
        if not isinstance(kid, str) or not kid:
            message = "the JWT header must name its key (kid)"
            raise AuthenticationError(message)
        issuer = self._issuers.get(str(unverified.get("iss")))
        if issuer is None:
            message = "the JWT's issuer (iss) is not trusted by this service"
            raise AuthenticationError(message)
        jku = header.get("jku")
        if jku is not None and jku != issuer.jwks_url:
            message = "the JWT's jku is not its issuer's registered JWK Set URL"
            raise AuthenticationError(message)
        key = await self._key(issuer, kid)
        claims = self._verify(token, key, algorithm, issuer.issuer, audiences)
        self._remember(issuer.issuer, claims)
        return issuer.issuer

    def _verify(
        self,
        token: str,
        key: jwt.PyJWK,
        algorithm: str,
        issuer: str,
        audiences: Sequence[str],
    ) -> dict[str, object]:
        try:
            claims: dict[str, object] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=list(audiences),
                issuer=issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            message = "the JWT has expired"
            raise AuthenticationError(message) from None
        except jwt.ImmatureSignatureError:
            message = "the JWT was issued in the future (iat)"
            raise AuthenticationError(message) from None
        except jwt.InvalidAudienceError:
            message = "the JWT's audience (aud) is not this endpoint's URL"
            raise AuthenticationError(message) from None
        except jwt.InvalidSignatureError:
            message = "the JWT's signature does not verify with its issuer's key"
            raise AuthenticationError(message) from None
        except jwt.MissingRequiredClaimError as error:
            message = f"the JWT lacks the claim {error.claim}"
            raise AuthenticationError(message) from None
        except jwt.InvalidTokenError as error:
            message = f"the JWT is not valid: {type(error).__name__}"
            raise AuthenticationError(message) from None
        self._check_lifetime(claims)
        return claims

    def _check_lifetime(self, claims: Mapping[str, object]) -> None:
        now = self._clock()
        issued, expires = claims["iat"], claims["exp"]
        if not isinstance(issued, int | float) or not isinstance(expires, int | float):
            message = "the JWT's iat and exp must be numbers"
            raise AuthenticationError(message)
        if issued > now + LEEWAY_SECONDS:
            message = "the JWT was issued in the future (iat)"
            raise AuthenticationError(message)
        if expires - issued > MAX_LIFETIME_SECONDS + LEEWAY_SECONDS:
            message = f"the JWT lives longer than {MAX_LIFETIME_SECONDS} s (exp - iat)"
            raise AuthenticationError(message)
        if not isinstance(claims["jti"], str) or not claims["jti"]:
            message = "the JWT's jti must be a non-empty string"
            raise AuthenticationError(message)

    def _remember(self, issuer: str, claims: Mapping[str, object]) -> None:
        now = self._clock()
        key = (issuer, str(claims["jti"]))
        if key in self._seen and self._seen[key] + LEEWAY_SECONDS >= now:
            message = "the JWT's jti was already used (a replay)"
            raise AuthenticationError(message)
        if len(self._seen) >= MAX_REMEMBERED_JTIS:
            self._seen = {k: exp for k, exp in self._seen.items() if exp + LEEWAY_SECONDS >= now}
            if len(self._seen) >= MAX_REMEMBERED_JTIS:
                message = "too many live tokens to check for replays: try again shortly"
                raise AuthenticationError(message)
        expires = claims["exp"]
        self._seen[key] = float(expires) if isinstance(expires, int | float) else now

    async def _key(self, issuer: TrustedIssuer, kid: str) -> jwt.PyJWK:
        key_set = self._key_sets.get(issuer.issuer, _KeySet())
        now = time.monotonic()
        stale = now - key_set.fetched_at > JWKS_REFRESH_SECONDS
        may_retry = now - key_set.fetched_at > JWKS_RETRY_SECONDS
        if issuer.jwks_url is not None and (stale or (kid not in key_set.keys and may_retry)):
            async with self._lock:
                try:
                    key_set = await self._fetch(issuer, issuer.jwks_url)
                except AuthenticationError:
                    # Keep the keys already known; try the URL again only after a pause.
                    key_set = _KeySet(key_set.keys, fetched_at=time.monotonic())
                    self._key_sets[issuer.issuer] = key_set
                    if kid not in key_set.keys:
                        raise
        if kid not in key_set.keys:
            message = "the JWT's key (kid) is not in its issuer's JWK Set"
            raise AuthenticationError(message)
        return key_set.keys[kid]

    async def _fetch(self, issuer: TrustedIssuer, url: str) -> _KeySet:
        timeout = httpx.Timeout(5.0, connect=2.0)
        client = self._http or httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        try:
            async with client.stream("GET", url, timeout=timeout) as response:
                if response.status_code != httpx.codes.OK:
                    message = f"the JWK Set of {issuer.issuer} answered {response.status_code}"
                    raise AuthenticationError(message)
                raw = b""
                async for chunk in response.aiter_bytes():
                    raw += chunk
                    if len(raw) > JWKS_MAX_BYTES:
                        message = f"the JWK Set of {issuer.issuer} is too large"
                        raise AuthenticationError(message)
        except httpx.HTTPError as error:
            message = f"the JWK Set of {issuer.issuer} cannot be fetched: {type(error).__name__}"
            raise AuthenticationError(message) from None
        finally:
            if self._http is None:
                await client.aclose()
        key_set = _KeySet(_parse_jwks(raw, issuer.issuer), fetched_at=time.monotonic())
        self._key_sets[issuer.issuer] = key_set
        return key_set


def _bearer(authorization: str | None) -> str:
    if authorization is None:
        message = "the Authorization header with a bearer JWT is required"
        raise AuthenticationError(message)
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        message = "the Authorization header must be 'Bearer <JWT>'"
        raise AuthenticationError(message)
    return token.strip()
