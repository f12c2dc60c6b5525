"""Certificates of volunteer service (志愿服务证明): issuing, and checking a code."""

import strawberry


@strawberry.type
class CertificateQuery:
    pass


@strawberry.type
class CertificateMutation:
    pass
