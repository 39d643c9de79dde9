from django.urls import include, path

from casework import document_views
from casework.views import exports, handoff, imports, inspections, lookup, petitions, reports

app_name = "casework"

# Mounted at the site root (config/urls.py) so that one "casework" namespace serves both
# /don-thu/ (letters) and /kiem-tra/ (inspection and supervision cases): Django reverses a
# namespace through one include only. Add letter pages to petition_patterns, case pages
# to inspection_patterns.
petition_patterns = [
    path("", petitions.petition_list, name="petition-list"),
    path("tiep-nhan/", petitions.petition_create, name="petition-create"),
    path("xuat-excel/", exports.petition_export, name="petition-export"),
    path("xuat-excel/<int:pk>/", exports.export_job, name="export-job"),
    path("xuat-excel/<int:pk>/tien-do/", exports.export_job_status, name="export-job-status"),
    path("xuat-excel/<int:pk>/tai-ve/", exports.export_job_download, name="export-job-download"),
    path("nhap-excel/", imports.letters_import, name="letters-import"),
    path("nhap-excel/mau.xlsx", imports.letters_import_template, name="letters-import-template"),
    path("nhap-excel/<int:pk>/", imports.import_job, name="import-job"),
    path("nhap-excel/<int:pk>/tien-do/", imports.import_job_status, name="import-job-status"),
    path("nhap-excel/<int:pk>/xac-nhan/", imports.import_job_confirm, name="import-job-confirm"),
    path("<int:pk>/", petitions.petition_detail, name="petition-detail"),
    path("<int:pk>/bien-nhan/", petitions.petition_receipt, name="petition-receipt"),
    # Before the transition pattern, which would read "noi-nhan" as an action.
    path("<int:pk>/noi-nhan/", handoff.petition_destinations, name="petition-destinations"),
    path("<int:pk>/<slug:action>/", petitions.petition_transition, name="petition-transition"),
    path("tep/<int:pk>/", petitions.attachment_download, name="attachment-download"),
]

inspection_patterns = [
    path("", inspections.case_list, name="case-list"),
    path("nhap-excel/", imports.cases_import, name="cases-import"),
    path("nhap-excel/mau.xlsx", imports.cases_import_template, name="cases-import-template"),
    path("lap/", inspections.case_create, name="case-create"),
    path("<int:pk>/", inspections.case_detail, name="case-detail"),
    path("<int:pk>/khieu-nai-ky-luat/", inspections.case_appeal, name="case-appeal"),
]

report_patterns = [
    path("", reports.report_page, name="report"),
    path("docx/", reports.report_docx, name="report-docx"),
    path("xlsx/", reports.report_xlsx, name="report-xlsx"),
]

# The office's generated documents (casework.document_views), of letters and cases alike.
document_patterns = [
    path("<int:pk>/tai-ve/", document_views.document_download, name="document-download"),
    path("lap/<int:event_pk>/", document_views.document_issue, name="document-issue"),
]

urlpatterns = [
    path("don-thu/", include(petition_patterns)),
    path("kiem-tra/", include(inspection_patterns)),
    path("chuong-trinh/", include("casework.programme_urls")),
    path("bao-cao/", include(report_patterns)),
    path("van-ban/", include(document_patterns)),
    # Public, no login: the sender's status lookup (casework.views.lookup).
    path("tra-cuu/", lookup.status_lookup, name="status-lookup"),
]
