"""The file library: presign, the pre-signed PUT, finalize."""

from __future__ import annotations

import httpx
import pytest
from sim_helpers import client

from phrony_tui.sim import Simulator

BODY = {"filename": "report.pdf", "mediaType": "application/pdf", "maxContentLength": 16}


def presign(http: httpx.Client, **overrides) -> dict:
    response = http.post("/v1/file-library/presign", json={**BODY, **overrides})
    assert response.status_code == 200, response.text
    return response.json()


def test_presign_put_finalize(http: httpx.Client, sim: Simulator, sim_base_url: str) -> None:
    signed = presign(http)
    assert set(signed) == {"objectKey", "uploadUrl", "httpMethod", "requiredHeaders", "expiresInSeconds"}
    assert signed["httpMethod"] == "PUT" and signed["expiresInSeconds"] > 0
    assert signed["uploadUrl"].startswith(sim_base_url + "/") and "/v1/" not in signed["uploadUrl"]
    assert signed["objectKey"].endswith("/report.pdf")
    assert signed["requiredHeaders"]["Content-Type"] == "application/pdf"
    assert "x-sim-signature" in signed["requiredHeaders"]
    put = httpx.put(signed["uploadUrl"], content=b"%PDF-1.7 hello", headers=signed["requiredHeaders"])
    assert put.status_code == 200 and put.headers["etag"]
    final = {"objectKey": signed["objectKey"], "maxContentLength": 16, "filename": "report.pdf",
             "mediaType": "application/pdf"}  # fmt: skip
    first = http.post("/v1/file-library/finalize", json=final)
    assert first.status_code == 200
    assert first.json() == {"objectKey": signed["objectKey"], "sizeBytes": "14", "alreadyFinalized": False}
    again = http.post("/v1/file-library/finalize", json={"objectKey": signed["objectKey"], "maxContentLength": 16})
    assert again.json() == {"objectKey": signed["objectKey"], "sizeBytes": "14", "alreadyFinalized": True}
    assert sim.received[-3:] == [
        ("PUT", signed["uploadUrl"][len(sim_base_url):], None),
        ("POST", "/v1/file-library/finalize", final),
        ("POST", "/v1/file-library/finalize", {"objectKey": signed["objectKey"], "maxContentLength": 16}),
    ]


@pytest.mark.parametrize(
    ("overrides", "word"),
    [({"filename": ""}, "filename"), ({"filename": "x" * 513}, "filename"), ({"filename": 7}, "filename"),
     ({"mediaType": ""}, "mediaType"), ({"maxContentLength": 0}, "maxContentLength"),
     ({"maxContentLength": "16"}, "maxContentLength"), ({"maxContentLength": 1.5}, "maxContentLength"),
     ({"maxContentLength": True}, "maxContentLength"), ({"maxContentLength": None}, "maxContentLength")],
)
def test_presign_validation(http: httpx.Client, overrides: dict, word: str) -> None:
    response = http.post("/v1/file-library/presign", json={**BODY, **overrides})
    assert response.status_code == 400
    assert word in response.json()["message"]


def test_presign_limits(http: httpx.Client) -> None:
    assert presign(http, filename="x" * 512)["objectKey"].endswith("x" * 512)
    assert http.post("/v1/file-library/presign", json={**BODY, "maxContentLength": 10**12}).status_code == 400


def test_put_checks_headers(http: httpx.Client) -> None:
    signed = presign(http)
    headers = signed["requiredHeaders"]
    missing = {"Content-Type": headers["Content-Type"]}
    response = httpx.put(signed["uploadUrl"], content=b"abc", headers=missing)
    assert response.status_code == 403 and "x-sim-signature" in response.json()["message"]
    wrong = {**headers, "Content-Type": "text/plain"}
    response = httpx.put(signed["uploadUrl"], content=b"abc", headers=wrong)
    assert response.status_code == 403 and "Content-Type" in response.json()["message"]
    response = httpx.put(signed["uploadUrl"], content=b"abc", headers={**headers, "X-API-Key": "phk_x"})
    assert response.status_code == 400 and "X-API-Key" in response.json()["message"]
    # none of the refused PUTs stored anything
    response = http.post("/v1/file-library/finalize", json={"objectKey": signed["objectKey"], "maxContentLength": 16})
    assert response.status_code == 400 and "nothing was uploaded" in response.json()["message"]


def test_put_refuses_a_body_over_max_content_length(http: httpx.Client) -> None:
    signed = presign(http)
    response = httpx.put(signed["uploadUrl"], content=b"x" * 17, headers=signed["requiredHeaders"])
    assert response.status_code == 413

    def chunks():  # no Content-Length: chunked transfer
        yield b"x" * 10
        yield b"x" * 10

    response = httpx.put(signed["uploadUrl"], content=chunks(), headers=signed["requiredHeaders"])
    assert response.status_code == 413
    assert httpx.put(signed["uploadUrl"], content=b"x" * 16, headers=signed["requiredHeaders"]).status_code == 200


def test_put_to_unknown_or_expired_url(http: httpx.Client, sim: Simulator, sim_base_url: str) -> None:
    assert httpx.put(f"{sim_base_url}/_uploads/nope", content=b"x").status_code == 404
    signed = presign(http)
    sim.advance(signed["expiresInSeconds"] + 1)
    response = httpx.put(signed["uploadUrl"], content=b"x", headers=signed["requiredHeaders"])
    assert response.status_code == 403 and "expired" in response.json()["message"]


def test_finalize_errors(http: httpx.Client) -> None:
    response = http.post("/v1/file-library/finalize", json={"objectKey": "workspace/nope", "maxContentLength": 16})
    assert response.status_code == 404
    signed = presign(http)
    response = http.post("/v1/file-library/finalize", json={"objectKey": signed["objectKey"], "maxContentLength": 16})
    assert response.status_code == 400 and "nothing was uploaded" in response.json()["message"]
    httpx.put(signed["uploadUrl"], content=b"abc", headers=signed["requiredHeaders"])
    response = http.post("/v1/file-library/finalize", json={"objectKey": signed["objectKey"], "maxContentLength": 99})
    assert response.status_code == 400 and "maxContentLength" in response.json()["message"]
    assert http.post("/v1/file-library/finalize", json={"maxContentLength": 16}).status_code == 400
    response = http.post("/v1/file-library/finalize",
                         json={"objectKey": signed["objectKey"], "maxContentLength": 16, "filename": 3})  # fmt: skip
    assert response.status_code == 400


def test_finalized_file_as_run_input(http: httpx.Client, sim: Simulator, sim_base_url: str) -> None:
    agent = sim.agents["chat"]
    ref = {"phronyFile": True, "filename": "report.pdf", "mediaType": "application/pdf"}
    response = http.post(f"/v1/agents/{agent}/runs", json={"input": {"attachment": ref}})
    assert response.status_code == 400 and "finalized" in response.json()["message"]
    signed = presign(http)
    httpx.put(signed["uploadUrl"], content=b"abc", headers=signed["requiredHeaders"])
    http.post("/v1/file-library/finalize", json={"objectKey": signed["objectKey"], "maxContentLength": 16})
    assert http.post(f"/v1/agents/{agent}/runs", json={"input": {"attachment": ref}}).status_code == 202
    with client(sim_base_url, sim.keys.no_uploads) as other:
        # finalize is workspace-wide, but the key must allow uploads
        response = other.post("/v1/file-library/finalize", json={"objectKey": signed["objectKey"], "maxContentLength": 16})
        assert response.status_code == 403
