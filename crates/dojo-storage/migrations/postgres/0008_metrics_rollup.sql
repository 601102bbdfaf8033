-- Portfolio metrics rollup (dojo-storage::metrics::rollup). Whoever sees every
-- product asks metrics over every finding; these two tables hold the same
-- grouped counts the finding scans compute, kept current by a trigger on
-- `finding`. Each change appends signed delta rows (state 0) and never updates
-- a shared row, so concurrent writers do not contend; the scheduler folds the
-- deltas into one row per key (state 1).
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

-- Appends the rows of one finding version with `sign` +1 (it now counts) or
-- -1 (it no longer counts).
CREATE FUNCTION metrics_rollup_add(f finding, sign INTEGER) RETURNS void AS $$
DECLARE
    mitigated_day DATE;
BEGIN
    IF f.duplicate THEN
        RETURN;
    END IF;
    INSERT INTO metrics_found (date, severity, sla_expiration_date, found, accepted, open, open_verified)
    VALUES (f.date, f.severity, f.sla_expiration_date, sign,
            sign * (CASE WHEN f.risk_accepted THEN 1 ELSE 0 END),
            sign * (CASE WHEN f.active THEN 1 ELSE 0 END),
            sign * (CASE WHEN f.active AND f.verified THEN 1 ELSE 0 END));
    IF f.active THEN
        INSERT INTO metrics_product_open (product_id, severity, open, open_verified)
        VALUES (f.product_id, f.severity, sign, sign * (CASE WHEN f.verified THEN 1 ELSE 0 END));
    END IF;
    IF f.is_mitigated AND f.mitigated IS NOT NULL THEN
        mitigated_day := CAST((f.mitigated AT TIME ZONE 'UTC') AS DATE);
        INSERT INTO metrics_mitigated (day, severity, closed, days, within_sla, late)
        VALUES (mitigated_day, f.severity, sign, sign * (mitigated_day - f.date),
                sign * (CASE WHEN f.sla_expiration_date IS NOT NULL
                             AND mitigated_day <= f.sla_expiration_date THEN 1 ELSE 0 END),
                sign * (CASE WHEN f.sla_expiration_date IS NOT NULL
                             AND mitigated_day > f.sla_expiration_date THEN 1 ELSE 0 END));
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION finding_metrics_rollup() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM metrics_rollup_add(NEW, 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM metrics_rollup_add(OLD, -1);
    ELSIF (OLD.product_id, OLD.date, OLD.severity, OLD.sla_expiration_date, OLD.duplicate, OLD.risk_accepted,
           OLD.active, OLD.verified, OLD.is_mitigated, OLD.mitigated)
          IS DISTINCT FROM
          (NEW.product_id, NEW.date, NEW.severity, NEW.sla_expiration_date, NEW.duplicate, NEW.risk_accepted,
           NEW.active, NEW.verified, NEW.is_mitigated, NEW.mitigated) THEN
        PERFORM metrics_rollup_add(OLD, -1);
        PERFORM metrics_rollup_add(NEW, 1);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER finding_metrics_rollup AFTER INSERT OR UPDATE OR DELETE ON finding
    FOR EACH ROW EXECUTE FUNCTION finding_metrics_rollup();

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
