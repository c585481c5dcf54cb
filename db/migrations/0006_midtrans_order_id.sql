-- The order id Midtrans knows a purchase by, when it is not the merchant's order_id.
-- A Snap call whose answer was lost (timeout, dropped connection, 5xx) may still have created
-- the transaction at Midtrans, which then refuses that order_id for good ("sudah digunakan");
-- the retry asks Snap under a fresh id instead. NULL: the same as order_id (almost every row).
alter table purchases add column midtrans_order_id text;
create unique index purchases_midtrans_order_id_idx on purchases (midtrans_order_id) where midtrans_order_id is not null;
