from django.urls import path

from casework.views import exports, petitions

app_name = "casework"

urlpatterns = [
    path("", petitions.petition_list, name="petition-list"),
    path("tiep-nhan/", petitions.petition_create, name="petition-create"),
    path("xuat-excel/", exports.petition_export, name="petition-export"),
    path("<int:pk>/", petitions.petition_detail, name="petition-detail"),
    path("<int:pk>/bien-nhan/", petitions.petition_receipt, name="petition-receipt"),
    path("<int:pk>/<slug:action>/", petitions.petition_transition, name="petition-transition"),
    path("tep/<int:pk>/", petitions.attachment_download, name="attachment-download"),
]
