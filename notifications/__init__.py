"""Notices (in-app, e-mail, webhook) through an outbox, escalation ladders and digests.
Depends on workflows and casework, never the other way round."""
