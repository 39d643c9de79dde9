"""The words of a notice, rendered when it is shown or sent, in the active language.

A notice row holds ids only; everything readable comes from the records it points to,
through the templates in templates/notifications/ (`<kind>_subject.txt`, `<kind>.txt`).

Privacy: a letter is named only by its receipt number, kind, receiving organisation, the
step and dates; an inspection or supervision case likewise by its number, kind and
organisation (not its title or subject, and never the letter it may come from). Nothing
here reads the senders, the summary, the people or organisations a letter is about, or
the free-text reason of an event (which may quote any of them), so no notice or e-mail can
carry a denouncer's identity, whoever receives it.
"""
import weakref
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from casework.models import EventType, PetitionStatus
from casework.templatetags.casework_tags import person_name
from notifications import shapes
from notifications.models import NoticeKind
from notifications.templatetags.notice_tags import padded
from workflows.calendar import get_calendar
from workflows.models import CountFrom, DeadlineClock, Unit

ESCALATION_KINDS = (NoticeKind.WARNING, NoticeKind.DUE, NoticeKind.OVERDUE, NoticeKind.REMINDER)
# A digest lists at most this many cases per group and says how many more there are.
DIGEST_LIMIT = 50
# The owners' organisations too: a number carries its unit's symbol (casework.numbers).
CLOCK_RELATED = ("rule", "petition__organisation", "inspection__organisation", "organisation",
                 "assignee")
# In a batch: the rules and organisations are a few dozen rows that thousands of clocks
# share; joined, each clock built its own copies of them (RenderContext.share_rules_and_units).
BATCH_CLOCK_RELATED = ("petition", "inspection", "assignee")
# What a summary's line reads of an escalation (a hundred summaries of fifty lines on a
# province's morning: whole rows were most of their cost). A letter's and a case's state
# comes too: django-fsm reads it when the row is loaded.
SUMMARY_ITEM_FIELDS = (
    "rung", "due_on", "fired_on", "clock__rule", "clock__organisation", "clock__petition",
    "clock__inspection",
    *(f"clock__petition__{name}" for name in ("receipt_seq", "receipt_year", "organisation",
                                              "status")),
    *(f"clock__inspection__{name}" for name in ("seq", "year", "organisation", "status")),
)


class RenderContext(NamedTuple):
    """What rendering a batch of notices needs beyond their joined rows, each loaded in one
    query for the whole batch: the clocks its digests list, the escalations its summaries
    list, the ledger entries of its moved-deadline notices, and the working calendar; and
    the rules and organisations of all of them, when the rows came without
    (`share_rules_and_units`)."""
    clocks: dict
    escalations: dict
    entries: dict
    calendar: object

    @classmethod
    def for_notices(cls, notices, versions=None):
        """`versions`: the tables' versions (notifications.kept_rows.Versions) read with the
        notices, by a process that keeps rules and organisations between batches."""
        from notifications.kept_rows import kept_for
        from workflows.models import ClockEntry, Escalation

        clock_ids = {pk for n in notices if n.kind == NoticeKind.DIGEST for pk in _digest_ids(n)}
        # A summary lists its first DIGEST_LIMIT escalations and counts the others.
        esc_ids = {pk for n in notices if n.kind == NoticeKind.SUMMARY
                   for pk in (n.payload or {}).get("escalations", [])[:DIGEST_LIMIT]}
        entry_ids = {n.payload.get("entry") for n in notices
                     if n.kind == NoticeKind.MOVED and n.payload}
        entry_ids.discard(None)
        context = cls(
            clocks=(DeadlineClock.objects.select_related(*BATCH_CLOCK_RELATED)
                    .in_bulk(clock_ids) if clock_ids else {}),
            escalations=(Escalation.objects.select_related("clock__petition", "clock__inspection")
                         .only(*SUMMARY_ITEM_FIELDS).in_bulk(esc_ids) if esc_ids else {}),
            entries=ClockEntry.objects.in_bulk(entry_ids) if entry_ids else {},
            calendar=get_calendar(versions.calendar if versions else None),
        )
        clocks = [n.clock for n in notices if n.clock_id is not None]
        clocks += context.clocks.values()
        clocks += [e.clock for e in context.escalations.values()]
        share_rules_and_units(notices, clocks,
                              kept=kept_for(versions.rows) if versions else None)
        return context


def share_rules_and_units(notices, clocks, kept=None):
    """Give each clock its rule and organisation, and each letter and case (of the clocks,
    the notices, their events) its organisation, from one query each for the distinct rows
    they name, where the rows did not come joined: at most two queries, none when
    everything came with its rows (the inbox's page). `kept`: rows a sending process keeps
    between batches ({model: {pk: instance}}, notifications/kept_rows.py): only those not
    kept yet are loaded, and then kept."""
    from casework.models import Organisation
    from workflows.models import DeadlineRule

    missing = []  # (instance, relation name, model)

    def cached(instance, name):
        """The related row, if it came with `instance` (never a query of its own)."""
        if instance is None or getattr(instance, f"{name}_id") is None:
            return None
        field = instance._meta.get_field(name)
        return getattr(instance, name) if field.is_cached(instance) else None

    def need(instance, name, model):
        if instance is not None and not instance._meta.get_field(name).is_cached(instance):
            missing.append((instance, name, model))

    for clock in clocks:
        need(clock, "rule", DeadlineRule)
        need(clock, "organisation", Organisation)
        need(cached(clock, "petition"), "organisation", Organisation)
        need(cached(clock, "inspection"), "organisation", Organisation)
    for notice in notices:
        need(cached(notice, "petition"), "organisation", Organisation)
        need(cached(cached(notice, "event"), "petition"), "organisation", Organisation)
        need(cached(cached(notice, "event"), "inspection"), "organisation", Organisation)
    if not missing:
        return
    by_model = {}
    for instance, name, model in missing:
        by_model.setdefault(model, set()).add(getattr(instance, f"{name}_id"))
    loaded = {}
    for model, ids in by_model.items():
        rows = kept.setdefault(model, {}) if kept is not None else {}
        if ids - rows.keys():
            rows.update(model.objects.in_bulk(ids - rows.keys()))
        loaded[model] = rows
    for instance, name, model in missing:
        setattr(instance, name, loaded[model][getattr(instance, f"{name}_id")])


@lru_cache(maxsize=4096)
def _choice_label(model, field_name, value, language):
    return str(dict(model._meta.get_field(field_name).flatchoices).get(value, value))


def display(instance, field_name):
    """`instance.get_<field>_display()`, remembered per model, field, value and language:
    Django's rebuilds the field's whole choice list, translating every label, on each call,
    which was a tenth of a batch's time."""
    return _choice_label(type(instance), field_name, getattr(instance, field_name),
                         translation.get_language())


@lru_cache(maxsize=4096)
def _short_date(value, language):
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def short_date(value):
    """31/12/2025 as the templates' |date:"SHORT_DATE_FORMAT" writes it ("" for none),
    remembered per date and language: a batch's dates are a few days."""
    return _short_date(value, translation.get_language()) if value else ""


_ID_MARK = 987654321


@lru_cache(maxsize=64)
def _path_around_id(name, prefix):
    path = reverse(name, args=[_ID_MARK])
    head, mark, tail = path.partition(str(_ID_MARK))
    return (head, tail) if mark and str(_ID_MARK) not in tail else None


def path_of(name, pk):
    """reverse(name, args=[pk]) for a URL whose one argument is an id: the URL is resolved
    once per name (and script prefix), then only the id changes. Reversing cost a batch
    a tenth of a millisecond per e-mail."""
    around = _path_around_id(name, get_script_prefix())
    if around is None:
        return reverse(name, args=[pk])
    return f"{around[0]}{pk}{around[1]}"


class RenderedNotice(NamedTuple):
    subject: str
    text: str
    url: str
    # For a digest: (label, url) of each case it lists, so the inbox can link them.
    links: tuple = ()


def render_notice(notice, *, absolute=False, clocks=None, render=None):
    """Subject, text and link of a notice. `absolute` gives links with SITE_URL (e-mail);
    `clocks` is an optional {id: clock} already loaded for a page of digests; `render` a
    RenderContext loaded for a batch (then rendering runs no query of its own)."""
    if render is not None:
        clocks = render.clocks
    calendar = render.calendar if render is not None else None
    if notice.kind in ESCALATION_KINDS:
        context = _escalation_context(notice, absolute, calendar)
    elif notice.kind == NoticeKind.EVENT:
        context = _event_context(notice, absolute)
    elif notice.kind == NoticeKind.DIGEST:
        context = _digest_context(notice, absolute, clocks, calendar)
    elif notice.kind == NoticeKind.MOVED:
        context = _moved_context(notice, absolute, render)
    elif notice.kind == NoticeKind.SUMMARY:
        context = _summary_context(notice, absolute, render)
    else:
        raise ValueError(f"unknown notice kind {notice.kind!r}")
    if notice.kind in ESCALATION_KINDS:
        # Thousands of these a morning, every value text: rendered by shape.
        subject = shapes.render(f"notifications/{notice.kind}_subject.txt", context)
        text = shapes.render(f"notifications/{notice.kind}.txt", context)
    else:
        subject = render_to_string(f"notifications/{notice.kind}_subject.txt", context)
        text = render_to_string(f"notifications/{notice.kind}.txt", context)
    return RenderedNotice(subject=" ".join(subject.split()), text=text.strip(),
                          url=context["url"], links=tuple(context.get("links", ())))


def render_notices(notices, *, absolute=False):
    """Render a page of notices with what they need loaded once for the page (the clocks
    of its digests, its summaries' escalations, its ledger lines, the calendar): the number
    of queries does not grow with the page."""
    render = RenderContext.for_notices(notices)
    return [render_notice(n, absolute=absolute, render=render) for n in notices]


def link(path, absolute):
    return settings.SITE_URL + path if absolute else path


def case_url(petition_id, absolute):
    if petition_id is None:
        return link(reverse("notifications:inbox"), absolute)
    return link(path_of("casework:petition-detail", petition_id), absolute)


def case_label(petition):
    if petition is None:
        return _("Hồ sơ")
    return _("Đơn số %(number)s") % {"number": petition.receipt_number}


def clock_label(clock):
    """The letter's or the case's number, as a notice names it."""
    if clock.inspection_id:
        return _("Cuộc kiểm tra, giám sát số %(number)s") % {"number": clock.inspection.number}
    return case_label(clock.petition)


def clock_url(clock, absolute):
    if clock.inspection_id:
        # inspection.get_absolute_url(), resolved once per batch (path_of)
        return link(path_of("casework:case-detail", clock.inspection_id), absolute)
    return case_url(clock.petition_id, absolute)


def clock_kind(clock):
    if clock.inspection_id:
        return display(clock.inspection, "kind")
    return display(clock.petition, "kind") if clock.petition_id else ""


def rule_length(rule):
    if rule.counted_from == CountFrom.CASE_END:
        return _("đến ngày kết thúc ghi trong quyết định")
    return f"{padded(rule.length)} {display(rule, 'unit')}"


def days_between(start, end, unit, calendar=None):
    """Days d with start < d <= end, counted as the rule counts them (0 if none). A
    working-day count of zero between different dates (a deadline on a weekend) falls back
    to calendar days, so the text never says "00 ngày làm việc" for a real gap."""
    if end <= start:
        return 0, Unit.CALENDAR
    if unit == Unit.WORKING:
        n = (calendar or get_calendar()).working_days_between(start, end)
        if n:
            return n, Unit.WORKING
    return (end - start).days, Unit.CALENDAR


# {calendar: {(due_on, as_of, unit, language): phrase}}: a batch's dates are a few days.
_phrases = weakref.WeakKeyDictionary()


def deadline_phrase(due_on, as_of, unit, calendar=None):
    """"còn 03 ngày làm việc" / "đến hạn" / "quá hạn 02 ngày", as of a date; remembered
    per calendar (a calendar changed is another object) when one is given."""
    if calendar is None:
        return _deadline_phrase(due_on, as_of, unit, None)
    memo = _phrases.setdefault(calendar, {})
    key = (due_on, as_of, unit, translation.get_language())
    if key not in memo:
        memo[key] = _deadline_phrase(due_on, as_of, unit, calendar)
    return memo[key]


def _deadline_phrase(due_on, as_of, unit, calendar):
    if due_on == as_of:
        return _("đến hạn")
    if due_on > as_of:
        n, counted = days_between(as_of, due_on, unit, calendar)
        template = _("còn %(n)s %(unit)s")
    else:
        n, counted = days_between(due_on, as_of, unit, calendar)
        template = _("quá hạn %(n)s %(unit)s")
    return template % {"n": padded(n), "unit": Unit(counted).label}


def _escalation_context(notice, absolute, calendar=None):
    clock = notice.clock
    escalation = notice.escalation
    # What the rung fired on, as of the day it fired: the text stays true when it is read
    # days later in the inbox (the case page shows the current state).
    due_on = escalation.due_on if escalation else clock.due_on
    as_of = escalation.fired_on if escalation else timezone.localdate()
    rule = clock.rule
    # Every value is text, dates formatted here: the templates are rendered by shape.
    return {
        "case_label": clock_label(clock),
        "petition_kind": clock_kind(clock),
        "organisation": clock.organisation.name,
        "step": display(rule, "step"),
        "rule_length": rule_length(rule),
        "legal_basis": rule.legal_basis,
        "due_on": short_date(due_on),
        "as_of": short_date(as_of),
        "phrase": (deadline_phrase(due_on, as_of, rule.counting_unit, calendar)
                   if due_on else ""),
        "assignee": person_name(clock.assignee) if clock.assignee_id else "",
        "url": clock_url(clock, absolute),
    }


def _moved_context(notice, absolute, render=None):
    """The due date as it was and as it is, and the ledger line that says why (a text the
    system wrote, never a user's free text)."""
    from workflows.models import ClockEntry

    context = _escalation_context(notice, absolute, render.calendar if render else None)
    if render is not None:
        entry = render.entries.get(notice.payload.get("entry"))
    else:
        entry = ClockEntry.objects.filter(pk=notice.payload.get("entry")).first()
    context.update({"due_before": entry.due_before if entry else None,
                    "due_after": entry.due_after if entry else notice.clock.due_on,
                    "why": entry.reason if entry else ""})
    return context


def _event_context(notice, absolute):
    if notice.event.inspection_id:
        from notifications.case_notices import case_event_context

        return case_event_context(notice, absolute)
    event, petition = notice.event, notice.petition or notice.event.petition
    return {
        "case_label": case_label(petition),
        "petition_kind": display(petition, "kind"),
        "organisation": petition.organisation.name,
        "event_label": display(event, "event_type"),
        "is_new": event.event_type == EventType.RECEIVED,
        # The state the event left the letter in, not today's: the text stays true.
        "status": _status_label(event.to_status),
        "actor": person_name(event.actor) if event.actor_id else _("hệ thống"),
        "occurred_at": timezone.localtime(event.occurred_at),
        "url": case_url(petition.pk, absolute),
    }


def _summary_context(notice, absolute, render=None):
    """One e-mail listing the escalations of one sweep that would otherwise have flooded
    its recipient (notifications/escalations.py); each item as its own e-mail would say."""
    from notifications.models import kind_for_rung
    from workflows.models import Escalation

    ids = list((notice.payload or {}).get("escalations", []))
    if render is not None:
        escalations, calendar = render.escalations, render.calendar
    else:
        escalations = Escalation.objects.select_related(
            *(f"clock__{name}" for name in CLOCK_RELATED)).in_bulk(ids[:DIGEST_LIMIT])
        calendar = get_calendar()
    lines, links, fired_on = [], [], None
    for pk in ids[:DIGEST_LIMIT]:
        escalation = escalations.get(pk)
        if escalation is None:
            continue
        fired_on = fired_on or escalation.fired_on
        clock = escalation.clock
        item = {
            "kind": str(kind_for_rung(escalation.rung).label),
            "case_label": clock_label(clock),
            "step": display(clock.rule, "step"),
            "due_on": short_date(escalation.due_on),
            "phrase": (deadline_phrase(escalation.due_on, escalation.fired_on,
                                       clock.rule.counting_unit, calendar)
                       if escalation.due_on else ""),
            "url": clock_url(clock, absolute),
        }
        links.append((item["case_label"], item["url"]))
        if not absolute:
            item["url"] = ""  # the line shows the link only in an e-mail
        # Fifty lines a summary, a hundred summaries a morning: each line by shape.
        lines.append(shapes.render("notifications/_summary_item.txt", item))
    return {
        "on": fired_on or timezone.localdate(),
        "count": len(ids),
        "lines": lines,
        "more": max(len(ids) - DIGEST_LIMIT, 0),
        "absolute": absolute,
        "links": links,
        "url": link(reverse("notifications:inbox"), absolute),
    }


def _status_label(code):
    try:
        return PetitionStatus(code).label
    except ValueError:
        return code


def _digest_ids(notice):
    payload = notice.payload or {}
    return list(payload.get("overdue", [])) + list(payload.get("due_soon", []))


def digest_day(notice):
    return date.fromisoformat(notice.cause_key.partition(":")[2])


def _digest_context(notice, absolute, clocks, calendar=None):
    on = digest_day(notice)
    payload = notice.payload or {}
    if clocks is None:
        clocks = DeadlineClock.objects.select_related(*CLOCK_RELATED).in_bulk(
            _digest_ids(notice))
    calendar = calendar or get_calendar()  # once for the whole list
    groups, links = [], []
    for key, title in (("overdue", _("Quá hạn")), ("due_soon", _("Đến hạn trong tuần"))):
        ids = payload.get(key, [])
        items = []
        for pk in ids[:DIGEST_LIMIT]:
            clock = clocks.get(pk)
            if clock is None:
                continue
            item = {
                "case_label": clock_label(clock),
                "step": display(clock.rule, "step"),
                "due_on": clock.due_on,
                "phrase": (deadline_phrase(clock.due_on, on, clock.rule.counting_unit,
                                           calendar) if clock.due_on else ""),
                "url": clock_url(clock, absolute),
            }
            items.append(item)
            links.append((item["case_label"], item["url"]))
        groups.append({"title": title, "count": len(ids), "items": items,
                       "more": max(len(ids) - DIGEST_LIMIT, 0)})
    return {
        "on": on,
        "groups": groups,
        "overdue_count": len(payload.get("overdue", [])),
        "due_soon_count": len(payload.get("due_soon", [])),
        "absolute": absolute,
        "links": links,
        "url": link(reverse("notifications:inbox") + f"#n{notice.pk}", absolute),
    }
