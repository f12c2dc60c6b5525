"""Pairing and responsibility areas, households, visits, member posts, recognition."""

import strawberry


@strawberry.type
class PairingQuery:
    pass


@strawberry.type
class PairingMutation:
    pass
