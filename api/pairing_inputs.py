"""The inputs of pairing's mutations, and the drafts the services take from them."""

from datetime import date, datetime

import strawberry
from strawberry import relay

from api.hierarchy import NODE
from api.ids import int_id
from api.pairing import HOUSEHOLD, optional
from api.registry import MEMBER, UNIT
from api.types.lists import NeedCategoryType, NeedUrgencyType
from api.types.pairing import HouseholdCategoryType
from api.types.visits import MemberPostKindType
from services.lists.models import NeedCategory, NeedUrgency
from services.pairing import areas, households, pairings, posts, visits
from services.pairing.inputs import Expectations
from services.pairing.models import HouseholdCategory
from services.pairing.recognition_models import PostKind


@strawberry.input(
    description="包保责任：单位包小区、楼栋（填 unitId），"
    "或党员包保一组住户（填 memberId 和 householdIds）"
)
class ResponsibilityAreaInput:
    node_id: relay.GlobalID = strawberry.field(
        description="包保区域：单位为小区或楼栋；党员为所包住户所在的社区、小区、楼栋或网格"
    )
    unit_id: relay.GlobalID | None = strawberry.field(
        default=None, description="包保的单位党组织（须在该社区报到）"
    )
    member_id: relay.GlobalID | None = strawberry.field(
        default=None, description="包保的党员（须在该社区报到）"
    )
    household_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="党员包保的住户（在包保区域内、在册，至多 50 户）"
    )
    starts_on: date | None = strawberry.field(default=None, description="开始日期；默认今天")
    ends_on: date | None = strawberry.field(default=None, description="结束日期；长期不填")
    visit_every_days: int | None = strawberry.field(
        default=None, description="要求：至少每多少天走访一次（1–365）"
    )
    services_per_year: int | None = strawberry.field(
        default=None, description="要求：每户每年至少服务多少次（1–365）"
    )
    duties: str | None = strawberry.field(default=None, description="包保职责（500 字以内）")

    def draft(self) -> areas.AreaDraft:
        return areas.AreaDraft(
            node_id=int_id(self.node_id, NODE, "nodeId"),
            unit_id=optional(self.unit_id, UNIT, "unitId"),
            member_id=optional(self.member_id, MEMBER, "memberId"),
            household_ids=[int_id(h, HOUSEHOLD, "householdIds") for h in self.household_ids],
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            expected=Expectations(self.visit_every_days, self.services_per_year),
            duties=self.duties,
        )


@strawberry.input(name="HouseholdPersonInput", description="一名家庭成员")
class HouseholdPersonInput:
    name: str = strawberry.field(description="姓名")
    relation: str = strawberry.field(description="与户主关系，如 配偶、子女（10 字以内）")


@strawberry.input(description="一户困难住户；修改时整体重填")
class HouseholdInput:
    place_id: relay.GlobalID = strawberry.field(
        description="住户所在地：社区，或其下的小区、楼栋、网格"
    )
    category: HouseholdCategoryType = strawberry.field(description="类别")  # type: ignore[valid-type]
    contact_name: str = strawberry.field(description="户主（联系人）姓名")
    needs: str = strawberry.field(description="帮扶需求（500 字以内）")
    phone: str | None = strawberry.field(default=None, description="联系电话")
    address: str | None = strawberry.field(default=None, description="住址（100 字以内）")
    members: list[HouseholdPersonInput] = strawberry.field(
        default_factory=list, description="其他家庭成员（至多 20 人）"
    )
    people: int | None = strawberry.field(
        default=None, description="家庭人口（1–30）；不填为户主加所列成员"
    )

    def draft(self) -> households.HouseholdDraft:
        return households.HouseholdDraft(
            place_id=int_id(self.place_id, NODE, "placeId"),
            category=HouseholdCategory(self.category),
            contact_name=self.contact_name,
            phone=self.phone,
            address=self.address,
            members=[households.Person(p.name, p.relation) for p in self.members],
            people=self.people,
            needs=self.needs,
        )


@strawberry.input(description="结对帮扶：住户与一名党员或一个单位党组织（只填一项）")
class PairingInput:
    household_id: relay.GlobalID = strawberry.field(description="住户")
    reason: str = strawberry.field(description="结对原因（200 字以内）")
    member_id: relay.GlobalID | None = strawberry.field(
        default=None, description="结对的党员（须在该社区报到）"
    )
    unit_id: relay.GlobalID | None = strawberry.field(
        default=None, description="结对的单位党组织（须在该社区报到）"
    )
    starts_on: date | None = strawberry.field(default=None, description="开始日期；默认今天")
    ends_on: date | None = strawberry.field(default=None, description="结束日期；长期不填")
    visit_every_days: int | None = strawberry.field(
        default=None, description="至少每多少天走访一次（1–365）；逾期列入逾期名单并提醒"
    )
    services_per_year: int | None = strawberry.field(
        default=None, description="每年至少服务多少次（1–365）"
    )

    def draft(self) -> pairings.PairingDraft:
        return pairings.PairingDraft(
            household_id=int_id(self.household_id, HOUSEHOLD, "householdId"),
            member_id=optional(self.member_id, MEMBER, "memberId"),
            unit_id=optional(self.unit_id, UNIT, "unitId"),
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            reason=self.reason,
            expected=Expectations(self.visit_every_days, self.services_per_year),
        )


@strawberry.input(description="把走访发现列入需求清单")
class VisitNeedInput:
    category: NeedCategoryType = strawberry.field(description="需求类别")  # type: ignore[valid-type]
    description: str = strawberry.field(
        description="需求描述（将在需求清单中公开，勿写住户姓名等个人信息）"
    )
    urgency: NeedUrgencyType = strawberry.field(  # type: ignore[valid-type]
        default=NeedUrgency.NORMAL, description="紧急程度"
    )

    def request(self) -> visits.NeedRequest:
        return visits.NeedRequest(
            category=NeedCategory(self.category),
            description=self.description,
            urgency=NeedUrgency(self.urgency),
        )


@strawberry.input(description="一次入户走访")
class VisitInput:
    household_id: relay.GlobalID = strawberry.field(description="走访的住户（须与其结对）")
    visited_at: datetime = strawberry.field(description="走访开始时间；未写时区的按北京时间")
    ended_at: datetime = strawberry.field(description="走访结束时间（不晚于现在）")
    found: str = strawberry.field(description="走访发现（500 字以内）")
    done: str | None = strawberry.field(default=None, description="帮扶办理情况")
    follow_up_needed: bool = strawberry.field(default=False, description="是否需要社区跟进")
    follow_up: str | None = strawberry.field(default=None, description="需跟进的事项")
    member_id: relay.GlobalID | None = strawberry.field(
        default=None, description="走访的党员；不填为调用者本人"
    )
    need: VisitNeedInput | None = strawberry.field(
        default=None, description="把走访发现列入需求清单（仅有权提出需求的社区工作人员）"
    )

    def draft(self) -> visits.VisitDraft:
        return visits.VisitDraft(
            household_id=int_id(self.household_id, HOUSEHOLD, "householdId"),
            visited_at=self.visited_at,
            ended_at=self.ended_at,
            found=self.found,
            done=self.done,
            follow_up_needed=self.follow_up_needed,
            follow_up=self.follow_up,
            member_id=optional(self.member_id, MEMBER, "memberId"),
            need=None if self.need is None else self.need.request(),
        )


@strawberry.input(description="党员在居住社区的任职")
class MemberPostInput:
    member_id: relay.GlobalID = strawberry.field(description="党员（须在该社区报到）")
    post: MemberPostKindType = strawberry.field(description="岗位")  # type: ignore[valid-type]
    node_id: relay.GlobalID = strawberry.field(
        description="任职区域：楼栋长为小区或楼栋，网格员为网格，业委会成员为小区，"
        "功能型党支部成员为社区或小区"
    )
    starts_on: date | None = strawberry.field(default=None, description="任职日期；默认今天")
    ends_on: date | None = strawberry.field(default=None, description="任期结束日期；未定不填")

    def draft(self) -> posts.PostDraft:
        return posts.PostDraft(
            member_id=int_id(self.member_id, MEMBER, "memberId"),
            post=PostKind(self.post),
            node_id=int_id(self.node_id, NODE, "nodeId"),
            starts_on=self.starts_on,
            ends_on=self.ends_on,
        )
