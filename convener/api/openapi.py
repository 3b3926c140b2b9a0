"""The error answers of every operation, in the OpenAPI document.

django-ninja documents only the answers an operation declares. The errors that any
operation can give come from the handlers in `errors.py`, so they are added here, with
their schema, from what each operation takes: a body can be malformed (400), too large
(413) or invalid (422); a path id can find nothing (404); every operation needs a login
(401) and may be refused (403). An operation documents anything more (409) itself.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from convener.api.errors import ErrorOut

ERROR_REF = "#/components/schemas/ErrorOut"

_REASONS = {
    400: "The body is not valid JSON",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Nothing has this id",
    413: "The body is larger than the limit, 2.5 MB (Django's DATA_UPLOAD_MAX_MEMORY_SIZE, "
    "2,621,440 bytes) for every operation but `POST /plans/preview`; the message names it",
    422: "A field is not valid; `errors` names it",
}


def _statuses(operation: dict[str, Any]) -> list[int]:
    statuses = [401, 403]
    parameters = operation.get("parameters", [])
    if any(p.get("in") == "path" for p in parameters):
        statuses.append(404)
    if "requestBody" in operation:
        statuses += [400, 413]
    if parameters or "requestBody" in operation:
        statuses.append(422)
    return sorted(statuses)


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
    }


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["ErrorOut"] = error_schema
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            for status in _statuses(operation):
                responses.setdefault(str(status), _error_response(_REASONS[status]))
    return schema


class ConvenerAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return document_errors(super().get_openapi_schema(*args, **kwargs))
