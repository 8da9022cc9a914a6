"""The paper: its per-task settings, its reported numbers, its tables."""
