"""An EHR's signing keys and the bearer JWTs it sends, as CDS Hooks 2.0 describes them
("Trusting CDS Clients"): ES384, ``kid``, ``typ`` JWT; ``iss``, ``aud``, ``exp``, ``iat``,
``jti``. Keys are made fresh for each test run; nothing here is a real credential."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER: Final = "https://ehr.example/fhir"


@dataclass
class EhrKeys:
    """One EHR's key pair (ES384 by default, or RS384) and the JWK Set it publishes."""

    kid: str = "ehr-key-1"
    algorithm: str = "ES384"
    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = field(init=False)

    def __post_init__(self) -> None:
        self.private_key = (
            ec.generate_private_key(ec.SECP384R1())
            if self.algorithm.startswith("ES")
            else rsa.generate_private_key(public_exponent=65537, key_size=2048)
        )

    def jwks(self) -> dict[str, object]:
        """Return the public JWK Set."""
        public = self.private_key.public_key()
        jwk = json.loads(
            ECAlgorithm.to_jwk(public)
            if isinstance(public, ec.EllipticCurvePublicKey)
            else RSAAlgorithm.to_jwk(public)
        )
        jwk.update({"kid": self.kid, "use": "sig", "alg": self.algorithm})
        return {"keys": [jwk]}

    def write_jwks(self, path: Path) -> Path:
        """Write the public JWK Set to ``path`` and return it."""
        path.write_text(json.dumps(self.jwks()))
        return path

    def token(  # noqa: PLR0913 (a token's claims are what a test varies)
        self,
        audience: str | list[str],
        *,
        issuer: str = ISSUER,
        lifetime_seconds: int = 300,
        issued_at: float | None = None,
        jti: str | None = None,
        headers: dict[str, object] | None = None,
    ) -> str:
        """Return a signed JWT for a call to ``audience``."""
        now = time.time() if issued_at is None else issued_at
        claims: dict[str, object] = {
            "iss": issuer,
            "aud": audience,
            "iat": int(now),
            "exp": int(now) + lifetime_seconds,
            "jti": jti or str(uuid.uuid4()),
        }
        return jwt.encode(
            claims,
            self.private_key,
            algorithm=self.algorithm,
            headers={"kid": self.kid, "typ": "JWT", **(headers or {})},
        )

    def bearer(self, audience: str | list[str], **options: object) -> dict[str, str]:
        """Return the Authorization header for a call to ``audience``."""
        return {"authorization": f"Bearer {self.token(audience, **options)}"}  # type: ignore[arg-type]


class SignedCalls(httpx.Auth):
    """httpx authentication that signs every call with a fresh JWT whose ``aud`` is the URL
    called (as an EHR does), for a service whose public URL is ``service_url``."""

    def __init__(self, keys: EhrKeys, service_url: str) -> None:
        self.keys = keys
        self.service_url = service_url.rstrip("/")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the Authorization header."""
        request.headers.update(self.keys.bearer(f"{self.service_url}{request.url.path}"))
        yield request
