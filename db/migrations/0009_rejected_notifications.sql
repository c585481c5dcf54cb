-- Midtrans notifications that are not Midtrans's (invalid JSON or fields, a bad signature) are
-- kept as an excerpt (the first 512 bytes), with the whole body's SHA-256 and size: anyone can
-- POST to the notification URL, and storing every body whole let one address write gigabytes an
-- hour (docs/api.md#post-apimidtransnotification). Set for every new row; NULL on older rows.
alter table midtrans_notifications add column body_sha256 text;
alter table midtrans_notifications add column body_bytes integer;

-- Retention: the workers delete rejected notifications, and those of no payment of this platform
-- (unknown order ids), after REJECTED_NOTIFICATION_RETENTION_DAYS (server/payments/notifications.service.ts).
create index midtrans_notifications_prune_idx on midtrans_notifications (received_at)
  where outcome = 'rejected' or purchase_id is null;
