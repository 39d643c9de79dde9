"""Celery tasks of the records: the register exports made in the background
(casework.services.export_jobs). Each is safe to repeat: a run claims its job first."""
from celery import shared_task


@shared_task(name="casework.tasks.run_export", ignore_result=True)
def run_export(job_id):
    from casework.services.export_jobs import export_run

    export_run(job_id)


@shared_task(name="casework.tasks.recover_exports", ignore_result=True)
def recover_exports():
    from casework.services.export_jobs import recover_stale

    return recover_stale()


@shared_task(name="casework.tasks.clean_exports", ignore_result=True)
def clean_exports():
    from casework.services.export_jobs import clean_files

    return clean_files()


@shared_task(name="casework.tasks.prune_status_lookups", ignore_result=True)
def prune_status_lookups():
    from casework.services.status_lookup import prune_lookups

    return prune_lookups()


@shared_task(name="casework.tasks.run_import", ignore_result=True)
def run_import(job_id):
    from casework.services.import_jobs import import_run

    import_run(job_id)


@shared_task(name="casework.tasks.clean_imports", ignore_result=True)
def clean_imports():
    from casework.services.import_jobs import clean_files

    return clean_files()


@shared_task(name="casework.tasks.recover_imports", ignore_result=True)
def recover_imports():
    from casework.services.import_jobs import recover_stale

    return recover_stale()
