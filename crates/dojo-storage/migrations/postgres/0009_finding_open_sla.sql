-- The findings list's "past their SLA" filter (`/finding?sla=breached|ok`) reads
-- open findings by SLA date; without this it scanned every finding.
CREATE INDEX finding_open_sla ON finding (sla_expiration_date) WHERE active = TRUE;
