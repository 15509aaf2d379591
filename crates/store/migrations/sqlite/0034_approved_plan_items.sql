-- The items of each case's latest approved plan version that are not cancelled, kept up to date
-- by triggers on every write to `plan_versions`, however it is made (a page, an import, a
-- merge, a bulk load). "What works" and the sampling frame read what each returnee received
-- from here in case order, instead of parsing every plan's JSON at each view (seconds at a
-- million returnees).
CREATE TABLE approved_plan_items (
    case_id  TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,
    modality TEXT
);
CREATE INDEX approved_plan_items_case ON approved_plan_items(case_id, kind, modality);

-- What the table holds, worked out from the plans: read by the triggers for one case at a time.
CREATE VIEW latest_approved_plan_items AS
SELECT p.case_id AS case_id, json_extract(i.value, '$.kind') AS kind,
       json_extract(i.value, '$.modality') AS modality
FROM plan_versions p, json_each(p.content, '$.items') i
WHERE p.approved_at IS NOT NULL
  AND json_extract(i.value, '$.kind') IS NOT NULL
  AND coalesce(json_extract(i.value, '$.status'), '') != 'cancelled'
  AND p.version = (SELECT MAX(q.version) FROM plan_versions q
                   WHERE q.case_id = p.case_id AND q.approved_at IS NOT NULL);

CREATE TRIGGER approved_plan_items_after_insert AFTER INSERT ON plan_versions BEGIN
    DELETE FROM approved_plan_items WHERE case_id = NEW.case_id;
    INSERT INTO approved_plan_items (case_id, kind, modality)
    SELECT case_id, kind, modality FROM latest_approved_plan_items WHERE case_id = NEW.case_id;
END;

CREATE TRIGGER approved_plan_items_after_update AFTER UPDATE ON plan_versions BEGIN
    DELETE FROM approved_plan_items WHERE case_id IN (OLD.case_id, NEW.case_id);
    INSERT INTO approved_plan_items (case_id, kind, modality)
    SELECT case_id, kind, modality FROM latest_approved_plan_items
    WHERE case_id IN (OLD.case_id, NEW.case_id);
END;

CREATE TRIGGER approved_plan_items_after_delete AFTER DELETE ON plan_versions BEGIN
    DELETE FROM approved_plan_items WHERE case_id = OLD.case_id;
    INSERT INTO approved_plan_items (case_id, kind, modality)
    SELECT case_id, kind, modality FROM latest_approved_plan_items WHERE case_id = OLD.case_id;
END;

-- The plans already recorded.
INSERT INTO approved_plan_items (case_id, kind, modality)
SELECT case_id, kind, modality FROM latest_approved_plan_items;
