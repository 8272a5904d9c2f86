-- The search indexes again, contentless but without `contentless_delete`: a row deleted by
-- rowid alone kept counting its old text in bm25's statistics, so after a reload search ranked
-- unlike a fresh import of the same program. Rows now leave with FTS5's 'delete' command and
-- the text they were indexed with (`store/program.rs`), which keeps the statistics exact. The
-- indexes are rebuilt from the tables, with the text `index_talks` writes.

DROP TABLE talk_search;
CREATE VIRTUAL TABLE talk_search USING fts5 (
    title, abstract, speakers, session,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
INSERT INTO talk_search (rowid, title, abstract, speakers, session)
    SELECT t.pk, t.title, t.abstract,
        ifnull((SELECT string_agg(p.name, ', ' ORDER BY ts.position)
                FROM talk_speakers ts JOIN people p ON p.pk = ts.person WHERE ts.talk = t.pk), ''),
        s.title
    FROM talks t JOIN sessions s ON s.pk = t.session;

DROP TABLE people_search;
CREATE VIRTUAL TABLE people_search USING fts5 (
    name,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
INSERT INTO people_search (rowid, name) SELECT pk, name FROM people;
