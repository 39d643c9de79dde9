"""One case, several subjects (issue 14 part 3): the subject table, and each existing case's
one subject (kept on the case row) copied into it as its first row; each existing
discipline decision is then given that subject. One statement per table, on SQLite and
PostgreSQL alike; the decisions' subject becomes required in the next migration (on
PostgreSQL a table cannot be altered in the transaction that updated its foreign keys)."""
import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_case_subjects(apps, schema_editor):
    """Every case's subject becomes its first CaseSubject row (INSERT … SELECT), and every
    discipline decision names it (one UPDATE with a subquery). Rows already there (a case
    opened with several subjects) are left alone: the fill can run twice."""
    case_model = apps.get_model("casework", "InspectionCase")
    subject_model = apps.get_model("casework", "CaseSubject")
    decision_model = apps.get_model("casework", "DisciplineDecision")
    quote = schema_editor.connection.ops.quote_name
    cases, subjects = quote(case_model._meta.db_table), quote(subject_model._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {subjects} (case_id, position, member_id, organisation_id) "
            f"SELECT c.id, 0, c.subject_member_id, c.subject_organisation_id FROM {cases} c "
            f"WHERE NOT EXISTS (SELECT 1 FROM {subjects} s WHERE s.case_id = c.id)")
    decision_model.objects.filter(subject__isnull=True).update(subject_id=Subquery(
        subject_model.objects.filter(case_id=OuterRef("case_id"), position=0)
        .values("id")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0025_handoff_org_name_key'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='disciplinedecision',
            options={'ordering': ['case', 'subject__position'], 'verbose_name': 'quyết định kỷ luật', 'verbose_name_plural': 'quyết định kỷ luật'},
        ),
        migrations.AlterField(
            model_name='disciplinedecision',
            name='case',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='discipline_decisions', to='casework.inspectioncase', verbose_name='cuộc kiểm tra'),
        ),
        migrations.CreateModel(
            name='CaseSubject',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField(verbose_name='thứ tự')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='subject_rows', to='casework.inspectioncase', verbose_name='cuộc kiểm tra, giám sát')),
                ('member', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='case_subjects', to='casework.member', verbose_name='đảng viên')),
                ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='case_subjects', to='casework.organisation', verbose_name='tổ chức đảng')),
            ],
            options={
                'verbose_name': 'đối tượng kiểm tra, giám sát',
                'verbose_name_plural': 'đối tượng kiểm tra, giám sát',
                'ordering': ['case', 'position'],
            },
        ),
        migrations.AddField(
            model_name='disciplinedecision',
            name='subject',
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='discipline_decision', to='casework.casesubject', verbose_name='đối tượng'),
        ),
        migrations.AddIndex(
            model_name='casesubject',
            index=models.Index(condition=models.Q(('organisation__isnull', False), ('position__gt', 0)), fields=['organisation', 'case'], name='case_other_subject_org'),
        ),
        migrations.AddIndex(
            model_name='casesubject',
            index=models.Index(condition=models.Q(('member__isnull', False), ('position__gt', 0)), fields=['member', 'case'], name='case_other_subject_member'),
        ),
        migrations.AddConstraint(
            model_name='casesubject',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('member__isnull', False), ('organisation__isnull', True)), models.Q(('member__isnull', True), ('organisation__isnull', False)), _connector='OR'), name='case_subject_is_one'),
        ),
        migrations.AddConstraint(
            model_name='casesubject',
            constraint=models.UniqueConstraint(fields=('case', 'position'), name='case_subject_position'),
        ),
        migrations.AddConstraint(
            model_name='casesubject',
            constraint=models.UniqueConstraint(fields=('member', 'case'), name='case_subject_member_once'),
        ),
        migrations.AddConstraint(
            model_name='casesubject',
            constraint=models.UniqueConstraint(fields=('organisation', 'case'), name='case_subject_org_once'),
        ),
        migrations.RunPython(fill_case_subjects, migrations.RunPython.noop),
    ]
