-- PostgreSQL's 0003 replaces the per-row checks of the foreign keys an import
-- fills with per-statement triggers, because each check there costs a query and
-- a WAL record. SQLite checks foreign keys cheaply and keeps them; this file
-- keeps the two trees' versions in step.
SELECT 1;
