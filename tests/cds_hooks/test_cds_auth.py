"""Authentication of the CDS client (CDS Hooks 2.0 "Trusting CDS Clients"), over real HTTP with
real signed tokens: uvicorn serves the service on 127.0.0.1; the EHR's JWK Set is a local file
for one issuer and, for another, a URL served by a local JWK Set server on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Final

import cds_harness
import cds_tokens
import httpx
import pytest
from cds_records import SIGN, hook_request

from server.cds_hooks.app import create_app
from server.cds_hooks.auth import AuthSettings, TrustedIssuer

pytestmark = pytest.mark.e2e

KEYS: Final = cds_tokens.EhrKeys()
OTHER_KEYS: Final = cds_tokens.EhrKeys()  # same kid, another key: "wrong key"
URL_ISSUER: Final = "https://other-ehr.example/fhir"
URL_KEYS: Final = cds_tokens.EhrKeys(kid="rsa-1", algorithm="RS384")


@dataclass
class Service:
    base_url: str
    jwks_url: str
    jwks_calls: list[str]


class _JwksHandler(BaseHTTPRequestHandler):
    calls: list[str]

    def do_GET(self) -> None:
        self.calls.append(self.path)
        body = json.dumps(URL_KEYS.jwks()).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        pass


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    calls: list[str] = []
    handler = type("Handler", (_JwksHandler,), {"calls": calls})
    jwks_server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=jwks_server.serve_forever, daemon=True).start()
    jwks_url = f"http://127.0.0.1:{jwks_server.server_address[1]}/jwks.json"
    jwks_file = KEYS.write_jwks(Path(tmp_path_factory.mktemp("jwks")) / "ehr.json")
    try:
        with cds_harness.listening_socket() as sock:
            auth = AuthSettings(
                service_url=cds_harness.url_of(sock),
                issuers=(
                    TrustedIssuer(cds_tokens.ISSUER, jwks_file=jwks_file),
                    TrustedIssuer(URL_ISSUER, jwks_url=jwks_url),
                ),
            )
            with cds_harness.serve_in_thread(create_app(auth=auth), sock) as base_url:
                yield Service(base_url, jwks_url, calls)
    finally:
        jwks_server.shutdown()
        jwks_server.server_close()


def _post(url: str, *, json: object, headers: dict[str, str] | None = None) -> httpx.Response:
    with cds_harness.http_client() as http:
        return http.post(url, json=json, headers=headers)


def _get(url: str, *, headers: dict[str, str] | None = None) -> httpx.Response:
    with cds_harness.http_client() as http:
        return http.get(url, headers=headers)


def _call(service: Service, headers: dict[str, str], path: str = SIGN) -> httpx.Response:
    return _post(f"{service.base_url}{path}", json=hook_request(), headers=headers)


def _refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 401, response.text
    assert reason in response.json()["error"]
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "cards" not in response.json()


def test_a_valid_token_is_served(service: Service) -> None:
    response = _call(service, KEYS.bearer(f"{service.base_url}{SIGN}"))
    assert response.status_code == 200, response.text
    assert "cards" in response.json()


def test_aud_may_be_an_array_holding_the_endpoint(service: Service) -> None:
    audience = [f"{service.base_url}{SIGN}", "https://elsewhere.example"]
    assert _call(service, KEYS.bearer(audience)).status_code == 200


def test_a_missing_header_is_401(service: Service) -> None:
    _refused(_call(service, {}), "Authorization header with a bearer JWT is required")


def test_a_header_that_is_not_bearer_is_401(service: Service) -> None:
    _refused(_call(service, {"authorization": "Basic dXNlcjpwYXNz"}), "must be 'Bearer <JWT>'")
    _refused(_call(service, {"authorization": "Bearer not-a-jwt"}), "not a JWT")


def test_an_expired_token_is_401(service: Service) -> None:
    token = KEYS.token(f"{service.base_url}{SIGN}", issued_at=time.time() - 400)
    _refused(_call(service, {"authorization": f"Bearer {token}"}), "expired")


def test_a_token_for_another_endpoint_is_401(service: Service) -> None:
    for audience in (
        "https://cds.elsewhere.example/cds-services/b12-dosing-order-sign",
        f"{service.base_url}/cds-services/b12-dosing-order-select",
        f"{service.base_url}/cds-services",
    ):
        _refused(_call(service, KEYS.bearer(audience)), "audience")


def test_a_token_signed_with_another_key_is_401(service: Service) -> None:
    _refused(_call(service, OTHER_KEYS.bearer(f"{service.base_url}{SIGN}")), "signature")


def _part(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _claims(service: Service, jti: str) -> dict[str, object]:
    now = int(time.time())
    return {
        "iss": cds_tokens.ISSUER,
        "aud": f"{service.base_url}{SIGN}",
        "iat": now,
        "exp": now + 300,
        "jti": jti,
    }


def test_alg_none_is_401(service: Service) -> None:
    header = {"alg": "none", "typ": "JWT", "kid": KEYS.kid}
    unsigned = f"{_part(header)}.{_part(_claims(service, 'unsigned-1'))}."
    _refused(_call(service, {"authorization": f"Bearer {unsigned}"}), "signed with one of")


def test_an_hmac_token_keyed_with_the_public_key_is_401(service: Service) -> None:
    # The algorithm-confusion attack: HS384 with the EHR's public JWK as the shared secret.
    secret = json.dumps(KEYS.jwks()).encode()
    header = {"alg": "HS384", "typ": "JWT", "kid": KEYS.kid}
    signing_input = f"{_part(header)}.{_part(_claims(service, 'hmac-1'))}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha384).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    _refused(_call(service, {"authorization": f"Bearer {token}"}), "signed with one of")


def test_a_replayed_jti_is_401(service: Service) -> None:
    token = KEYS.token(f"{service.base_url}{SIGN}", jti="replayed-jti-1")
    assert _call(service, {"authorization": f"Bearer {token}"}).status_code == 200
    _refused(_call(service, {"authorization": f"Bearer {token}"}), "already used")
    # The same jti in a fresh token is still a replay.
    again = KEYS.bearer(f"{service.base_url}{SIGN}", jti="replayed-jti-1")
    _refused(_call(service, again), "already used")


def test_an_untrusted_issuer_is_401(service: Service) -> None:
    bearer = KEYS.bearer(f"{service.base_url}{SIGN}", issuer="https://evil.example")
    _refused(_call(service, bearer), "not trusted")


def test_a_token_living_longer_than_five_minutes_is_401(service: Service) -> None:
    bearer = KEYS.bearer(f"{service.base_url}{SIGN}", lifetime_seconds=3600)
    _refused(_call(service, bearer), "longer than 300 s")


def test_a_token_issued_in_the_future_is_401(service: Service) -> None:
    bearer = KEYS.bearer(f"{service.base_url}{SIGN}", issued_at=time.time() + 120)
    _refused(_call(service, bearer), "issued in the future")


def test_an_unknown_kid_or_a_foreign_jku_is_401(service: Service) -> None:
    unknown = cds_tokens.EhrKeys(kid="never-published")
    _refused(_call(service, unknown.bearer(f"{service.base_url}{SIGN}")), "kid")
    foreign = KEYS.bearer(f"{service.base_url}{SIGN}", headers={"jku": "https://evil.example/k"})
    _refused(_call(service, foreign), "jku")


def test_an_issuer_whose_jwks_is_a_url_is_verified_with_the_fetched_keys(service: Service) -> None:
    audience = f"{service.base_url}{SIGN}"
    for _ in range(3):
        bearer = URL_KEYS.bearer(audience, issuer=URL_ISSUER, headers={"jku": service.jwks_url})
        assert _call(service, bearer).status_code == 200
    assert service.jwks_calls == ["/jwks.json"]  # fetched once, then kept
    # A key of the file issuer does not verify for the URL issuer.
    _refused(_call(service, KEYS.bearer(audience, issuer=URL_ISSUER)), "kid")


def test_discovery_and_feedback_need_a_token_for_their_own_url(service: Service) -> None:
    discovery = f"{service.base_url}/cds-services"
    assert _get(discovery).status_code == 401
    response = _get(discovery, headers=KEYS.bearer(discovery))
    assert response.status_code == 200
    assert response.json()["services"]
    feedback = f"{service.base_url}{SIGN}/feedback"
    body = {
        "feedback": [
            {"card": "c1", "outcome": "overridden", "outcomeTimestamp": "2025-06-02T10:00:00Z"}
        ]
    }
    assert _post(feedback, json=body).status_code == 401
    for audience in (feedback, f"{service.base_url}{SIGN}"):
        assert _post(feedback, json=body, headers=KEYS.bearer(audience)).status_code == 200


def test_health_needs_no_token(service: Service) -> None:
    assert _get(f"{service.base_url}/health").status_code == 200


def test_authentication_off_needs_an_explicit_choice() -> None:
    with pytest.raises(TypeError):
        create_app()  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="asymmetric"):
        AuthSettings(
            service_url="https://cds.example",
            issuers=(TrustedIssuer("x", jwks_url="https://x"),),
            algorithms=("HS256",),
        )
    with pytest.raises(ValueError, match="at least one trusted issuer"):
        AuthSettings(service_url="https://cds.example", issuers=())


def test_the_service_refuses_to_start_without_issuers_and_warns_when_auth_is_off() -> None:
    result = cds_harness.run_module(["--port", "1"])
    assert result.returncode != 0
    assert "--insecure-no-auth" in result.stderr
    with cds_harness.serve() as running:
        log = running.log_text()
    assert "WARNING b12_dosing.cds_hooks AUTHENTICATION IS OFF" in log
