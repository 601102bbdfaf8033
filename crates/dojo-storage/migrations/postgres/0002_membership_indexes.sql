-- Access checks and visibility filters look memberships up by user (authz.rs);
-- the unique constraints index them by product or group first.
CREATE INDEX product_member_user ON product_member (user_id);
CREATE INDEX product_type_member_user ON product_type_member (user_id);
CREATE INDEX dojo_group_member_user ON dojo_group_member (user_id);
CREATE INDEX product_group_group ON product_group (group_id);
CREATE INDEX product_type_group_group ON product_type_group (group_id);
