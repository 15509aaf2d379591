-- The items of each case's latest approved plan version that are not cancelled, kept up to date
-- by triggers on every write to `plan_versions`, however it is made (a page, an import, a
-- merge, a bulk load). "What works" and the sampling frame read what each returnee received
-- from here in case order, instead of parsing every plan's JSON at each view (seconds at a
-- million returnees).
CREATE TABLE approved_plan_items (
    case_id  TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE DEFERRABLE,
    kind     TEXT NOT NULL,
    modality TEXT
);
CREATE INDEX approved_plan_items_case ON approved_plan_items(case_id, kind, modality);

-- What the table holds, worked out from the plans: read by the triggers for one case at a time.
--
-- SQLite: json_each(p.content, '$.items') and json_extract(i.value, '$.kind'). Here the plan
-- (TEXT) is cast to jsonb, `items` is expanded with jsonb_array_elements and each field read
-- with ->> (text, NULL for a missing field or JSON null, as json_extract gives). `items` is an
-- array (domain::pathway::plan::PlanContent); a plan without one (or with a non-array one,
-- which the application never writes) contributes no items rather than failing.
CREATE VIEW latest_approved_plan_items AS
SELECT p.case_id AS case_id, i.value ->> 'kind' AS kind,
       i.value ->> 'modality' AS modality
FROM plan_versions p,
     jsonb_array_elements(
         CASE WHEN jsonb_typeof(p.content::jsonb -> 'items') = 'array'
              THEN p.content::jsonb -> 'items'
              ELSE '[]'::jsonb
         END) AS i(value)
WHERE p.approved_at IS NOT NULL
  AND i.value ->> 'kind' IS NOT NULL
  AND coalesce(i.value ->> 'status', '') <> 'cancelled'
  AND p.version = (SELECT MAX(q.version) FROM plan_versions q
                   WHERE q.case_id = p.case_id AND q.approved_at IS NOT NULL);

-- SQLite has three row triggers (after insert, update, delete) whose bodies are SQL; here one
-- plpgsql function serves the three triggers of the same names, doing what each body did.
-- (PostgreSQL runs AFTER ROW triggers at the end of the statement rather than after each row;
-- each call recomputes its cases from the table as it then is, so the result is the same.)
-- The function's search_path is the one the migration runs with, so that it finds the
-- schema's tables whatever the search_path of the session writing to plan_versions.
CREATE FUNCTION approved_plan_items_refresh() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        DELETE FROM approved_plan_items WHERE case_id = NEW.case_id;
        INSERT INTO approved_plan_items (case_id, kind, modality)
        SELECT case_id, kind, modality FROM latest_approved_plan_items
        WHERE case_id = NEW.case_id;
    ELSIF TG_OP = 'UPDATE' THEN
        DELETE FROM approved_plan_items WHERE case_id IN (OLD.case_id, NEW.case_id);
        INSERT INTO approved_plan_items (case_id, kind, modality)
        SELECT case_id, kind, modality FROM latest_approved_plan_items
        WHERE case_id IN (OLD.case_id, NEW.case_id);
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM approved_plan_items WHERE case_id = OLD.case_id;
        INSERT INTO approved_plan_items (case_id, kind, modality)
        SELECT case_id, kind, modality FROM latest_approved_plan_items
        WHERE case_id = OLD.case_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER approved_plan_items_after_insert AFTER INSERT ON plan_versions
FOR EACH ROW EXECUTE FUNCTION approved_plan_items_refresh();

CREATE TRIGGER approved_plan_items_after_update AFTER UPDATE ON plan_versions
FOR EACH ROW EXECUTE FUNCTION approved_plan_items_refresh();

CREATE TRIGGER approved_plan_items_after_delete AFTER DELETE ON plan_versions
FOR EACH ROW EXECUTE FUNCTION approved_plan_items_refresh();

-- The plans already recorded.
INSERT INTO approved_plan_items (case_id, kind, modality)
SELECT case_id, kind, modality FROM latest_approved_plan_items;
