"""Chase emails: the drafts a business manager sends (one per lead, only their actions), and
delivery over SMTP that never sends the same chase twice."""
