"""Who must do what by when: processes, the working-day calendar, deadline rules and
clocks, and the SLA sweep. Reacts to casework's events; casework never imports it."""
