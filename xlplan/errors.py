"""xlplan's exceptions. Each carries the exit code the CLI returns and a message that is one
plain sentence naming the file (and sheet, row, column) and what to do about it."""


class XlplanError(Exception):
    """Something xlplan cannot do; the message is shown to the user as it is."""

    exit_code = 2


class ConfigError(XlplanError):
    """The config file is missing, unreadable or has a bad key."""


class WorkbookError(XlplanError):
    """The workbook (or other source) cannot be read as a plan."""


class RunFailed(XlplanError):
    """The weekly run could not finish its work; nothing half-written was left behind."""

    exit_code = 1
