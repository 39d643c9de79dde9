"""What every benchmark here needs: the PostgreSQL server to use, a throw-away database,
Django set up on it, and numbers written the office's way.

`BENCH_PG` names the server (default: the machine's own, trust auth). Each benchmark keeps
its own database names so that two can run side by side.
"""
import os

PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def vn(number, decimals=0):
    """1.000.000 and 55,8: the office's way of writing numbers."""
    text = f"{number:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def admin(*statements):
    """Run statements (CREATE/DROP DATABASE …) on the server's maintenance database."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def setup_django(database_url, **environ):
    """Django with the production settings on `database_url`, no broker (work that would be
    queued runs in the process, as on the embedded install), migrated. `environ` sets more
    variables first (an e-mail backend, …)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.update(environ)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
