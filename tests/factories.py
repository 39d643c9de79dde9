"""Factories for tests. Records that have a lifecycle are made through the services
(see `receive_petition`), so tests exercise the same path as the pages."""
import datetime

import factory
from django.contrib.auth import get_user_model

from casework.models import Member, Organisation, OrgKind, RoleAssignment
from casework.services.petitions import SenderData, petition_receive


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Chi bộ số {n}")
    code = factory.Sequence(lambda n: f"org-{n}")
    kind = OrgKind.BRANCH


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "Mat-khau-thu-2025")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    full_name = factory.Sequence(lambda n: f"Đảng viên {n}")
    organisation = factory.SubFactory(OrganisationFactory)


def user_with_role(role, organisation, **kwargs):
    user = UserFactory(**kwargs)
    RoleAssignment.objects.create(user=user, organisation=organisation, role=role)
    return user


def receive_petition(*, actor, organisation, kind="recommendation", sender="Nguyễn Văn An",
                     received_on=None, summary="Kiến nghị về việc làm đường liên thôn.",
                     **kwargs):
    senders = [SenderData(full_name=sender, address="Thôn Hòa Ché")] if sender else []
    kwargs.setdefault("sender_type", "named" if sender else "anonymous")
    return petition_receive(
        actor=actor, organisation=organisation,
        received_on=received_on or datetime.date(2025, 9, 3),
        channel="post", kind=kind, senders=senders, summary=summary, **kwargs)
