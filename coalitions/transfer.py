"""One expedition out of a database and into another, losslessly (export_expedition and
import_expedition).

What belongs to an expedition is what deleting it would delete: Django's own deletion collector
finds every row that hangs on it (coalitions, members, themes, pitstops, sessions, cards, marks,
agreements, compass, red threads, suggestions, summary rows, ...), so a model added later comes
along without a change here. Accounts those rows point at (facilitators, coordinators, members'
log-ins) come too, so the file is whole. Rows keep their ids; many-to-many links travel with
their rows.

The file holds personal data (names, words, e-mail addresses, password hashes): treat it as the
database itself.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from typing import IO, Any

from django.contrib.admin.utils import NestedObjects
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, models, transaction

from .models import Expedition


class _Encoder(DjangoJSONEncoder):
    """Times to the microsecond: Django's JSON keeps milliseconds only, which is not lossless."""

    def default(self, value: Any) -> Any:
        if isinstance(value, datetime.datetime | datetime.time):
            return value.isoformat()
        return super().default(value)


def _flatten(nested: Iterable[Any]) -> Iterable[models.Model]:
    for item in nested:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


def rows_of(expedition: Expedition) -> list[models.Model]:
    """Every row of the expedition, and the accounts they refer to, each once."""
    collector = NestedObjects(using=DEFAULT_DB_ALIAS)
    collector.collect([expedition])
    owned = {(type(obj), obj.pk): obj for obj in _flatten(collector.nested())}
    # Through-rows of many-to-many fields travel inside their rows; leave them out here.
    owned = {key: obj for key, obj in owned.items() if not obj._meta.auto_created}
    accounts: dict[Any, models.Model] = {}
    for obj in owned.values():
        for field in obj._meta.get_fields():
            related = getattr(field, "related_model", None)
            if related is None or related._meta.label != "auth.User" or field.auto_created:
                continue
            if field.many_to_many:
                accounts.update({user.pk: user for user in getattr(obj, field.name).all()})
            elif field.many_to_one and getattr(obj, field.attname):
                user = getattr(obj, field.name)
                accounts[user.pk] = user
    return list(accounts.values()) + list(owned.values())


def export_expedition(expedition: Expedition, stream: IO[str]) -> int:
    rows = rows_of(expedition)
    json.dump(serializers.serialize("python", rows), stream, cls=_Encoder, indent=1)
    return len(rows)


class TransferError(Exception):
    """The file cannot be imported; the message says why, in plain words."""


@transaction.atomic
def import_expedition(stream: IO[str]) -> int:
    """Write the file's rows with their own ids; refuses an expedition that is already here."""
    try:
        data = json.load(stream)
        objects = list(serializers.deserialize("python", data, ignorenonexistent=False))
    except (ValueError, TypeError, serializers.base.DeserializationError) as error:
        raise TransferError(f"This file is not an export of Pitstop: {error}") from error
    expeditions = [obj.object for obj in objects if isinstance(obj.object, Expedition)]
    if len(expeditions) != 1:
        raise TransferError("The file must hold exactly one expedition.")
    if Expedition.objects.filter(slug=expeditions[0].slug).exists():
        raise TransferError(f"The expedition “{expeditions[0].slug}” is already in this database.")
    written: set[type[models.Model]] = set()
    with connection.constraint_checks_disabled():
        for obj in objects:
            obj.save()  # raw: no save() logic and no side effects, exactly what the file says
            written.add(type(obj.object))
    connection.check_constraints(table_names=[model._meta.db_table for model in written])
    # New rows made later get ids after the imported ones (PostgreSQL's sequences).
    statements = connection.ops.sequence_reset_sql(no_style(), list(written))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return len(objects)
