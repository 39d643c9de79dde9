"""Annual programme pages, /chuong-trinh/…, in the "casework" namespace (included from
casework/urls.py)."""
from django.urls import path

from casework.views import programme

urlpatterns = [
    path("", programme.programme_list, name="programme-list"),
    path("lap/", programme.programme_edit, name="programme-create"),
    path("<int:pk>/", programme.programme_detail, name="programme-detail"),
    path("<int:pk>/sua/", programme.programme_edit, name="programme-edit"),
    path("<int:pk>/noi-dung/them/", programme.programme_item_edit, name="programme-item-create"),
    path("noi-dung/<int:item_pk>/sua/", programme.programme_item_edit, name="programme-item-edit"),
    path("noi-dung/<int:item_pk>/xoa/", programme.programme_item_delete,
         name="programme-item-delete"),
]
