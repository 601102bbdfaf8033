//! Notification routing.

use dojo_domain::entities::Notifications;

table! {
    entity: Notifications,
    table: "notifications",
    columns: [
        user_id,
        product_id,
        template,
        product_type_added,
        product_added,
        engagement_added,
        test_added,
        scan_added,
        scan_added_empty,
        jira_update,
        upcoming_engagement,
        stale_engagement,
        auto_close_engagement,
        close_engagement,
        user_mentioned,
        code_review,
        review_requested,
        other,
        sla_breach,
        sla_breach_combined,
        risk_acceptance_expiration,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
