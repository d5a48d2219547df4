"""Loaded by the schemathesis CLI (``SCHEMATHESIS_HOOKS``) in tests/routes/test_schemathesis.py."""

from __future__ import annotations

import schemathesis

# The WHIP and WHEP offers are SDP: text, sent as it is generated.
schemathesis.serializer.alias("application/sdp", "text/plain")
