-- A name search within one office (the usual case) reads only that office's matches: counting
-- "Diallo" among a million cases no longer looks up every Diallo of every office.
ALTER TABLE case_search ADD COLUMN office_id TEXT;
UPDATE case_search
   SET office_id = (SELECT office_id FROM cases WHERE cases.id = case_search.case_id);
CREATE INDEX case_search_office ON case_search(office_id, token, case_id);
