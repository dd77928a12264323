"""export_expedition and import_expedition round-trip one expedition: every row comes back."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from coalitions.models import Coalition, Expedition
from coalitions.transfer import rows_of
from pitstops.models import CompassScore, Reflection

pytestmark = pytest.mark.django_db(transaction=True)


def snapshot(models: set) -> dict:
    """Every row of these models, every column, and every many-to-many link."""
    tables = {}
    for model in sorted(models, key=lambda m: m._meta.label):
        rows = []
        for obj in model.objects.order_by("pk"):
            row = {
                field.attname: getattr(obj, field.attname) for field in model._meta.concrete_fields
            }
            for field in model._meta.many_to_many:
                row[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
            rows.append(row)
        tables[model._meta.label] = rows
    return tables


@pytest.fixture
def demo():
    shipped = __import__("importlib").import_module("coalitions.migrations.0002_default_themes")
    shipped.add_default_themes(apps, schema_editor=None)
    call_command("seed_demo", stdout=io.StringIO())
    return Expedition.objects.get()


def test_an_expedition_goes_out_and_comes_back_whole(demo, tmp_path):
    # Some of everything: an anonymous card with its seal, a held-back card, a consent change.
    card = Reflection.objects.filter(is_anonymous=True).first()
    card.author_seal = "a" * 32 + ":" + "b" * 64
    card.save()
    models = {type(obj) for obj in rows_of(demo)}
    assert {"pitstops.Reflection", "pitstops.Session", "coalitions.Member", "auth.User"} <= {
        model._meta.label for model in models
    }
    before = snapshot(models)
    path = tmp_path / "expeditie.json"
    call_command("export_expedition", demo.slug, output=str(path), stderr=io.StringIO())

    users = [obj.pk for obj in rows_of(demo) if obj._meta.label == "auth.User"]
    # Themes are protected while words and scores refer to them: those go first.
    Reflection.objects.filter(coalition__expedition=demo).delete()
    CompassScore.objects.filter(theme__expedition=demo).delete()
    demo.delete()
    apps.get_model("auth", "User").objects.filter(pk__in=users).delete()
    assert not Reflection.objects.exists()

    output = io.StringIO()
    call_command("import_expedition", str(path), stdout=output)
    assert "rows imported" in output.getvalue()
    after = snapshot(models)
    for label in before:
        assert after[label] == before[label], label
    # New rows get new ids after the imported ones.
    assert Reflection.objects.create(coalition=Coalition.objects.first(), text="Nieuw").pk > max(
        row["id"] for row in before["pitstops.Reflection"]
    )


def test_importing_twice_is_refused_and_changes_nothing(demo, tmp_path):
    path = tmp_path / "expeditie.json"
    call_command("export_expedition", demo.slug, output=str(path), stderr=io.StringIO())
    count = Reflection.objects.count()
    with pytest.raises(CommandError, match="already in this database"):
        call_command("import_expedition", str(path), stdout=io.StringIO())
    assert Reflection.objects.count() == count


@pytest.mark.parametrize("content", ["", "not json", "[]", '[{"model": "nope.Nope"}]'])
def test_a_bad_file_gets_a_clear_message(demo, tmp_path, content):
    path = tmp_path / "kapot.json"
    path.write_text(content)
    with pytest.raises(CommandError):
        call_command("import_expedition", str(path), stdout=io.StringIO())


def test_an_unknown_expedition_or_file_gets_a_clear_message(demo, tmp_path):
    with pytest.raises(CommandError, match="no expedition"):
        call_command("export_expedition", "bestaat-niet", stderr=io.StringIO())
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("import_expedition", str(tmp_path / "weg.json"), stdout=io.StringIO())
