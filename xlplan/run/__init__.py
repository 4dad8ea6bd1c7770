"""Running unattended: the weekly run, its schedule, a second core, and safe file writing."""
