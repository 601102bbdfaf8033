-- Portfolio metrics rollup (dojo-storage::metrics::rollup). Whoever sees every
-- product asks metrics over every finding; these tables hold the same grouped
-- counts the finding scans compute, kept current by statement triggers on
-- `finding`. Each statement appends its signed, already grouped deltas
-- (state 0) and never updates a shared row, so concurrent writers do not
-- contend; the scheduler folds the deltas into one row per key (state 1).
--
-- Rows of non-duplicate findings by their date, severity and SLA date.
CREATE TABLE metrics_found (
    date DATE NOT NULL,
    severity TEXT NOT NULL,
    sla_expiration_date DATE,
    found BIGINT NOT NULL,
    accepted BIGINT NOT NULL,
    open BIGINT NOT NULL,
    open_verified BIGINT NOT NULL,
    state SMALLINT NOT NULL DEFAULT 0
);
CREATE INDEX metrics_found_deltas ON metrics_found (state) WHERE state = 0;

-- Rows of mitigated non-duplicate findings by their UTC mitigation day.
CREATE TABLE metrics_mitigated (
    day DATE NOT NULL,
    severity TEXT NOT NULL,
    closed BIGINT NOT NULL,
    days DOUBLE PRECISION NOT NULL,
    within_sla BIGINT NOT NULL,
    late BIGINT NOT NULL,
    state SMALLINT NOT NULL DEFAULT 0
);
CREATE INDEX metrics_mitigated_day ON metrics_mitigated (day);
CREATE INDEX metrics_mitigated_deltas ON metrics_mitigated (state) WHERE state = 0;

-- Open (active) non-duplicate findings per product and severity: the
-- portfolio's "top products" and product lists.
CREATE TABLE metrics_product_open (
    product_id BIGINT NOT NULL,
    severity TEXT NOT NULL,
    open BIGINT NOT NULL,
    open_verified BIGINT NOT NULL,
    state SMALLINT NOT NULL DEFAULT 0
);
CREATE INDEX metrics_product_open_product ON metrics_product_open (product_id);
CREATE INDEX metrics_product_open_deltas ON metrics_product_open (state) WHERE state = 0;

-- Statement triggers read the rows a statement changed from its transition
-- tables, so a bulk INSERT of 10,000 findings appends a few grouped rows in
-- three statements instead of running a function per row. An UPDATE counts
-- its old rows negatively and its new rows positively; groups that sum to
-- nothing (rows whose counted columns did not change) are not written.
CREATE FUNCTION finding_metrics_rollup() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO metrics_found (date, severity, sla_expiration_date, found, accepted, open, open_verified)
        SELECT date, severity, sla_expiration_date, COUNT(*),
               SUM(CASE WHEN risk_accepted THEN 1 ELSE 0 END),
               SUM(CASE WHEN active THEN 1 ELSE 0 END),
               SUM(CASE WHEN active AND verified THEN 1 ELSE 0 END)
        FROM new_rows WHERE NOT duplicate GROUP BY date, severity, sla_expiration_date;
        INSERT INTO metrics_mitigated (day, severity, closed, days, within_sla, late)
        SELECT day, severity, COUNT(*), SUM(day - date),
               SUM(CASE WHEN sla_expiration_date IS NOT NULL AND day <= sla_expiration_date THEN 1 ELSE 0 END),
               SUM(CASE WHEN sla_expiration_date IS NOT NULL AND day > sla_expiration_date THEN 1 ELSE 0 END)
        FROM (SELECT CAST((mitigated AT TIME ZONE 'UTC') AS DATE) AS day, * FROM new_rows
              WHERE NOT duplicate AND is_mitigated AND mitigated IS NOT NULL) m
        GROUP BY day, severity;
        INSERT INTO metrics_product_open (product_id, severity, open, open_verified)
        SELECT product_id, severity, COUNT(*), SUM(CASE WHEN verified THEN 1 ELSE 0 END)
        FROM new_rows WHERE NOT duplicate AND active GROUP BY product_id, severity;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO metrics_found (date, severity, sla_expiration_date, found, accepted, open, open_verified)
        SELECT date, severity, sla_expiration_date, -COUNT(*),
               -SUM(CASE WHEN risk_accepted THEN 1 ELSE 0 END),
               -SUM(CASE WHEN active THEN 1 ELSE 0 END),
               -SUM(CASE WHEN active AND verified THEN 1 ELSE 0 END)
        FROM old_rows WHERE NOT duplicate GROUP BY date, severity, sla_expiration_date;
        INSERT INTO metrics_mitigated (day, severity, closed, days, within_sla, late)
        SELECT day, severity, -COUNT(*), -SUM(day - date),
               -SUM(CASE WHEN sla_expiration_date IS NOT NULL AND day <= sla_expiration_date THEN 1 ELSE 0 END),
               -SUM(CASE WHEN sla_expiration_date IS NOT NULL AND day > sla_expiration_date THEN 1 ELSE 0 END)
        FROM (SELECT CAST((mitigated AT TIME ZONE 'UTC') AS DATE) AS day, * FROM old_rows
              WHERE NOT duplicate AND is_mitigated AND mitigated IS NOT NULL) m
        GROUP BY day, severity;
        INSERT INTO metrics_product_open (product_id, severity, open, open_verified)
        SELECT product_id, severity, -COUNT(*), -SUM(CASE WHEN verified THEN 1 ELSE 0 END)
        FROM old_rows WHERE NOT duplicate AND active GROUP BY product_id, severity;
    ELSE
        INSERT INTO metrics_found (date, severity, sla_expiration_date, found, accepted, open, open_verified)
        SELECT date, severity, sla_expiration_date, SUM(sign),
               SUM(CASE WHEN risk_accepted THEN sign ELSE 0 END),
               SUM(CASE WHEN active THEN sign ELSE 0 END),
               SUM(CASE WHEN active AND verified THEN sign ELSE 0 END)
        FROM (SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows) c
        WHERE NOT duplicate GROUP BY date, severity, sla_expiration_date
        HAVING SUM(sign) <> 0 OR SUM(CASE WHEN risk_accepted THEN sign ELSE 0 END) <> 0
            OR SUM(CASE WHEN active THEN sign ELSE 0 END) <> 0
            OR SUM(CASE WHEN active AND verified THEN sign ELSE 0 END) <> 0;
        INSERT INTO metrics_mitigated (day, severity, closed, days, within_sla, late)
        SELECT day, severity, SUM(sign), SUM(sign * (day - date)),
               SUM(CASE WHEN sla_expiration_date IS NOT NULL AND day <= sla_expiration_date THEN sign ELSE 0 END),
               SUM(CASE WHEN sla_expiration_date IS NOT NULL AND day > sla_expiration_date THEN sign ELSE 0 END)
        FROM (SELECT CAST((mitigated AT TIME ZONE 'UTC') AS DATE) AS day, * FROM
                (SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows) c
              WHERE NOT duplicate AND is_mitigated AND mitigated IS NOT NULL) m
        GROUP BY day, severity
        HAVING SUM(sign) <> 0 OR SUM(sign * (day - date)) <> 0
            OR SUM(CASE WHEN sla_expiration_date IS NOT NULL AND day <= sla_expiration_date THEN sign ELSE 0 END) <> 0
            OR SUM(CASE WHEN sla_expiration_date IS NOT NULL AND day > sla_expiration_date THEN sign ELSE 0 END) <> 0;
        INSERT INTO metrics_product_open (product_id, severity, open, open_verified)
        SELECT product_id, severity, SUM(sign), SUM(CASE WHEN verified THEN sign ELSE 0 END)
        FROM (SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows) c
        WHERE NOT duplicate AND active GROUP BY product_id, severity
        HAVING SUM(sign) <> 0 OR SUM(CASE WHEN verified THEN sign ELSE 0 END) <> 0;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER finding_metrics_rollup_insert AFTER INSERT ON finding
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION finding_metrics_rollup();
CREATE TRIGGER finding_metrics_rollup_update AFTER UPDATE ON finding
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION finding_metrics_rollup();
CREATE TRIGGER finding_metrics_rollup_delete AFTER DELETE ON finding
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION finding_metrics_rollup();

-- The findings already stored.
INSERT INTO metrics_found (date, severity, sla_expiration_date, found, accepted, open, open_verified, state)
SELECT date, severity, sla_expiration_date, COUNT(*),
       SUM(CASE WHEN risk_accepted THEN 1 ELSE 0 END), SUM(CASE WHEN active THEN 1 ELSE 0 END),
       SUM(CASE WHEN active AND verified THEN 1 ELSE 0 END), 1
FROM finding WHERE duplicate = FALSE GROUP BY date, severity, sla_expiration_date;
INSERT INTO metrics_mitigated (day, severity, closed, days, within_sla, late, state)
SELECT CAST((mitigated AT TIME ZONE 'UTC') AS DATE), severity, COUNT(*),
       SUM(CAST((mitigated AT TIME ZONE 'UTC') AS DATE) - date),
       SUM(CASE WHEN sla_expiration_date IS NOT NULL
                AND CAST((mitigated AT TIME ZONE 'UTC') AS DATE) <= sla_expiration_date
                THEN 1 ELSE 0 END),
       SUM(CASE WHEN sla_expiration_date IS NOT NULL
                AND CAST((mitigated AT TIME ZONE 'UTC') AS DATE) > sla_expiration_date
                THEN 1 ELSE 0 END), 1
FROM finding WHERE duplicate = FALSE AND is_mitigated = TRUE AND mitigated IS NOT NULL
GROUP BY 1, 2;
INSERT INTO metrics_product_open (product_id, severity, open, open_verified, state)
SELECT product_id, severity, COUNT(*), SUM(CASE WHEN verified THEN 1 ELSE 0 END), 1
FROM finding WHERE duplicate = FALSE AND active = TRUE GROUP BY product_id, severity;
