"""schemathesis checks of the fuzz step (loaded through SCHEMATHESIS_HOOKS):
no 5xx, no internal error, and every top-level error carries `extensions.code`.
A refusal (FORBIDDEN, BAD_USER_INPUT, ...) is a correct answer to a made-up
request, so schemathesis's own `not_a_server_error`, which counts any resolver
error without a client-error code as a failure, is not used.
"""

import schemathesis


@schemathesis.check
def jeco_no_server_fault(ctx, response, case):
    """No 5xx, no "internal error", and a code on every error."""
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise AssertionError("the response is not JSON")
    errors = body.get("errors") or [] if isinstance(body, dict) else []
    for error in errors:
        message = str(error.get("message", ""))
        code = (error.get("extensions") or {}).get("code")
        if code == "INTERNAL_SERVER_ERROR" or "internal error" in message:
            raise AssertionError(f"internal error: {message}")
        if not code:
            raise AssertionError(f"top-level error without extensions.code: {message}")
