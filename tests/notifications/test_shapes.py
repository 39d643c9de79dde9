"""Templates rendered by shape (notifications/shapes.py): the same text as Django renders,
for every combination of empty values and in each language; a template that does more
with a value than insert it is rendered through Django every time."""
import logging

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from notifications import shapes

LOCMEM = {
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", {
        "plain.txt": ("{% load i18n %}{% autoescape off %}{{ a }}{% if b %} ({{ b }}){% endif %}"
                      " – {% translate 'Hạn' %}: {% blocktranslate with d=c %}hạn {{ d }}"
                      "{% endblocktranslate %} <{{ a }}>{% endautoescape %}"),
        "filtered.txt": "{{ a|upper }}/{% if b == 'x' %}X{% endif %}",
    })]},
}


@pytest.fixture
def locmem_templates(settings):
    settings.TEMPLATES = [LOCMEM]


def test_every_shape_gives_what_django_gives(locmem_templates):
    values = [{"a": "Đơn số 001/2025/VPĐU", "b": "Tố cáo", "c": "05/09/2025"},
              {"a": "Đơn số 002/2025/VPĐU", "b": "", "c": "06/09/2025"},
              {"a": "", "b": "Khiếu nại", "c": ""},
              {"a": "x & <y> %(d)s {{ a }}", "b": "\ue000b\ue001", "c": "07/09/2025"}]
    for language in ("vi", "en"):
        with translation.override(language):
            for _ in range(2):  # the second time from the shapes kept
                for context in values:
                    assert shapes.render("plain.txt", context) == render_to_string(
                        "plain.txt", context)
    with translation.override("en"):
        assert "Due" in shapes.render("plain.txt", values[0])


def test_a_template_that_filters_a_value_is_rendered_through_django(locmem_templates, caplog):
    with caplog.at_level(logging.WARNING, logger="notifications.shapes"):
        assert shapes.render("filtered.txt", {"a": "hạn", "b": "x"}) == "HẠN/X"
    assert "filtered.txt" in caplog.text
    assert shapes.render("filtered.txt", {"a": "đơn", "b": "y"}) == "ĐƠN/"
    assert shapes.render("filtered.txt", {"a": "thư", "b": "x"}) == "THƯ/X"


def test_values_must_be_text(locmem_templates):
    with pytest.raises(TypeError):
        shapes.render("plain.txt", {"a": "Đơn", "b": "", "c": 5})
