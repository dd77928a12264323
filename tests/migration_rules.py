"""The rolling-upgrade rule for migrations (docs/upgrades.md), as code the tests apply.

During a rolling upgrade `migrate` runs first, and the app servers of the previous release keep
serving on the migrated database until each is restarted. So a release's migrations may only
*expand* what the previous release uses: new tables, new nullable columns, new columns with a
default in the database (`db_default`), new indexes. Dropping or renaming a table or column the
previous release reads, making a column NOT NULL, changing its type, or adding a constraint its
writes may break waits for the release after the one that stopped using it (*contract*), and is
then a reviewed exception.

`check_release` reads the migrations with Django's own loader and graph, replays each new
operation on the project state before it, and reports every operation that touches what the
previous release's code knows (a table or column that exists in the state at the previous
release's migrations) in a way that code cannot live with. What the release itself adds and then
changes again is its own business. A column `AddField` makes NOT NULL is judged on the state at
the end of the release: a later migration of the same release may still give it its `db_default`.

The previous release is a git commit (deploy/previous-release); which migrations it had is read
from that commit's tree (`git ls-tree`), file names only.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import models
from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ModelState, ProjectState
from django.db.models.fields import NOT_PROVIDED

REPO_ROOT = Path(__file__).resolve().parents[1]
PREVIOUS_RELEASE_FILE = REPO_ROOT / "deploy" / "previous-release"

MigrationKey = tuple[str, str]  # (app label, migration name)

# Operations that never take away what the previous release uses: a new table, an index (the
# previous release's queries only get faster), Python-side options, a data migration
# (RunPython: keep it small and idempotent, docs/upgrades.md; the rule cannot read code), a
# constraint's message (AlterConstraint changes nothing in the database).
_HARMLESS = (
    ops.CreateModel,
    ops.AddIndex,
    ops.RemoveIndex,
    ops.RenameIndex,
    ops.AlterModelOptions,
    ops.AlterModelManagers,
    ops.AlterModelTableComment,
    ops.AlterConstraint,
    ops.RunPython,
)
try:  # PostgreSQL's way to index a big table without locking out writes
    from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently

    _HARMLESS += (AddIndexConcurrently, RemoveIndexConcurrently)
except ImportError:  # pragma: no cover - psycopg2 is a dependency
    pass


@dataclass(frozen=True)
class Finding:
    """One operation of a new migration that the previous release's code cannot live with."""

    app_label: str
    migration: str
    operation: str  # e.g. "RemoveField session.place": the key of a reviewed exception
    problem: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.app_label, self.migration, self.operation)

    def __str__(self) -> str:
        return f"{self.app_label}.{self.migration}: {self.operation}: {self.problem}"


# --- git: the previous release -------------------------------------------------------------


class HistoryMissing(RuntimeError):
    """The previous release's commit is not in this clone (shallow, or a wrong hash)."""


GIT = shutil.which("git") or "/usr/bin/git"


def git(*args: str) -> subprocess.CompletedProcess[str]:
    """A git command in this repository; its output as text, whatever its exit status."""
    return subprocess.run(
        [GIT, *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False, timeout=60
    )


def previous_release() -> str:
    """The commit in deploy/previous-release: the one line that is not a comment."""
    lines = [
        line.strip()
        for line in PREVIOUS_RELEASE_FILE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if len(lines) != 1:
        raise ValueError(f"{PREVIOUS_RELEASE_FILE} must hold one commit (or tag), not {lines!r}")
    return lines[0]


def require_commit(ref: str) -> str:
    """The full hash of `ref`, or HistoryMissing saying why it is not here and what to do."""
    if git("rev-parse", "--git-dir").returncode != 0:
        raise HistoryMissing(
            f"{REPO_ROOT} is not a git checkout: the upgrade tests take the previous release "
            f"({ref}, deploy/previous-release) from the repository's history. Clone it."
        )
    found = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if found.returncode == 0:
        return found.stdout.strip()
    shallow = git("rev-parse", "--is-shallow-repository").stdout.strip() == "true"
    if shallow:
        raise HistoryMissing(
            f"This clone is shallow, so the previous release ({ref}, deploy/previous-release) "
            "is not in it: the upgrade tests need the repository's history. Run "
            "`git fetch --unshallow` (in CI: clone with full history, e.g. fetch-depth: 0)."
        )
    raise HistoryMissing(
        f"The previous release {ref!r} (deploy/previous-release) is not a commit of this "
        "repository: put the commit (or tag) the app servers run now in that file."
    )


def migrations_at(commit: str, app_paths: dict[str, str]) -> set[MigrationKey]:
    """(app, name) of every migration file in `commit`'s tree, for the given apps (label ->
    path of the app inside the repository)."""
    found: set[MigrationKey] = set()
    for label, path in app_paths.items():
        listing = git("ls-tree", "--name-only", f"{commit}:{path}/migrations")
        if listing.returncode != 0:
            continue  # the app or its migrations came later
        for name in listing.stdout.split():
            if name.endswith(".py") and name != "__init__.py":
                found.add((label, name.removesuffix(".py")))
    return found


def project_apps() -> dict[str, str]:
    """Label -> path inside the repository, for the apps whose migrations are in git here (not
    the installed packages', even with a virtualenv inside the checkout)."""
    found = {}
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if not path.is_relative_to(REPO_ROOT):
            continue
        relative = path.relative_to(REPO_ROOT).as_posix()
        if git("ls-files", "--", f"{relative}/migrations/").stdout.strip():
            found[config.label] = relative
    return found


# --- The rule ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """What `check_release` needs: the previous release's state, the new migrations in order
    with the state before each, and the state at the end of the release."""

    previous_state: ProjectState
    new: list[tuple[MigrationKey, Sequence[ops.base.Operation], ProjectState]]
    final_state: ProjectState


def load_release(
    loader: MigrationLoader, previous: set[MigrationKey], labels: Iterable[str]
) -> Release:
    """Split the graph into the previous release's migrations and the new ones of the apps
    with these labels (the project's own)."""
    graph = loader.graph
    labels = set(labels)
    # A migration squashed since counts through the squash that replaced it.
    replaced_by = {
        old: new for new, squash in loader.replacements.items() for old in squash.replaces
    }
    before = {replaced_by.get(key, key) for key in previous} & set(graph.nodes)
    leaves = [
        key
        for key in before
        if not any(child.key in before for child in graph.node_map[key].children)
    ]
    previous_state = loader.project_state(leaves, at_end=True)
    order: list[MigrationKey] = []
    for leaf in sorted(graph.leaf_nodes()):
        for key in graph.forwards_plan(leaf):
            if key[0] in labels and key not in before and key not in order:
                order.append(key)
    new = [
        (key, graph.nodes[key].operations, loader.project_state(key, at_end=False)) for key in order
    ]
    return Release(previous_state, new, loader.project_state())


def check_release(release: Release, connection) -> list[Finding]:
    """Every operation of the new migrations that breaks the previous release's code."""
    known = _tables_and_columns(release.previous_state)
    findings = []
    for (label, name), operations, state_before in release.new:
        state = state_before.clone()
        for operation in operations:
            for summary, problem in _judge(
                operation, label, state, known, release.final_state, connection
            ):
                findings.append(Finding(label, name, summary, problem))
            operation.state_forwards(label, state)
    return findings


def _tables_and_columns(state: ProjectState) -> dict[str, set[str]]:
    """Table -> its columns (and M2M join tables), as the state at the previous release has
    them: what the previous release's code reads and writes."""
    known: dict[str, set[str]] = {}
    for (label, _model), model_state in state.models.items():
        if not _is_table(model_state):
            continue
        table = _table(label, model_state)
        columns = known.setdefault(table, set())
        for field_name, field in model_state.fields.items():
            if field.many_to_many:
                columns.add(f"m2m:{field_name}")
            elif (column := _column(field_name, field)) is not None:
                columns.add(column)
    return known


def _is_table(model_state: ModelState) -> bool:
    return not model_state.options.get("proxy") and model_state.options.get("managed", True)


def _table(label: str, model_state: ModelState) -> str:
    return model_state.options.get("db_table") or f"{label}_{model_state.name_lower}"


def _column(name: str, field: models.Field) -> str | None:
    """The column a field of a model state has (None for a many-to-many field)."""
    if field.many_to_many:
        return None
    bound = field.clone()
    bound.set_attributes_from_name(name)
    return bound.column


def _field(state: ProjectState, label: str, model: str, name: str) -> models.Field | None:
    model_state = state.models.get((label, model.lower()))
    return model_state.fields.get(name) if model_state else None


def _judge(
    operation: ops.base.Operation,
    label: str,
    state: ProjectState,
    known: dict[str, set[str]],
    final_state: ProjectState,
    connection,
) -> Iterator[tuple[str, str]]:
    """(operation summary, problem) for what this operation takes from the previous release."""
    kind = type(operation).__name__

    def model_state(name: str) -> ModelState | None:
        return state.models.get((label, name.lower()))

    def known_table(name: str) -> str | None:
        """The model's table, if the previous release has it."""
        found = model_state(name)
        if found is None or not _is_table(found):
            return None
        table = _table(label, found)
        return table if table in known else None

    def known_column(model: str, field_name: str) -> bool:
        table = known_table(model)
        field = _field(state, label, model, field_name)
        if table is None or field is None:
            return False
        if field.many_to_many:
            return f"m2m:{field_name}" in known[table]
        return _column(field_name, field) in known[table]

    if isinstance(operation, _HARMLESS):
        return
    if isinstance(operation, ops.SeparateDatabaseAndState):
        # The database changes are what the previous release meets; judge those.
        shadow = state.clone()
        for inner in operation.database_operations:
            yield from _judge(inner, label, shadow, known, final_state, connection)
            inner.state_forwards(label, shadow)
        return
    if isinstance(operation, ops.RunSQL):
        yield (
            f"RunSQL ({_first_words(operation.sql)})",
            "raw SQL: the rule cannot see what it changes. Review it against the previous "
            "release and list it as a reviewed exception",
        )
        return
    if isinstance(operation, ops.DeleteModel):
        if known_table(operation.name):
            yield (
                f"DeleteModel {operation.name_lower}",
                "drops a table the previous release reads: drop it one release after the code "
                "stopped using it",
            )
        return
    if isinstance(operation, ops.RenameModel):
        table = known_table(operation.old_name)
        if table:
            moved = state.clone()
            operation.state_forwards(label, moved)
            new_state = moved.models[(label, operation.new_name_lower)]
            if _table(label, new_state) != table or _renames_join_tables(
                model_state(operation.old_name)
            ):
                yield (
                    f"RenameModel {operation.old_name_lower} -> {operation.new_name_lower}",
                    "renames a table the previous release reads: add the new table, copy, and "
                    "drop the old one a release later (or keep the table with Meta.db_table)",
                )
        return
    if isinstance(operation, ops.AlterModelTable):
        table = known_table(operation.name)
        found = model_state(operation.name)
        if table and (operation.table or f"{label}_{found.name_lower}") != table:
            yield (
                f"AlterModelTable {operation.name_lower}",
                "renames a table the previous release reads",
            )
        return
    if isinstance(operation, ops.RemoveField):
        if known_column(operation.model_name, operation.name):
            yield (
                f"RemoveField {operation.model_name_lower}.{operation.name}",
                "drops a column the previous release reads and writes: stop using it in one "
                "release, drop it in the next",
            )
        return
    if isinstance(operation, ops.RenameField):
        if known_column(operation.model_name, operation.old_name):
            field = _field(state, label, operation.model_name, operation.old_name)
            if field.many_to_many or _column(operation.old_name, field) != _column(
                operation.new_name, field
            ):
                yield (
                    f"RenameField {operation.model_name_lower}.{operation.old_name} -> "
                    f"{operation.new_name}",
                    "renames a column the previous release reads: add the new column, copy, "
                    "and drop the old one a release later (or keep the column with db_column)",
                )
        return
    if isinstance(operation, ops.AddField):
        if known_table(operation.model_name) and not operation.field.many_to_many:
            yield from _judge_added(operation, label, final_state)
        return
    if isinstance(operation, ops.AlterField):
        if known_column(operation.model_name, operation.name):
            old = _field(state, label, operation.model_name, operation.name)
            yield from _judge_altered(operation, old, operation.field, connection)
        return
    if isinstance(operation, ops.AddConstraint):
        if known_table(operation.model_name):
            yield (
                f"AddConstraint {operation.model_name_lower}.{operation.constraint.name}",
                "a new constraint on a table the previous release writes: review that none of "
                "its writes can break it",
            )
        return
    if isinstance(operation, ops.RemoveConstraint):
        found = model_state(operation.model_name)
        if known_table(operation.model_name):
            constraint = next(
                (c for c in found.options.get("constraints", []) if c.name == operation.name),
                None,
            )
            if isinstance(constraint, models.UniqueConstraint):
                yield (
                    f"RemoveConstraint {operation.model_name_lower}.{operation.name}",
                    "the previous release may count on this uniqueness (get_or_create, ON "
                    "CONFLICT): drop it a release after the code stopped needing it",
                )
        return
    if isinstance(operation, ops.AlterUniqueTogether | ops.AlterIndexTogether):
        found = model_state(operation.name)
        option = operation.option_name
        before = {tuple(names) for names in found.options.get(option, set())}
        after = {tuple(names) for names in (getattr(operation, option) or set())}
        if known_table(operation.name) and option == "unique_together" and before != after:
            yield (
                f"AlterUniqueTogether {operation.name_lower}",
                "changes which rows must be unique in a table the previous release writes",
            )
        return
    if isinstance(operation, ops.AlterOrderWithRespectTo):
        if known_table(operation.name) and operation.order_with_respect_to:
            yield (
                f"AlterOrderWithRespectTo {operation.name_lower}",
                "adds an _order column NOT NULL without a database default: the previous "
                "release's INSERTs leave it out",
            )
        return
    yield (kind, "an operation the rule does not know: review it and teach the rule")


def _renames_join_tables(model_state: ModelState | None) -> bool:
    """A model with many-to-many fields of its own takes their join tables' names along."""
    return bool(model_state) and any(
        field.many_to_many and not field.remote_field.through
        for field in model_state.fields.values()
    )


def _judge_added(operation: ops.AddField, label: str, final_state: ProjectState):
    """A new column on an old table: the previous release's INSERTs leave it out."""
    added = operation.field
    if added.null:
        return
    summary = f"AddField {operation.model_name_lower}.{operation.name}"
    # Judged as the release leaves it: a later migration may still give it a db_default.
    final = _field(final_state, label, operation.model_name, operation.name)
    if final is None or final.null:
        return
    if final.db_default is not NOT_PROVIDED:
        if final.unique:
            yield (
                summary,
                "a unique NOT NULL column: every row the previous release inserts gets the same "
                "database default, and the second one breaks the uniqueness",
            )
        return
    yield (
        summary,
        "a NOT NULL column without a default in the database: the previous release's INSERTs "
        "leave it out and fail (default= only fills the rows already there). Give the field "
        "db_default= (or null=True)",
    )


def _judge_altered(operation: ops.AlterField, old: models.Field, new: models.Field, connection):
    summary = f"AlterField {operation.model_name_lower}.{operation.name}"
    if _column(operation.name, old) != _column(operation.name, new):
        yield summary, "renames a column the previous release reads (db_column)"
        return
    if old.null and not new.null:
        yield (
            summary,
            "makes a column NOT NULL that the previous release may leave empty: only once no "
            "running release writes NULL (a contract step)",
        )
    if old.db_default is not NOT_PROVIDED and new.db_default is NOT_PROVIDED and not new.null:
        yield (
            summary,
            "takes away the database default the previous release's INSERTs count on",
        )
    if not old.unique and new.unique:
        yield summary, "makes a column unique that the previous release may write twice"
    if old.unique and not new.unique and not old.primary_key:
        yield (
            summary,
            "drops a uniqueness the previous release may count on (get_or_create, ON CONFLICT)",
        )
    if old.is_relation or new.is_relation:
        if _target(old) != _target(new):
            yield summary, "points a column the previous release uses at another table"
        return
    old_type, new_type = old.db_type(connection), new.db_type(connection)
    if old_type != new_type and not _widens(old, new):
        yield (
            summary,
            f"changes the column's type ({old_type} -> {new_type}): the previous release "
            "reads and writes the old one",
        )


def _target(field: models.Field) -> tuple[str, str] | None:
    if not field.is_relation:
        return None
    model = field.remote_field.model
    name = model if isinstance(model, str) else model._meta.label
    return (name.lower(), getattr(field, "to_fields", None) and str(field.to_fields))


def _widens(old: models.Field, new: models.Field) -> bool:
    """A longer text column takes everything the shorter one did."""
    if type(old) is not type(new) or not isinstance(old, models.CharField):
        return False
    return new.max_length is None or (
        old.max_length is not None and new.max_length >= old.max_length
    )


def _first_words(sql: object) -> str:
    text = sql if isinstance(sql, str) else " ".join(map(str, _flatten(sql)))
    words = " ".join(text.split())
    return words[:40] + ("…" if len(words) > 40 else "")


def _flatten(items: Iterable) -> Iterator[object]:
    for item in items:
        if isinstance(item, list | tuple):
            yield from _flatten(item)
        else:
            yield item
