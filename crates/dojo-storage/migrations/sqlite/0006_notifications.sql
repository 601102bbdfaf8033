-- Notification deliveries that leave the process (mail, Slack, Microsoft Teams,
-- webhooks). A notification is recorded in the transaction of the change it is
-- about (an import, a new product, an expired risk acceptance): in-app alerts go
-- straight into `alerts`, and one row here per external message. The delivery
-- worker of every `dojo serve` claims due rows with one UPDATE that sets
-- `claimed_until` (a lease), so servers sharing the database never send one
-- message twice, and a server that dies mid-send only delays the message until
-- its lease runs out.
CREATE TABLE notification_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- mail, slack, msteams or webhooks
    channel TEXT NOT NULL,
    -- an e-mail address, a Slack channel, a Teams URL, or a webhook's id
    destination TEXT NOT NULL,
    event TEXT NOT NULL,
    -- what to send, as JSON, rendered when the notification was recorded
    payload TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt DATETIME NOT NULL,
    claimed_until DATETIME,
    last_error TEXT,
    -- set when the worker stops trying (attempts exhausted, permanent failure)
    gave_up DATETIME,
    created DATETIME NOT NULL
);
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt);

-- A user's alerts newest first (the alerts page, the per-user cap).
CREATE INDEX alerts_user_created ON alerts (user_id, created);

-- Daily jobs that must run once a day across every server sharing the database
-- (the SLA breach notifications): the first server to insert the day's row runs it.
CREATE TABLE job_run (
    name TEXT NOT NULL,
    day DATE NOT NULL,
    started DATETIME NOT NULL,
    PRIMARY KEY (name, day)
);
