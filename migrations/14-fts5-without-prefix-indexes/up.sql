-- The talks' FTS5 index without its prefix indexes ('1 2 3'). The bot searches its own index
-- (`store/talk_index.rs`); FTS5 answers only while that is rebuilt after another process
-- imported, and `"word"*` still works without prefix indexes, only slower (a one-letter
-- prefix among 50,000 talks: about 120 ms instead of 45). Every import writes this index:
-- without the prefix indexes it is a third of the size (32 MB instead of 92 at 50,000 talks)
-- and takes about 1 s less. Rebuilt from the tables with the text `index_talks` writes.

DROP TABLE talk_search;
CREATE VIRTUAL TABLE talk_search USING fts5 (
    title, abstract, speakers, session,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO talk_search (rowid, title, abstract, speakers, session)
    SELECT t.pk, t.title, t.abstract,
        ifnull((SELECT string_agg(p.name, ', ' ORDER BY ts.position)
                FROM talk_speakers ts JOIN people p ON p.pk = ts.person WHERE ts.talk = t.pk), ''),
        s.title
    FROM talks t JOIN sessions s ON s.pk = t.session;
