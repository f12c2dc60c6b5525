"""Errors of service records and certificates."""

from infra.errors import DomainError, InvalidInput, NotFound


class ServiceRecordNotFound(NotFound):
    code = "SERVICE_RECORD_NOT_FOUND"


class InvalidServiceRecord(InvalidInput):
    """A record's input out of bounds or out of order (an end before its start …)."""

    code = "INVALID_SERVICE_RECORD"


class HoursAboveCap(InvalidInput):
    """Hours above the county's cap per activity or per day, or above the time served."""

    code = "HOURS_ABOVE_CAP"


class RecordOverlaps(DomainError):
    """A member's records may not overlap in time."""

    code = "RECORD_OVERLAPS"


class RecordClosed(DomainError):
    """A step the record's state does not allow: confirming it twice, during its notice …"""

    code = "RECORD_CLOSED"


class NoticeNotOver(DomainError):
    """Confirming a record during its public notice (公示期)."""

    code = "NOTICE_NOT_OVER"


class CertificateNotFound(NotFound):
    code = "CERTIFICATE_NOT_FOUND"


class InvalidCertificate(InvalidInput):
    """A certificate asked for with no confirmed records, or a period out of order."""

    code = "INVALID_CERTIFICATE"


class ServiceSourceNotFound(NotFound):
    """The claim, wish, whistle response, activity or node a record is asked for."""

    code = "SERVICE_SOURCE_NOT_FOUND"


class ServiceNotDone(DomainError):
    """A source whose service is not done: a claim not completed, a wish not confirmed,
    a response not accepted, a call not started, an activity not finished."""

    code = "SERVICE_NOT_DONE"


class AlreadyRecorded(DomainError):
    """One live record per claim, wish, whistle response, or member and activity."""

    code = "ALREADY_RECORDED"


class MemberNotRegisteredHere(DomainError):
    """A service entered for a member not registered (confirmed) where the organiser is."""

    code = "MEMBER_NOT_REGISTERED_HERE"
