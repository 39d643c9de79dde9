"""The records. Split by entity; import from `casework.models`."""
from .api_tokens import ApiToken
from .clearance import (
    ClearanceEvent,
    ClearanceEventType,
    ClearanceRequest,
    ClearanceStatus,
)
from .confidentiality import IdentityAccess, IdentityAccessPurpose
from .documents import (
    DocumentCounter,
    DocumentKind,
    DocumentTemplate,
    GeneratedDocument,
)
from .events import CaseEvent, EventType
from .exports import ExportJob, ExportState
from .imports import ImportJob, ImportKind, ImportState
from .inspections import (
    CaseStatus,
    CaseSubject,
    ConductingBody,
    DisciplineDecision,
    DisciplineForm,
    InspectionCase,
    InspectionKind,
    InspectionProgramme,
    ProgrammeItem,
    SubjectType,
)
from .lookup import StatusLookup
from .organisations import (
    Member,
    MemberStatus,
    Organisation,
    OrgKind,
    OutsideBody,
    OutsideBodyKind,
    Role,
    RoleAssignment,
)
from .petitions import (
    Attachment,
    Channel,
    Competence,
    ComplaintInstance,
    FiledReason,
    Petition,
    PetitionKind,
    PetitionSender,
    PetitionStatus,
    ReceiptCounter,
    SenderType,
)
from .submissions import SubmissionToken

__all__ = [
    "ApiToken", "StatusLookup",
    "DocumentCounter", "DocumentKind", "DocumentTemplate", "GeneratedDocument",
    "ExportJob", "ExportState", "ImportJob", "ImportKind", "ImportState",
    "CaseStatus", "CaseSubject", "ConductingBody", "DisciplineDecision", "DisciplineForm",
    "InspectionCase",
    "InspectionKind", "InspectionProgramme", "ProgrammeItem", "SubjectType",
    "Attachment", "CaseEvent", "ClearanceEvent", "ClearanceEventType", "ClearanceRequest",
    "ClearanceStatus", "Channel", "ComplaintInstance", "Competence", "EventType",
    "FiledReason", "IdentityAccess",
    "IdentityAccessPurpose", "Member",
    "MemberStatus", "OrgKind", "Organisation", "OutsideBody", "OutsideBodyKind",
    "Petition", "PetitionKind", "PetitionSender",
    "PetitionStatus", "ReceiptCounter", "Role", "RoleAssignment", "SenderType",
    "SubmissionToken",
]
