"""The shared workbook leads edit: creating it, its live rules, re-applying them safely,
and its weekly snapshots."""
