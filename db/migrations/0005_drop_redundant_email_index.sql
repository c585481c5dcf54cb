-- The buyer e-mail search uses purchases_buyer_email_prefix_idx (text_pattern_ops range,
-- which also serves exact matches); the plain lower(buyer_email) index answered no query
-- and cost every purchase insert and status update one more index entry.
drop index if exists purchases_buyer_email_idx;
