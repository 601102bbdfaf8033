-- Foreign keys checked once per statement instead of once per row (PostgreSQL only).
--
-- PostgreSQL checks a foreign key with one query per inserted row, and the row
-- lock that query takes on the referenced row is itself a WAL record. An import
-- writes about eight rows per finding into the tables below, so those checks
-- were most of a PostgreSQL import's time (10,000 rows into finding_found_by:
-- 115 ms with its two foreign keys, 18 ms without). For the columns an import
-- fills, the constraint is replaced by triggers that keep its meaning with one
-- set-based statement each:
--
-- * after an INSERT or UPDATE of the child table: every new value must exist in
--   the parent table (else SQLSTATE 23503 under the old constraint's name), and
--   referenced rows that other transactions could still delete are locked
--   FOR KEY SHARE, as the constraint would lock them; rows this transaction
--   created need no lock, since no one else can see them yet;
-- * after a DELETE from the parent table: the child rows go too (ON DELETE
--   CASCADE, which every replaced constraint had).
--
-- Referenced keys are never updated (ids come from sequences), so no trigger
-- covers that. SQLite checks its foreign keys cheaply and keeps them.

CREATE FUNCTION dojo_fk_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    child_column text := TG_ARGV[0];
    parent_table text := TG_ARGV[1];
    constraint_name text := TG_ARGV[2];
    missing text;
BEGIN
    EXECUTE format(
        'SELECT n.%1$I::text FROM (SELECT DISTINCT %1$I FROM new_rows) n '
        'WHERE n.%1$I IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %2$I p WHERE p.id = n.%1$I) LIMIT 1',
        child_column, parent_table) INTO missing;
    IF missing IS NOT NULL THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('insert or update on table "%s" violates foreign key constraint "%s"',
                             TG_TABLE_NAME, constraint_name),
            DETAIL = format('Key (%s)=(%s) is not present in table "%s".',
                            child_column, missing, parent_table),
            CONSTRAINT = constraint_name,
            TABLE = TG_TABLE_NAME,
            COLUMN = child_column;
    END IF;
    EXECUTE format(
        'SELECT count(*) FROM (SELECT 1 FROM %2$I p WHERE p.id IN (SELECT %1$I FROM new_rows) '
        'AND p.xmin <> pg_current_xact_id()::xid FOR KEY SHARE OF p) locked',
        child_column, parent_table);
    RETURN NULL;
END
$$;

CREATE FUNCTION dojo_fk_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DELETE FROM %1$I WHERE %2$I IN (SELECT id FROM old_rows)', TG_ARGV[0], TG_ARGV[1]);
    RETURN NULL;
END
$$;


ALTER TABLE finding DROP CONSTRAINT finding_test_id_fkey;
CREATE TRIGGER finding_test_id_ins AFTER INSERT ON finding REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('test_id', 'test', 'finding_test_id_fkey');
CREATE TRIGGER finding_test_id_upd AFTER UPDATE ON finding REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('test_id', 'test', 'finding_test_id_fkey');
CREATE TRIGGER cascade_finding_test_id AFTER DELETE ON test REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_cascade('finding', 'test_id');

ALTER TABLE finding DROP CONSTRAINT finding_product_id_fkey;
CREATE TRIGGER finding_product_id_ins AFTER INSERT ON finding REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('product_id', 'product', 'finding_product_id_fkey');
CREATE TRIGGER finding_product_id_upd AFTER UPDATE ON finding REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('product_id', 'product', 'finding_product_id_fkey');
CREATE TRIGGER cascade_finding_product_id AFTER DELETE ON product REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_cascade('finding', 'product_id');

ALTER TABLE finding_found_by DROP CONSTRAINT finding_found_by_finding_id_fkey;
CREATE TRIGGER finding_found_by_finding_id_ins AFTER INSERT ON finding_found_by REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('finding_id', 'finding', 'finding_found_by_finding_id_fkey');
CREATE TRIGGER finding_found_by_finding_id_upd AFTER UPDATE ON finding_found_by REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('finding_id', 'finding', 'finding_found_by_finding_id_fkey');
CREATE TRIGGER cascade_finding_found_by_finding_id AFTER DELETE ON finding REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_cascade('finding_found_by', 'finding_id');

ALTER TABLE finding_found_by DROP CONSTRAINT finding_found_by_test_type_id_fkey;
CREATE TRIGGER finding_found_by_test_type_id_ins AFTER INSERT ON finding_found_by REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('test_type_id', 'test_type', 'finding_found_by_test_type_id_fkey');
CREATE TRIGGER finding_found_by_test_type_id_upd AFTER UPDATE ON finding_found_by REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('test_type_id', 'test_type', 'finding_found_by_test_type_id_fkey');
CREATE TRIGGER cascade_finding_found_by_test_type_id AFTER DELETE ON test_type REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_cascade('finding_found_by', 'test_type_id');

ALTER TABLE finding_tags DROP CONSTRAINT finding_tags_finding_id_fkey;
CREATE TRIGGER finding_tags_finding_id_ins AFTER INSERT ON finding_tags REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('finding_id', 'finding', 'finding_tags_finding_id_fkey');
CREATE TRIGGER finding_tags_finding_id_upd AFTER UPDATE ON finding_tags REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('finding_id', 'finding', 'finding_tags_finding_id_fkey');
CREATE TRIGGER cascade_finding_tags_finding_id AFTER DELETE ON finding REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_cascade('finding_tags', 'finding_id');

ALTER TABLE finding_tags DROP CONSTRAINT finding_tags_tag_id_fkey;
CREATE TRIGGER finding_tags_tag_id_ins AFTER INSERT ON finding_tags REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('tag_id', 'tag', 'finding_tags_tag_id_fkey');
CREATE TRIGGER finding_tags_tag_id_upd AFTER UPDATE ON finding_tags REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('tag_id', 'tag', 'finding_tags_tag_id_fkey');
CREATE TRIGGER cascade_finding_tags_tag_id AFTER DELETE ON tag REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_cascade('finding_tags', 'tag_id');

ALTER TABLE finding_vulnerability_reference DROP CONSTRAINT finding_vulnerability_reference_finding_id_fkey;
CREATE TRIGGER finding_vulnerability_reference_finding_id_ins AFTER INSERT ON finding_vulnerability_reference REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('finding_id', 'finding', 'finding_vulnerability_reference_finding_id_fkey');
CREATE TRIGGER finding_vulnerability_reference_finding_id_upd AFTER UPDATE ON finding_vulnerability_reference REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('finding_id', 'finding', 'finding_vulnerability_reference_finding_id_fkey');
CREATE TRIGGER cascade_finding_vulnerability_reference_finding_id AFTER DELETE ON finding REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_cascade('finding_vulnerability_reference', 'finding_id');

ALTER TABLE finding_vulnerability_reference DROP CONSTRAINT finding_vulnerability_reference_vulnerability_id_fkey;
CREATE TRIGGER finding_vulnerability_reference_vulnerability_id_ins AFTER INSERT ON finding_vulnerability_reference REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('vulnerability_id', 'vulnerability', 'finding_vulnerability_reference_vulnerability_id_fkey');
CREATE TRIGGER finding_vulnerability_reference_vulnerability_id_upd AFTER UPDATE ON finding_vulnerability_reference REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('vulnerability_id', 'vulnerability', 'finding_vulnerability_reference_vulnerability_id_fkey');
CREATE TRIGGER cascade_finding_vulnerability_reference_vulnerability_id AFTER DELETE ON vulnerability REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_cascade('finding_vulnerability_reference', 'vulnerability_id');

ALTER TABLE finding_cwe DROP CONSTRAINT finding_cwe_finding_id_fkey;
CREATE TRIGGER finding_cwe_finding_id_ins AFTER INSERT ON finding_cwe REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('finding_id', 'finding', 'finding_cwe_finding_id_fkey');
CREATE TRIGGER finding_cwe_finding_id_upd AFTER UPDATE ON finding_cwe REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('finding_id', 'finding', 'finding_cwe_finding_id_fkey');
CREATE TRIGGER cascade_finding_cwe_finding_id AFTER DELETE ON finding REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_cascade('finding_cwe', 'finding_id');

ALTER TABLE endpoint_status DROP CONSTRAINT endpoint_status_finding_id_fkey;
CREATE TRIGGER endpoint_status_finding_id_ins AFTER INSERT ON endpoint_status REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('finding_id', 'finding', 'endpoint_status_finding_id_fkey');
CREATE TRIGGER endpoint_status_finding_id_upd AFTER UPDATE ON endpoint_status REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('finding_id', 'finding', 'endpoint_status_finding_id_fkey');
CREATE TRIGGER cascade_endpoint_status_finding_id AFTER DELETE ON finding REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_cascade('endpoint_status', 'finding_id');

ALTER TABLE endpoint_status DROP CONSTRAINT endpoint_status_endpoint_id_fkey;
CREATE TRIGGER endpoint_status_endpoint_id_ins AFTER INSERT ON endpoint_status REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('endpoint_id', 'endpoint', 'endpoint_status_endpoint_id_fkey');
CREATE TRIGGER endpoint_status_endpoint_id_upd AFTER UPDATE ON endpoint_status REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('endpoint_id', 'endpoint', 'endpoint_status_endpoint_id_fkey');
CREATE TRIGGER cascade_endpoint_status_endpoint_id AFTER DELETE ON endpoint REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_cascade('endpoint_status', 'endpoint_id');

ALTER TABLE test_import_finding_action DROP CONSTRAINT test_import_finding_action_test_import_id_fkey;
CREATE TRIGGER test_import_finding_action_test_import_id_ins AFTER INSERT ON test_import_finding_action REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('test_import_id', 'test_import', 'test_import_finding_action_test_import_id_fkey');
CREATE TRIGGER test_import_finding_action_test_import_id_upd AFTER UPDATE ON test_import_finding_action REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('test_import_id', 'test_import', 'test_import_finding_action_test_import_id_fkey');
CREATE TRIGGER cascade_test_import_finding_action_test_import_id AFTER DELETE ON test_import REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_cascade('test_import_finding_action', 'test_import_id');

ALTER TABLE test_import_finding_action DROP CONSTRAINT test_import_finding_action_finding_id_fkey;
CREATE TRIGGER test_import_finding_action_finding_id_ins AFTER INSERT ON test_import_finding_action REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('finding_id', 'finding', 'test_import_finding_action_finding_id_fkey');
CREATE TRIGGER test_import_finding_action_finding_id_upd AFTER UPDATE ON test_import_finding_action REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_check('finding_id', 'finding', 'test_import_finding_action_finding_id_fkey');
CREATE TRIGGER cascade_test_import_finding_action_finding_id AFTER DELETE ON finding REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dojo_fk_cascade('test_import_finding_action', 'finding_id');
