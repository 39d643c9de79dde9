"""The office's templates in the admin: upload a Word file in place of a shipped one.

A template is checked when saved (casework.documents.render.check_template): it opens,
uses only the placeholders its kind offers, and fills with sample data; otherwise the
form says why, in Vietnamese, and nothing is saved. Generated documents are listed
read-only: they are evidence of what was sent.
"""
from django import forms
from django.contrib import admin

from casework.models import DocumentTemplate, GeneratedDocument
from casework.services.documents import check_uploaded_template


class DocumentTemplateForm(forms.ModelForm):
    class Meta:
        model = DocumentTemplate
        fields = ["kind", "organisation", "file", "signer_title", "signer_name", "active",
                  "note"]

    def clean(self):
        data = super().clean()
        upload, kind = data.get("file"), data.get("kind")
        if upload and kind and hasattr(upload, "read"):
            upload.seek(0)
            content = upload.read()
            upload.seek(0)
            try:
                check_uploaded_template(kind, content)
            except forms.ValidationError as error:
                self.add_error("file", error.message_dict["file"])
        return data


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    form = DocumentTemplateForm
    list_display = ("kind", "organisation", "active", "uploaded_by", "uploaded_at")
    list_filter = ("kind", "active")
    readonly_fields = ("uploaded_by", "uploaded_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(admin.ModelAdmin):
    list_display = ("number", "kind", "date", "issuer", "shows_identity", "created_by",
                    "created_at")
    list_filter = ("kind",)
    search_fields = ("number",)
    list_select_related = ("issuer", "created_by")
    # No file link: a download goes through the page, which checks identity clearance.
    exclude = ("file",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

