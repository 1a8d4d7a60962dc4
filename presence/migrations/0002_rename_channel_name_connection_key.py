from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("presence", "0001_initial")]

    operations = [
        migrations.RenameField(model_name="connection", old_name="channel_name", new_name="key"),
        migrations.AlterField(model_name="connection", name="key", field=models.CharField(max_length=64, unique=True)),
    ]
