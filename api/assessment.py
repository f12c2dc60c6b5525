"""Year-end feedback forms and unit evaluations (双考核)."""

import strawberry


@strawberry.type
class AssessmentQuery:
    pass


@strawberry.type
class AssessmentMutation:
    pass
