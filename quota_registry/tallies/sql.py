"""The PostgreSQL side of the tallies: one trigger function, `tally_rows`, attached to a table for a list of its
columns (`attach`, from the migration of the app that owns the table). It runs once per statement and reads the
statement's rows from transition tables, so a bulk insert writes each count once. It only ever appends: a row is
counted as +1 under its county and values, a deleted row as -1, a changed one (county or counted columns) as -1
under the old and +1 under the new, so no writer waits for another's count (no lock taken, no deadlock possible,
whatever the order of their statements); a reader sums. `compact` (the worker, every five minutes) folds the rows
into one per county and values. TRUNCATE is not counted: the tables counted are never truncated but by the test
suite, which truncates the tallies with them; rows written with the triggers off (the benchmark's load generator)
are counted again by `recount`. On another database nothing is attached and the selector counts the rows."""

# The tables the migrations attach the trigger to, with the columns each is counted by (by county besides).
COUNTED = {"reserve_entryapplication": ("status",), "reserve_withdrawalapplication": ("status",),
           "reserve_lot": ("status",), "orgs_organisation": ("kind", "is_active")}

FUNCTION = r"""
CREATE OR REPLACE FUNCTION tally_rows() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    key_old text;
    key_new text;
    changed text;
BEGIN
    SELECT 'concat_ws(''|'', ' || string_agg(format('o.%I::text', c), ', ') || ')',
           'concat_ws(''|'', ' || string_agg(format('n.%I::text', c), ', ') || ')'
      INTO key_old, key_new FROM unnest(TG_ARGV) AS c;
    IF TG_OP = 'INSERT' THEN
        EXECUTE format($q$
            INSERT INTO tallies_tally ("table", region, key, n)
            SELECT %L, coalesce(n.region_id, 0), %s, count(*) FROM new_rows n GROUP BY 2, 3$q$,
            TG_TABLE_NAME, key_new);
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format($q$
            INSERT INTO tallies_tally ("table", region, key, n)
            SELECT %L, coalesce(o.region_id, 0), %s, -count(*) FROM old_rows o GROUP BY 2, 3$q$,
            TG_TABLE_NAME, key_old);
    ELSE
        changed := format('(o.region_id, %s) IS DISTINCT FROM (n.region_id, %s)', key_old, key_new);
        EXECUTE format($q$
            INSERT INTO tallies_tally ("table", region, key, n)
            SELECT %L, region, key, sum(d) FROM (
                SELECT coalesce(o.region_id, 0) AS region, %s AS key, -1 AS d
                  FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE %s
                UNION ALL
                SELECT coalesce(n.region_id, 0), %s, 1
                  FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE %s) moved
            GROUP BY region, key HAVING sum(d) <> 0$q$,
            TG_TABLE_NAME, key_old, changed, key_new, changed);
    END IF;
    RETURN NULL;
END
$body$;
"""

# One row per table, county and values: the rows appended since are summed into it. Only one compaction at a time
# (an advisory lock); writers append meanwhile, and what a writer appends after the compaction's snapshot stays.
COMPACT = """
WITH gone AS (DELETE FROM tallies_tally RETURNING "table", region, key, n)
INSERT INTO tallies_tally ("table", region, key, n)
SELECT "table", region, key, sum(n) FROM gone GROUP BY 1, 2, 3 HAVING sum(n) <> 0
"""
COMPACT_LOCK = 7_110_019  # pg_try_advisory_xact_lock's key for the compaction


def create_function(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, None)  # no parameters: its % are format()'s


def drop_function(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS tally_rows()")


def _count(table: str, columns: tuple[str, ...]) -> str:
    key = "concat_ws('|', " + ", ".join(f'"{c}"::text' for c in columns) + ")"
    return (f'INSERT INTO tallies_tally ("table", region, key, n) SELECT %s, coalesce(region_id, 0), {key}, '  # noqa: S608
            f'count(*) FROM "{table}" GROUP BY 2, 3')  # the tables and columns are constants of the code


def compact(cursor) -> bool:
    """Fold the appended counts into one row per table, county and values (False: another compaction runs)."""
    cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [COMPACT_LOCK])
    if not cursor.fetchone()[0]:
        return False
    cursor.execute(COMPACT)
    return True


def recount(cursor, counted: dict[str, tuple[str, ...]] = COUNTED) -> None:
    """Count the tables again from their rows (after rows were written with the triggers off: bench/loadgen.py)."""
    for table, columns in counted.items():
        cursor.execute('DELETE FROM tallies_tally WHERE "table" = %s', [table])
        cursor.execute(_count(table, columns), [table])


def attach(table: str, columns: tuple[str, ...]):
    """A RunPython pair: count `table`'s rows by `region_id` and `columns` from now on, starting from what it holds."""
    args = ", ".join(f"'{c}'" for c in columns)

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for event, transition in (("INSERT", "NEW TABLE AS new_rows"), ("DELETE", "OLD TABLE AS old_rows"),
                                  ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows")):
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_tally_{event.lower()}" AFTER {event} ON "{table}" REFERENCING {transition} '
                f"FOR EACH STATEMENT EXECUTE FUNCTION tally_rows({args})")
        schema_editor.execute(_count(table, columns), [table])

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for event in ("insert", "delete", "update"):
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_tally_{event}" ON "{table}"')
        schema_editor.execute('DELETE FROM tallies_tally WHERE "table" = %s', [table])

    return forwards, backwards
