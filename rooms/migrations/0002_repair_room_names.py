"""Repair rows that break the room-name rule before 0003 adds the constraints that enforce it.

The rule is copied here as it stood (a migration must not change meaning when rooms/names.py does later):
names lose control and invisible formatting characters, surrounding space, and anything past 80 characters;
an open or private room with an empty, over-long or `dm-` slug gets a new one at a free address.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import migrations
from django.utils.text import slugify

LIMIT = 80
REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
KEPT = {"\u200c", "\u200d"}
SLUG_SHAPE = re.compile(r"[-a-zA-Z0-9_]+\Z")


def repaired_name(name, fallback):
    kept = "".join(c for c in name if c in KEPT or unicodedata.category(c) not in REFUSED_CATEGORIES)
    kept = kept.strip()[:LIMIT].strip()
    return kept or fallback[:LIMIT] or "room"


def slug_is_fine(slug, kind):
    if kind == "direct":
        return bool(slug) and len(slug) <= LIMIT
    return bool(SLUG_SHAPE.match(slug)) and len(slug) <= LIMIT and not slug.lower().startswith("dm-")


def free_slug(base, taken):
    number = 1
    while True:
        suffix = "" if number == 1 else f"-{number}"
        slug = base[: LIMIT - len(suffix)].rstrip("-_") + suffix
        if slug not in taken:
            return slug
        number += 1


def repair(apps, schema_editor):
    Room = apps.get_model("rooms", "Room")
    taken = set(Room.objects.values_list("slug", flat=True))
    for room in Room.objects.only("pk", "name", "slug", "kind").order_by("pk").iterator():
        changed = []
        name = repaired_name(room.name, room.slug)
        if room.kind != "direct" and slugify(name).startswith("dm-"):
            name = f"room {name}"[:LIMIT]
        if name != room.name:
            room.name = name
            changed.append("name")
        if not slug_is_fine(room.slug, room.kind):
            base = slugify(name)[:LIMIT].strip("-_")
            if not base or base.startswith("dm-"):
                base = f"room-{base}".strip("-_") if base else f"room-{room.pk}"
            taken.discard(room.slug)
            room.slug = free_slug(base, taken)
            taken.add(room.slug)
            changed.append("slug")
        if changed:
            room.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("rooms", "0001_initial")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
