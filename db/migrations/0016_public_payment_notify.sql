-- Verify answers from a per-process cache (docs/decisions/0016-verify-cache.md). Every change to
-- what verify shows NOTIFYs the order ids that name the payment, so each process drops its entry.
-- The trigger runs inside the writing transaction: PostgreSQL delivers the notification at commit
-- (never for a rolled-back change), with no extra round trip for the writer.
-- Payload: the order ids separated by spaces (order ids never contain one: payments.schema.ts);
-- '*' means "drop everything" (a project's store URL template changed).
create function astapa_notify_public_payment() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    -- A new purchase may make an order id ambiguous, or name a payment that was not found.
    perform pg_notify('astapa_public_payments', concat_ws(' ', new.order_id, new.midtrans_order_id));
  elsif tg_op = 'DELETE' then
    perform pg_notify('astapa_public_payments', concat_ws(' ', old.order_id, old.midtrans_order_id));
  elsif (old.status, old.amount, old.currency, old.item_name, old.paid_at, old.refunded_amount, old.snap_expires_at,
         old.metadata->>'store_name', old.metadata->>'store_slug', old.order_id, old.midtrans_order_id, old.project_id, old.environment)
        is distinct from
        (new.status, new.amount, new.currency, new.item_name, new.paid_at, new.refunded_amount, new.snap_expires_at,
         new.metadata->>'store_name', new.metadata->>'store_slug', new.order_id, new.midtrans_order_id, new.project_id, new.environment) then
    perform pg_notify('astapa_public_payments',
      concat_ws(' ', new.order_id, new.midtrans_order_id,
        nullif(old.order_id, new.order_id), nullif(old.midtrans_order_id, new.midtrans_order_id)));
  end if;
  return null;
end $$;

create trigger purchases_notify_public_payment
  after insert or update or delete on purchases
  for each row execute function astapa_notify_public_payment();

-- verify's redirect_url comes from the project's store URL template: rare, so everything goes.
create function astapa_notify_public_payments_all() returns trigger language plpgsql as $$
begin
  perform pg_notify('astapa_public_payments', '*');
  return null;
end $$;

create trigger projects_notify_public_payments
  after update of store_url_template on projects
  for each row when (old.store_url_template is distinct from new.store_url_template)
  execute function astapa_notify_public_payments_all();
