//! What each role may do (rbac.md §8): the permission names of DefectDojo's role
//! model and the table that grants them. Pure data; who holds which role on what
//! is the storage crate's question.

use crate::Role;

/// A permission, named after DefectDojo's `Permissions` enum. Each is checked
/// against the roles a user holds on the object's product or product type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ProductTypeView,
    ProductTypeAddProduct,
    ProductTypeEdit,
    ProductTypeDelete,
    ProductTypeManageMembers,
    ProductTypeAddOwner,
    ProductView,
    ProductEdit,
    ProductDelete,
    ProductManageMembers,
    ProductAddOwner,
    ProductConfigureNotifications,
    EngagementView,
    EngagementAdd,
    EngagementEdit,
    EngagementDelete,
    RiskAcceptance,
    TestView,
    TestAdd,
    TestEdit,
    TestDelete,
    FindingView,
    FindingAdd,
    FindingEdit,
    FindingDelete,
    ImportScanResult,
    FindingGroupView,
    FindingGroupAdd,
    FindingGroupEdit,
    FindingGroupDelete,
    EndpointView,
    EndpointAdd,
    EndpointEdit,
    EndpointDelete,
    NoteAdd,
    NoteEdit,
    NoteDelete,
    NoteViewHistory,
    TechnologyView,
    TechnologyAdd,
    TechnologyEdit,
    TechnologyDelete,
}

/// What a role grants, following DefectDojo's built-in role chart (rbac.md §8.2):
/// Reader sees; API_Importer also imports and edits engagements and tests;
/// Writer also adds and edits findings, tests, endpoints and risk acceptances;
/// Maintainer also deletes below the product, edits the product and manages
/// members; Owner also deletes products and product types and grants Owner.
pub fn role_grants(role: Role, permission: Permission) -> bool {
    use Permission as P;
    let view = matches!(
        permission,
        P::ProductTypeView
            | P::ProductView
            | P::EngagementView
            | P::TestView
            | P::FindingView
            | P::FindingGroupView
            | P::EndpointView
            | P::TechnologyView
            | P::NoteViewHistory
            | P::NoteAdd
    );
    if view {
        return true;
    }
    let importer = matches!(
        permission,
        P::EngagementAdd | P::EngagementEdit | P::TestEdit | P::ImportScanResult | P::NoteEdit
    );
    let writer = importer
        || matches!(
            permission,
            P::TestAdd
                | P::FindingAdd
                | P::FindingEdit
                | P::FindingGroupAdd
                | P::FindingGroupEdit
                | P::FindingGroupDelete
                | P::EndpointAdd
                | P::EndpointEdit
                | P::RiskAcceptance
                | P::TechnologyAdd
                | P::TechnologyEdit
        );
    let maintainer = writer
        || matches!(
            permission,
            P::ProductTypeAddProduct
                | P::ProductTypeEdit
                | P::ProductTypeManageMembers
                | P::ProductEdit
                | P::ProductManageMembers
                | P::ProductConfigureNotifications
                | P::EngagementDelete
                | P::TestDelete
                | P::FindingDelete
                | P::EndpointDelete
                | P::TechnologyDelete
                | P::NoteDelete
        );
    match role {
        Role::Reader => false,
        Role::ApiImporter => importer,
        Role::Writer => writer,
        Role::Maintainer => maintainer,
        Role::Owner => true,
    }
}

/// Whether any of `roles` grants `permission` (roles only add up).
pub fn any_grants(roles: &[Role], permission: Permission) -> bool {
    roles.iter().any(|r| role_grants(*r, permission))
}

/// Global roles Maintainer and Owner may also create product types.
pub fn global_may_add_product_type(global: Option<Role>) -> bool {
    matches!(global, Some(Role::Maintainer | Role::Owner))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission as P;

    #[test]
    fn reader_only_views() {
        assert!(role_grants(Role::Reader, P::FindingView));
        assert!(!role_grants(Role::Reader, P::FindingEdit));
        assert!(!role_grants(Role::Reader, P::ImportScanResult));
        assert!(!role_grants(Role::Reader, P::EngagementAdd));
    }

    #[test]
    fn importer_imports_but_does_not_edit_findings() {
        assert!(role_grants(Role::ApiImporter, P::ImportScanResult));
        assert!(role_grants(Role::ApiImporter, P::EngagementAdd));
        assert!(!role_grants(Role::ApiImporter, P::FindingEdit));
        assert!(!role_grants(Role::ApiImporter, P::TestAdd));
    }

    #[test]
    fn deletes_need_maintainer_and_products_need_owner() {
        assert!(!role_grants(Role::Writer, P::FindingDelete));
        assert!(role_grants(Role::Maintainer, P::FindingDelete));
        assert!(role_grants(Role::Maintainer, P::ProductEdit));
        assert!(!role_grants(Role::Maintainer, P::ProductDelete));
        assert!(!role_grants(Role::Maintainer, P::ProductTypeDelete));
        assert!(role_grants(Role::Owner, P::ProductDelete));
        assert!(role_grants(Role::Owner, P::ProductTypeAddOwner));
    }

    #[test]
    fn roles_add_up() {
        assert!(any_grants(&[Role::Reader, Role::Writer], P::FindingEdit));
        assert!(!any_grants(&[], P::FindingView));
    }
}
