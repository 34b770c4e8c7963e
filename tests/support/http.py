"""Reading back what a client sent, from the requests ``responses`` recorded."""

from __future__ import annotations

import json
from typing import Any


def json_body(body: bytes | str | None) -> Any:
    """A request's JSON body; a request without one fails the test here."""
    assert body is not None, "the request had no body"
    return json.loads(body)
