"""Read-only REST API over the register: the same scoping, filters and identity masking as
the pages, through the same querysets and services."""
