"""Who a notification reaches, as SQL: each audience is a SELECT of user ids (so a whistle
call's fan-out to thousands of recipients is one statement). Users are reached as
accounts: a member through the accounts linked to the member, a unit through its Party
organisation's administrator accounts, a node through the staff granted a role exactly
there (not the county's admins for every community's wish)."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Audience:
    """Users to notify: `sql` selects their ids as `user_id`."""

    sql: str
    params: dict[str, Any] = field(default_factory=dict)


def member(member_id: Any) -> Audience:
    return Audience(
        "SELECT u.id AS user_id FROM users u WHERE u.member_id = :member AND u.status = 'active'",
        {"member": int(member_id)},
    )


def unit_admins(unit_id: Any) -> Audience:
    return Audience(
        "SELECT u.id AS user_id FROM users u WHERE u.unit_id = :unit AND u.status = 'active'",
        {"unit": int(unit_id)},
    )


def claimant(payload: dict[str, Any]) -> Audience:
    """Who holds a claim: its member, or its unit."""
    if payload.get("member_id") is not None:
        return member(payload["member_id"])
    return unit_admins(payload["unit_id"])


def node_staff(node_id: Any) -> Audience:
    """The staff roles granted exactly at the node (policies/roles.py)."""
    return Audience(
        "SELECT DISTINCT u.id AS user_id FROM users u JOIN role_grants g "
        "ON g.tenant_id = u.tenant_id AND g.user_id = u.id WHERE g.node_id = :node "
        "AND g.role IN ('county_admin', 'township_admin', 'community_admin', 'compound_leader') "
        "AND u.status = 'active'",
        {"node": int(node_id)},
    )


def whistle_recipients(call_id: Any) -> Audience:
    """Every unit and member a call asked (written with the call)."""
    return Audience(
        "SELECT DISTINCT u.id AS user_id FROM whistle_recipients r JOIN users u "
        "ON u.tenant_id = r.tenant_id AND (u.member_id = r.member_id OR u.unit_id = r.unit_id) "
        "WHERE r.whistle_call_id = :call AND u.status = 'active'",
        {"call": int(call_id)},
    )


def signed_up_before_cancelling(activity_id: Any) -> Audience:
    """Members with a place or on the waiting list when the activity was cancelled."""
    return Audience(
        "SELECT DISTINCT u.id AS user_id FROM activity_signups s "
        "JOIN activities a ON a.tenant_id = s.tenant_id AND a.id = s.activity_id "
        "JOIN users u ON u.tenant_id = s.tenant_id AND u.member_id = s.member_id "
        "WHERE s.activity_id = :activity AND (s.status <> 'cancelled' "
        "OR s.cancelled_at >= a.cancelled_at) AND u.status = 'active'",
        {"activity": int(activity_id)},
    )
