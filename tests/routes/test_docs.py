"""The OpenAPI document says how to authenticate and what errors really look like; the
docs pages load their assets from this server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.parametrize("shape", ["embedded"], indirect=True)


async def _schema(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found


async def test_security_schemes_and_requirements(client: httpx.AsyncClient) -> None:
    """Bearer, the session cookie and its CSRF header are declared; an operation that
    needs a caller lists them (the cookie with CSRF on writes); a public one none."""
    schema = await _schema(client)
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert (schemes["session"]["in"], schemes["session"]["name"]) == ("cookie", "lc_session")
    assert (schemes["csrf"]["in"], schemes["csrf"]["name"]) == ("header", "X-CSRF-Token")
    paths = schema["paths"]
    write: list[dict[str, list[str]]] = [{"bearer": []}, {"session": [], "csrf": []}]
    assert paths["/api/products"]["post"]["security"] == write
    assert paths["/api/me"]["get"]["security"] == [{"bearer": []}, {"session": []}]
    assert paths["/api/sales/{sale_id}/orders"]["post"]["security"] == write
    assert "security" not in paths["/api/rooms"]["get"]


async def test_every_error_answer_is_the_real_shape(client: httpx.AsyncClient) -> None:
    """Every API operation documents its 4xx/5xx answers as {"error": {"code", "message"}},
    with the codes of each status; FastAPI's own 422 shape appears nowhere."""
    schema = await _schema(client)
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for path, operations in schema["paths"].items():
        if not path.startswith("/api"):
            continue
        for method, operation in operations.items():
            answers = operation["responses"]
            for status in ("400", "401", "403", "404", "409", "422", "429", "500", "503"):
                body = answers[status]["content"]["application/json"]["schema"]
                assert body == error, (method, path, status)
    conflict = schema["paths"]["/api/products"]["post"]["responses"]["409"]["description"]
    assert "`sold_out`" in conflict and "`limit_exceeded`" in conflict
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert sorted(detail["required"]) == ["code", "message"]


async def test_the_docs_pages_use_the_vendored_assets(client: httpx.AsyncClient) -> None:
    """/docs and /redoc point at /static/vendor, which serves the files; no CDN, no fonts."""
    for page, asset in (
        ("/docs", "/static/vendor/swagger-ui/swagger-ui-bundle.js"),
        ("/redoc", "/static/vendor/redoc/redoc.standalone.js"),
    ):
        html = (await client.get(page)).text
        assert asset in html
        assert "https://" not in html, page
        served = await client.get(asset)
        assert served.status_code == 200 and len(served.content) > 100_000
