//! The notification settings and webhooks (issue 6): components and resources.

use super::components::prefetch;
use super::describe::Kind::{Bool, DateTime, Ids, Text};
use super::describe::Ty::{self, Bool as B, Int, Str};
use super::describe::{ro, rw, Component, Field, Filters};
use super::resources::Resource;
use super::resources::Verb::{Create, Destroy, List, PartialUpdate, Retrieve, Update};
use crate::api::shapes::notifications::CHANNELS;
use crate::api::{notification_webhooks, notifications};

const CHANNEL_LIST: Ty = Ty::List(&Ty::Enum(&CHANNELS));

const fn channels(name: &'static str) -> Field {
    rw(name, CHANNEL_LIST)
}

pub const NOTIFICATIONS: Component = Component {
    name: "Notifications",
    fields: &[&[
        ro("id", Int),
        rw("product", Int).null(),
        rw("user", Int).null(),
        channels("product_type_added"),
        channels("product_added"),
        channels("engagement_added"),
        channels("test_added"),
        channels("scan_added"),
        channels("scan_added_empty"),
        channels("jira_update"),
        channels("upcoming_engagement"),
        channels("stale_engagement"),
        channels("auto_close_engagement"),
        channels("close_engagement"),
        channels("user_mentioned"),
        channels("code_review"),
        channels("review_requested"),
        channels("other"),
        channels("sla_breach"),
        channels("sla_breach_combined"),
        channels("risk_acceptance_expiration"),
        rw("template", B),
        prefetch(notifications::PREFETCH),
    ]],
};

pub const NOTIFICATION_WEBHOOKS: Component = Component {
    name: "NotificationWebhooks",
    fields: &[&[
        ro("id", Int),
        rw("name", Str).req().max(100),
        rw("url", Ty::Uri).req().max(200),
        rw("header_name", Str).null().max(100),
        rw("header_value", Str).null().max(100),
        ro(
            "status",
            Ty::Enum(&["active", "active_tmp", "inactive_tmp", "inactive_permanent"]),
        ),
        ro("first_error", Ty::DateTime).null(),
        ro("last_error", Ty::DateTime).null(),
        ro("note", Str).null(),
        rw("owner", Int).null(),
        prefetch(notification_webhooks::PREFETCH),
    ]],
};

pub const RESOURCES: &[Resource] = &[
    Resource {
        tag: "notifications",
        model: &NOTIFICATIONS,
        create: None,
        verbs: &[List, Create, Retrieve, Update, PartialUpdate, Destroy],
        filters: &[
            Filters::Names(Ids, &["id", "user", "product"]),
            Filters::Names(Bool, &["template"]),
        ],
        ordering: None,
    },
    Resource {
        tag: "notification_webhooks",
        model: &NOTIFICATION_WEBHOOKS,
        create: None,
        verbs: &[List, Create, Retrieve, Update, PartialUpdate, Destroy],
        filters: &[
            Filters::Names(Ids, &["id", "owner"]),
            Filters::Names(
                Text,
                &[
                    "name",
                    "url",
                    "header_name",
                    "header_value",
                    "status",
                    "note",
                ],
            ),
            Filters::Names(DateTime, &["first_error", "last_error"]),
        ],
        ordering: None,
    },
];
