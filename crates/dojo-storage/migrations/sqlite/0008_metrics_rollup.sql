-- Portfolio metrics rollup (dojo-storage::metrics::rollup). Whoever sees every
-- product asks metrics over every finding; these tables hold the same grouped
-- counts the finding scans compute, kept current by row triggers on `finding`
-- (SQLite has no statement triggers). Each change appends signed delta rows
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

CREATE TRIGGER finding_metrics_insert AFTER INSERT ON finding
WHEN NEW.duplicate = 0
BEGIN
    INSERT INTO metrics_found (date, severity, sla_expiration_date, found, accepted, open, open_verified)
    VALUES (NEW.date, NEW.severity, NEW.sla_expiration_date, 1, NEW.risk_accepted, NEW.active,
            NEW.active AND NEW.verified);
    INSERT INTO metrics_mitigated (day, severity, closed, days, within_sla, late)
    SELECT date(NEW.mitigated), NEW.severity, 1,
           julianday(date(NEW.mitigated)) - julianday(NEW.date),
           NEW.sla_expiration_date IS NOT NULL AND date(NEW.mitigated) <= NEW.sla_expiration_date,
           NEW.sla_expiration_date IS NOT NULL AND date(NEW.mitigated) > NEW.sla_expiration_date
    WHERE NEW.is_mitigated = 1 AND NEW.mitigated IS NOT NULL;
    INSERT INTO metrics_product_open (product_id, severity, open, open_verified)
    SELECT NEW.product_id, NEW.severity, 1, NEW.verified
    WHERE NEW.active = 1;
END;

CREATE TRIGGER finding_metrics_delete AFTER DELETE ON finding
WHEN OLD.duplicate = 0
BEGIN
    INSERT INTO metrics_found (date, severity, sla_expiration_date, found, accepted, open, open_verified)
    VALUES (OLD.date, OLD.severity, OLD.sla_expiration_date, -1, -OLD.risk_accepted, -OLD.active,
            -(OLD.active AND OLD.verified));
    INSERT INTO metrics_mitigated (day, severity, closed, days, within_sla, late)
    SELECT date(OLD.mitigated), OLD.severity, -1,
           -(julianday(date(OLD.mitigated)) - julianday(OLD.date)),
           -(OLD.sla_expiration_date IS NOT NULL AND date(OLD.mitigated) <= OLD.sla_expiration_date),
           -(OLD.sla_expiration_date IS NOT NULL AND date(OLD.mitigated) > OLD.sla_expiration_date)
    WHERE OLD.is_mitigated = 1 AND OLD.mitigated IS NOT NULL;
    INSERT INTO metrics_product_open (product_id, severity, open, open_verified)
    SELECT OLD.product_id, OLD.severity, -1, -OLD.verified
    WHERE OLD.active = 1;
END;

-- An update is the delete of the old row and the insert of the new one, when
-- anything the rollup counts changed.
CREATE TRIGGER finding_metrics_update_old AFTER UPDATE ON finding
WHEN OLD.duplicate = 0 AND (
    OLD.product_id IS NOT NEW.product_id OR OLD.date IS NOT NEW.date OR OLD.severity IS NOT NEW.severity
    OR OLD.sla_expiration_date IS NOT NEW.sla_expiration_date OR OLD.duplicate IS NOT NEW.duplicate
    OR OLD.risk_accepted IS NOT NEW.risk_accepted OR OLD.active IS NOT NEW.active
    OR OLD.verified IS NOT NEW.verified OR OLD.is_mitigated IS NOT NEW.is_mitigated
    OR OLD.mitigated IS NOT NEW.mitigated)
BEGIN
    INSERT INTO metrics_found (date, severity, sla_expiration_date, found, accepted, open, open_verified)
    VALUES (OLD.date, OLD.severity, OLD.sla_expiration_date, -1, -OLD.risk_accepted, -OLD.active,
            -(OLD.active AND OLD.verified));
    INSERT INTO metrics_mitigated (day, severity, closed, days, within_sla, late)
    SELECT date(OLD.mitigated), OLD.severity, -1,
           -(julianday(date(OLD.mitigated)) - julianday(OLD.date)),
           -(OLD.sla_expiration_date IS NOT NULL AND date(OLD.mitigated) <= OLD.sla_expiration_date),
           -(OLD.sla_expiration_date IS NOT NULL AND date(OLD.mitigated) > OLD.sla_expiration_date)
    WHERE OLD.is_mitigated = 1 AND OLD.mitigated IS NOT NULL;
    INSERT INTO metrics_product_open (product_id, severity, open, open_verified)
    SELECT OLD.product_id, OLD.severity, -1, -OLD.verified
    WHERE OLD.active = 1;
END;

CREATE TRIGGER finding_metrics_update_new AFTER UPDATE ON finding
WHEN NEW.duplicate = 0 AND (
    OLD.product_id IS NOT NEW.product_id OR OLD.date IS NOT NEW.date OR OLD.severity IS NOT NEW.severity
    OR OLD.sla_expiration_date IS NOT NEW.sla_expiration_date OR OLD.duplicate IS NOT NEW.duplicate
    OR OLD.risk_accepted IS NOT NEW.risk_accepted OR OLD.active IS NOT NEW.active
    OR OLD.verified IS NOT NEW.verified OR OLD.is_mitigated IS NOT NEW.is_mitigated
    OR OLD.mitigated IS NOT NEW.mitigated)
BEGIN
    INSERT INTO metrics_found (date, severity, sla_expiration_date, found, accepted, open, open_verified)
    VALUES (NEW.date, NEW.severity, NEW.sla_expiration_date, 1, NEW.risk_accepted, NEW.active,
            NEW.active AND NEW.verified);
    INSERT INTO metrics_mitigated (day, severity, closed, days, within_sla, late)
    SELECT date(NEW.mitigated), NEW.severity, 1,
           julianday(date(NEW.mitigated)) - julianday(NEW.date),
           NEW.sla_expiration_date IS NOT NULL AND date(NEW.mitigated) <= NEW.sla_expiration_date,
           NEW.sla_expiration_date IS NOT NULL AND date(NEW.mitigated) > NEW.sla_expiration_date
    WHERE NEW.is_mitigated = 1 AND NEW.mitigated IS NOT NULL;
    INSERT INTO metrics_product_open (product_id, severity, open, open_verified)
    SELECT NEW.product_id, NEW.severity, 1, NEW.verified
    WHERE NEW.active = 1;
END;

-- The findings already stored.
INSERT INTO metrics_found (date, severity, sla_expiration_date, found, accepted, open, open_verified, state)
SELECT date, severity, sla_expiration_date, COUNT(*), SUM(risk_accepted), SUM(active),
       SUM(active AND verified), 1
FROM finding WHERE duplicate = 0 GROUP BY date, severity, sla_expiration_date;
INSERT INTO metrics_mitigated (day, severity, closed, days, within_sla, late, state)
SELECT date(mitigated), severity, COUNT(*), SUM(julianday(date(mitigated)) - julianday(date)),
       SUM(sla_expiration_date IS NOT NULL AND date(mitigated) <= sla_expiration_date),
       SUM(sla_expiration_date IS NOT NULL AND date(mitigated) > sla_expiration_date), 1
FROM finding WHERE duplicate = 0 AND is_mitigated = 1 AND mitigated IS NOT NULL
GROUP BY date(mitigated), severity;
INSERT INTO metrics_product_open (product_id, severity, open, open_verified, state)
SELECT product_id, severity, COUNT(*), SUM(verified), 1
FROM finding WHERE duplicate = 0 AND active = 1 GROUP BY product_id, severity;
