"""The per-database index (ADR 0009): an FTS5 table on SQLite, a GIN index on PostgreSQL.

Raw SQL, run only on the database it is written for; the other database skips it.
"""

from django.db import migrations

SQLITE_FORWARD = [
    # Contentless: the tokens are derived from SearchDocument.title_norm/body_norm, which the
    # services also use to delete a row's tokens. rowid = SearchDocument.rank_key.
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "tu, tb, bu, bb, meta, content='', columnsize=0, detail=full)",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS search_fts"]

# One narrow row per document with what a search filters on (the SearchDocument row also holds
# the originals, too wide to scan); the GIN expression index holds the grams, so the rows stay
# small. search_grams() must compute exactly engines.search.grams.index_grams (tested).
POSTGRES_FORWARD = [
    r"""
CREATE FUNCTION search_grams(t text, b text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    tc text[] := CASE WHEN t = '' THEN '{}'::text[] ELSE regexp_split_to_array(t, '') END;
    bc text[] := CASE WHEN b = '' THEN '{}'::text[] ELSE regexp_split_to_array(b, '') END;
    out text[] := tc || bc;
    i int;
BEGIN
    FOR i IN 1 .. cardinality(tc) - 1 LOOP
        out := out || (tc[i] || tc[i + 1]);
    END LOOP;
    FOR i IN 1 .. cardinality(bc) - 1 LOOP
        out := out || (bc[i] || bc[i + 1]);
    END LOOP;
    RETURN out;
END
$$
""",
    """
CREATE TABLE search_pg_entry (
    rank_key bigint PRIMARY KEY,
    kind text NOT NULL,
    organization_id integer NULL,
    visibility text NOT NULL,
    audience integer[] NULL,
    facet text NOT NULL,
    title_norm text NOT NULL,
    body_norm text NOT NULL
)
""",
    # A small pending list: bulk writes are still batched into the GIN index, and a search
    # never scans more than 256 kB of not-yet-merged entries.
    "CREATE INDEX search_pg_entry_grams ON search_pg_entry "
    "USING gin (search_grams(title_norm, body_norm)) "
    "WITH (fastupdate = on, gin_pending_list_limit = 256)",
    "CREATE INDEX search_pg_entry_kind ON search_pg_entry (kind)",
    "CREATE INDEX search_pg_entry_org ON search_pg_entry (organization_id)",
    "CREATE INDEX search_pg_entry_facet ON search_pg_entry (facet)",
]
POSTGRES_BACKWARD = [
    "DROP TABLE IF EXISTS search_pg_entry",
    "DROP FUNCTION IF EXISTS search_grams(text, text)",
]


class VendorSQL(migrations.RunSQL):
    """RunSQL that runs only on one database vendor."""

    def __init__(self, vendor, sql, reverse_sql):
        super().__init__(sql, reverse_sql, elidable=False)
        self.vendor = vendor

    def deconstruct(self):
        return (
            self.__class__.__qualname__,
            [],
            {"vendor": self.vendor, "sql": self.sql, "reverse_sql": self.reverse_sql},
        )

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        VendorSQL("sqlite", SQLITE_FORWARD, SQLITE_BACKWARD),
        VendorSQL("postgresql", POSTGRES_FORWARD, POSTGRES_BACKWARD),
    ]
