"""What every management command does with the names it is given: refuse what no row can hold, find the user."""

import argparse

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def name_text(value: str) -> str:
    """An argparse type for names and labels: PostgreSQL text cannot hold a NUL character, so it is refused here
    with the option's name instead of as a database error."""
    if "\x00" in value:
        raise argparse.ArgumentTypeError("contains a NUL character, which no name can hold")
    return value


def user_named(name: str):
    """The user called `name`, or a CommandError saying there is none."""
    user = get_user_model().objects.filter(username=name).first()
    if user is None:
        raise CommandError(f"No user named {name!r}.")
    return user
