"""Who else may read an app's uploaded files besides the scope of their organisation and county: functions of the user
giving a condition on Attachment, registered by the apps that own the records (trading: a bank, its pledges' files)."""
from collections.abc import Callable

VISIBILITY: list[Callable] = []


def visible_to(fn: Callable) -> Callable:
    VISIBILITY.append(fn)
    return fn
