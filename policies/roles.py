"""The roles of the default policy (policies/policy.csv names the same; a test checks)."""

import enum


class Role(enum.StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    COUNTY_ADMIN = "county_admin"
    TOWNSHIP_ADMIN = "township_admin"
    COMMUNITY_ADMIN = "community_admin"
    COMPOUND_LEADER = "compound_leader"
    ORG_ADMIN = "org_admin"
    MEMBER = "member"
    AUDITOR = "auditor"
    PARTNER = "partner"


ROLE_NAMES = {
    Role.PLATFORM_ADMIN: "平台管理员",
    Role.COUNTY_ADMIN: "县（区）管理员",
    Role.TOWNSHIP_ADMIN: "乡镇（街道）管理员",
    Role.COMMUNITY_ADMIN: "社区管理员",
    Role.COMPOUND_LEADER: "小区负责人",
    Role.ORG_ADMIN: "单位党组织管理员",
    Role.MEMBER: "在职党员",
    Role.AUDITOR: "审计员（只读）",
    Role.PARTNER: "合作系统",
}
