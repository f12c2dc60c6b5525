"""Event payloads are part of the API contract: graphql/events/ holds one JSON Schema per
event type and payload version (`<type>.v<version>.json`), and partners read `version`
with every event.

A payload may gain fields within its version (readers ignore what they do not know);
removing, renaming or retyping a field makes a new version, written from then on, and
its schema beside the old one, which still describes the events already in the log.
"""

from collections.abc import Mapping

FIRST_VERSION = 1

# The types whose payload has moved past its first version, with the version written
# now. None has yet: every type the code writes is at version 1. The day one moves, the
# version is also stored with each event (the log keeps events of both versions).
PAYLOAD_VERSIONS: Mapping[str, int] = {}


def payload_version(event_type: str) -> int:
    """The version of the payload the code writes for `event_type`."""
    return PAYLOAD_VERSIONS.get(event_type, FIRST_VERSION)
