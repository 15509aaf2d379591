-- The language each person reads Reintegra in, restored whenever they sign in (a shipped
-- language code such as 'fr'; NULL until they choose).
ALTER TABLE users ADD COLUMN preferred_language TEXT;
