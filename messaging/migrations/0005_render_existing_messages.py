"""Messages stored before formatting existed get their HTML, rendered as new ones are (mentions stay text:
who could read the room back then is not known)."""

from django.db import migrations


def render_existing(apps, schema_editor):
    from messaging.formatting import render

    Message = apps.get_model("messaging", "Message")
    pending = Message.objects.filter(body_html="", deleted_at__isnull=True).only("id", "body")
    batch = []
    for message in pending.iterator(chunk_size=1000):
        message.body_html = render(message.body)
        batch.append(message)
        if len(batch) >= 1000:
            Message.objects.bulk_update(batch, ["body_html"])
            batch = []
    Message.objects.bulk_update(batch, ["body_html"])


class Migration(migrations.Migration):
    dependencies = [("messaging", "0004_formatting_edits_reactions_mentions")]

    operations = [migrations.RunPython(render_existing, migrations.RunPython.noop)]
