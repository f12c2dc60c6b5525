"""The strawberry schema: the root types and the extensions every operation passes through."""

from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext, Info

from api.activities import ActivityMutation, ActivityQuery
from api.alliances import AllianceMutation, AllianceQuery
from api.assessment import AssessmentQuery
from api.assessment_mutations import AssessmentMutation
from api.certificates import CertificateMutation, CertificateQuery
from api.context import Context
from api.dashboards import DashboardMutation, DashboardQuery
from api.errors import ErrorPresentation
from api.events import EventQuery, Subscription
from api.hierarchy import HierarchyMutation, HierarchyQuery
from api.identity import IdentityMutation, IdentityQuery
from api.lists import ListsMutation, ListsQuery
from api.notifications import NotificationMutation, NotificationQuery
from api.onboarding import OnboardingMutation, OnboardingQuery
from api.pairing import PairingQuery
from api.pairing_mutations import PairingMutation
from api.projects import ProjectMutation, ProjectQuery
from api.recognition import RecognitionMutation, RecognitionQuery
from api.records import ServiceRecordMutation, ServiceRecordQuery
from api.registration import RegistrationQuery
from api.registration_mutations import RegistrationMutation
from api.registry import RegistryMutation, RegistryQuery
from api.rules import RulesMutation, RulesQuery
from api.scores import ScoreQuery
from api.tenants import TenantMutation, TenantQuery
from api.types.tenant import TenantType
from api.unit_of_work import UnitOfWorkExtension
from api.whistles import WhistleMutation, WhistleQuery
from api.wishes import WishMutation, WishQuery
from api.workers import WorkerMutation, WorkerQuery
from infra.settings import Settings


async def resolve_tenant(info: Info[Context, None]) -> TenantType:
    return TenantType.from_model(await info.context.tenant())


@strawberry.type(description="查询")
class Query(
    OnboardingQuery,
    HierarchyQuery,
    IdentityQuery,
    RegistryQuery,
    RegistrationQuery,
    TenantQuery,
    RulesQuery,
    AllianceQuery,
    ListsQuery,
    ProjectQuery,
    WishQuery,
    WhistleQuery,
    ActivityQuery,
    ServiceRecordQuery,
    CertificateQuery,
    ScoreQuery,
    WorkerQuery,
    EventQuery,
    NotificationQuery,
    PairingQuery,
    RecognitionQuery,
    AssessmentQuery,
    DashboardQuery,
):
    tenant: TenantType = strawberry.field(
        resolver=resolve_tenant,
        description="本次请求所在的县（区），由请求头 X-County-Code 指明",
    )


@strawberry.type(description="变更")
class Mutation(
    OnboardingMutation,
    HierarchyMutation,
    IdentityMutation,
    RegistryMutation,
    RegistrationMutation,
    TenantMutation,
    RulesMutation,
    AllianceMutation,
    ListsMutation,
    ProjectMutation,
    WishMutation,
    WhistleMutation,
    ActivityMutation,
    ServiceRecordMutation,
    CertificateMutation,
    WorkerMutation,
    NotificationMutation,
    PairingMutation,
    RecognitionMutation,
    AssessmentMutation,
    DashboardMutation,
):
    pass


class Schema(strawberry.Schema):
    def process_errors(
        self,
        errors: list[GraphQLError],
        execution_context: ExecutionContext | None = None,
    ) -> None:
        """Silence strawberry's own logging: api.errors logs the unexpected ones, once."""


def build_schema(settings: Settings) -> strawberry.Schema:
    size = settings.graphql_cache_size
    # Limit rules are classes made once here: the validation cache keys on them, so a
    # limiter built per request would never hit the cache.
    limits = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
    ]
    # Factories, not instances: each operation gets its own extension objects. Exit
    # hooks run in reverse, so the unit of work ends before errors are presented and a
    # failed commit is presented like any other error.
    extensions: list[Callable[[], SchemaExtension]] = [
        ErrorPresentation,
        UnitOfWorkExtension,
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        lambda: AddValidationRules(limits),
    ]
    if size:
        extensions += [lambda: ParserCache(maxsize=size), lambda: ValidationCache(maxsize=size)]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)
