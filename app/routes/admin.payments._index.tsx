import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { filtersFromSearchParams, isBadRequest, load, requireAdmin, type AdminCaller } from "~/admin.server";
import { BulkReconcile } from "~/components/admin/BulkReconcile";
import { useCan } from "~/lib/admin/can";
import { Badge, Empty, ErrorNote, FilterActions, FilterSelect, ProjectFilter } from "~/components/admin/ui";
import { formatRupiah, formatWIB } from "~/lib/admin/format";
import type { Environment } from "../../server/midtrans/gateway";
import type { MidtransStatus, PurchaseStatus } from "../../server/payments/lifecycle";
import type { AttentionFilter } from "../../server/payments/payment-list.schema";

export const meta: MetaFunction = () => [{ title: "Payments — Astapa admin" }];

// Option labels of the status filters. Typed by the lifecycle's unions (server/payments/lifecycle.ts),
// so a status added there must be added here; the option lists are these keys, in this order.
const statusLabels: Record<PurchaseStatus, string> = {
  pending: "pending",
  settlement: "settlement",
  cancel: "cancel",
  expire: "expire",
  refund: "refund",
  creating: "creating",
  create_failed: "create_failed",
};
const midtransStatusLabels: Record<MidtransStatus, string> = {
  pending: "pending",
  authorize: "authorize",
  capture: "capture",
  settlement: "settlement",
  deny: "deny",
  cancel: "cancel",
  expire: "expire",
  failure: "failure",
  refund: "refund",
  partial_refund: "partial_refund",
  chargeback: "chargeback",
  partial_chargeback: "partial_chargeback",
};
const environmentLabels: Record<Environment, string> = { sandbox: "sandbox", production: "production" };
// Midtrans's payment_type values (docs.midtrans.com, "Payment methods"); the filter accepts any such
// code, these are offered.
const paymentTypeLabels: Record<string, string> = {
  bank_transfer: "Bank transfer (VA)",
  echannel: "Mandiri Bill",
  credit_card: "Card",
  gopay: "GoPay",
  shopeepay: "ShopeePay",
  qris: "QRIS",
  cstore: "Convenience store",
  akulaku: "Akulaku",
  kredivo: "Kredivo",
  bca_klikpay: "BCA KlikPay",
  bca_klikbca: "KlikBCA",
  bri_epay: "BRI e-Pay",
  cimb_clicks: "CIMB Clicks",
  danamon_online: "Danamon Online",
};
// What the dashboard's "needs attention" links show (server/payments/payment-list.queries.ts attentionCondition).
const attentionLabels: Record<AttentionFilter, string> = {
  stale_pending: "Stale pending payments: open for more than 10 minutes",
  settled_after_expiry: "Paid after expiry (last 30 days)",
  amount_mismatch: "Midtrans reported another amount (last 30 days)",
};
const options = <K extends string>(labels: Record<K, string>) => Object.entries(labels) as [K, string][];
const isKeyOf = <K extends string>(labels: Record<K, string>, v: unknown): v is K => typeof v === "string" && Object.hasOwn(labels, v);

type ListInput = Parameters<AdminCaller["payments"]["list"]>[0];

/**
 * The list request of the page's filters, or null when one cannot be a valid filter (a status
 * not in the lists, an amount that is not a whole number). The procedure validates the rest.
 */
function listInput(f: Record<string, unknown>, cursor: string | undefined): ListInput | null {
  const text = (k: string) => (f[k] === undefined ? undefined : typeof f[k] === "string" ? f[k] : null);
  const whole = (k: string) => (f[k] === undefined ? undefined : typeof f[k] === "number" ? f[k] : null);
  const oneOf = <K extends string>(k: string, labels: Record<K, string>) => (f[k] === undefined ? undefined : isKeyOf(labels, f[k]) ? f[k] : null);
  const projectId = text("projectId");
  const environment = oneOf("environment", environmentLabels);
  const status = oneOf("status", statusLabels);
  const midtransStatus = oneOf("midtransStatus", midtransStatusLabels);
  const createdFrom = text("createdFrom");
  const createdTo = text("createdTo");
  const amountMin = whole("amountMin");
  const amountMax = whole("amountMax");
  const q = text("q");
  const paymentType = text("paymentType");
  const attention = oneOf("attention", attentionLabels);
  if (projectId === null || environment === null || status === null || midtransStatus === null || createdFrom === null || createdTo === null) return null;
  if (amountMin === null || amountMax === null || q === null || paymentType === null || attention === null) return null;
  return { projectId, environment, status, midtransStatus, createdFrom, createdTo, amountMin, amountMax, paymentType, attention, q, cursor, limit: 50 };
}

/** Which filters are invalid, in words: the procedure's per-field messages, or the fields the page could not read. */
function invalidFilters(f: Record<string, unknown>, e?: unknown): string {
  // A refused filter's cause is the procedure's validation_failed error: one message per field.
  const fields = (e as { cause?: { fields?: Record<string, unknown> } } | undefined)?.cause?.fields;
  const messages = Object.values(fields ?? {}).filter((m): m is string => typeof m === "string" && m !== "");
  if (messages.length > 0) return `Invalid filter: ${[...new Set(messages)].join("; ")}.`;
  const bad: string[] = [];
  for (const k of ["amountMin", "amountMax"]) if (f[k] !== undefined && typeof f[k] !== "number") bad.push(`${k} must be a whole number of rupiah`);
  for (const [k, labels] of [
    ["environment", environmentLabels],
    ["status", statusLabels],
    ["midtransStatus", midtransStatusLabels],
    ["attention", attentionLabels],
  ] as [string, Record<string, string>][]) {
    if (f[k] !== undefined && !isKeyOf(labels, f[k])) bad.push(`${k} must be one of ${Object.keys(labels).join(", ")}`);
  }
  return bad.length > 0 ? `Invalid filter: ${bad.join("; ")}.` : "Some filters are invalid: check dates (YYYY-MM-DD) and amounts (whole rupiah).";
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller } = await requireAdmin(request, context);
  const sp = new URL(request.url).searchParams;
  const input = listInput(filtersFromSearchParams(context, sp), sp.get("cursor") || undefined);
  const projects = (await load(() => caller.projects.list())).map((p) => ({ id: p.id, name: p.name }));
  const filters = filtersFromSearchParams(context, sp);
  const invalid = (e?: unknown) => ({ page: { items: [], nextCursor: null }, projects, error: invalidFilters(filters, e) as string | null });
  if (!input) return invalid();
  try {
    const page = await caller.payments.list(input);
    return { page, projects, error: null as string | null };
  } catch (e) {
    if (isBadRequest(e)) return invalid(e);
    throw e;
  }
}

export default function Payments() {
  const { page, projects, error } = useLoaderData<typeof loader>();
  const can = useCan();
  const [params] = useSearchParams();
  const v = (k: string) => params.get(k) ?? "";
  const filterQuery = new URLSearchParams([...params.entries()].filter(([k, val]) => k !== "cursor" && val !== ""));
  const nextQuery = new URLSearchParams(filterQuery);
  if (page.nextCursor) nextQuery.set("cursor", page.nextCursor);
  const filtered = filterQuery.toString() !== "";
  const activeFilters = [...filterQuery.keys()].filter((k) => k !== "q" && k !== "attention").length;

  return (
    <>
      <div className="a-head">
        <h1>Payments</h1>
        {can("payments.export") ? (
          <a className="a-btn a-btn-secondary" href={`/admin/export.csv${filterQuery.size ? `?${filterQuery}` : ""}`} download data-testid="export-csv">
            Export CSV
          </a>
        ) : null}
      </div>
      <Form method="get" className="a-card a-filters a-list-filters" role="search">
        <label className="a-wide">
          Search
          <input
            type="search"
            name="q"
            defaultValue={v("q")}
            placeholder="order id, buyer e-mail, buyer name or item (any part, 3+ letters)"
            data-testid="payment-search"
          />
        </label>
        {/* Collapsed on a phone (closed by default), always shown on wider screens (app/admin.css ::details-content): no script needed. */}
        <details className="a-more-filters a-wide" data-testid="payment-filters" open={error ? true : undefined}>
          <summary>
            Filters{activeFilters > 0 ? ` · ${activeFilters} active` : ""}
          </summary>
          <div className="a-filters">
            <ProjectFilter projects={projects} value={v("projectId")} />
            <FilterSelect label="Environment" name="environment" value={v("environment")} options={options(environmentLabels)} />
            <FilterSelect label="Status" name="status" value={v("status")} options={options(statusLabels)} />
            <FilterSelect label="Midtrans status" name="midtransStatus" value={v("midtransStatus")} options={options(midtransStatusLabels)} />
            <label>
              Payment method
              <select name="paymentType" defaultValue={v("paymentType")} data-testid="payment-type-filter">
                <option value="">All</option>
                {Object.entries(paymentTypeLabels).map(([t, label]) => (
                  <option key={t} value={t}>
                    {label}
                  </option>
                ))}
                {v("paymentType") && !Object.hasOwn(paymentTypeLabels, v("paymentType")) ? <option value={v("paymentType")}>{v("paymentType")}</option> : null}
              </select>
            </label>
            {v("attention") ? <input type="hidden" name="attention" value={v("attention")} /> : null}
            <label>
              Created from (WIB)
              <input type="date" name="createdFrom" defaultValue={v("createdFrom")} />
            </label>
            <label>
              Created to (WIB)
              <input type="date" name="createdTo" defaultValue={v("createdTo")} />
            </label>
            <label>
              Amount min (Rp)
              <input type="number" name="amountMin" min={0} step={1} defaultValue={v("amountMin")} />
            </label>
            <label>
              Amount max (Rp)
              <input type="number" name="amountMax" min={0} step={1} defaultValue={v("amountMax")} />
            </label>
          </div>
        </details>
        <FilterActions filtered={filtered} clearTo="/admin/payments" />
      </Form>
      <ErrorNote error={error} testId="filter-error" />
      {isKeyOf(attentionLabels, params.get("attention")) ? (
        <p className="a-note a-note-warn" data-testid="attention-filter">
          Showing: {attentionLabels[params.get("attention") as AttentionFilter]}.{" "}
          <Link to={`/admin/payments?${new URLSearchParams([...filterQuery.entries()].filter(([k]) => k !== "attention"))}`}>Show all</Link>
        </p>
      ) : null}
      <div className="a-card a-scroll">
        {page.items.length === 0 ? (
          <Empty>No payments match.</Empty>
        ) : (
          <table className="a-table" data-testid="payments-table">
            <thead>
              <tr>
                <th scope="col" className="a-wide-only">Created (WIB)</th>
                <th scope="col">Order id</th>
                <th scope="col" className="a-wide-only">Project</th>
                <th scope="col" className="a-wide-only">Env</th>
                <th scope="col">Status</th>
                <th scope="col" className="a-wide-only">Midtrans</th>
                <th scope="col" className="a-wide-only">Method</th>
                <th scope="col" className="a-num">Amount</th>
                <th scope="col" className="a-wide-only">Buyer · item</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((p) => (
                <tr key={p.id}>
                  <td className="a-nowrap a-wide-only">{formatWIB(p.created_at)}</td>
                  <td data-testid="row-order-id">
                    <Link to={`/admin/payments/${p.id}`} className="a-mono">
                      {p.order_id}
                    </Link>
                  </td>
                  <td className="a-wide-only">{p.project_name}</td>
                  <td className="a-wide-only">{p.environment}</td>
                  <td data-testid="row-status">
                    <Badge value={p.status} />
                  </td>
                  <td className="a-wide-only">{p.midtrans_status ?? "—"}</td>
                  <td className="a-wide-only" data-testid="payment-method">{p.payment_type ? (paymentTypeLabels[p.payment_type] ?? p.payment_type) : "—"}</td>
                  <td className="a-num" data-testid="row-amount">
                    {formatRupiah(p.amount)}
                  </td>
                  <td className="a-wide-only">
                    {p.buyer_email}
                    {p.buyer_name ? <div className="a-muted">{p.buyer_name}</div> : null}
                    {p.item_name ? <div className="a-muted">{p.item_name}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <nav className="a-pager" aria-label="Pages">
          {params.get("cursor") ? <Link to={`/admin/payments${filterQuery.size ? `?${filterQuery}` : ""}`}>← Newest</Link> : <span />}
          {page.nextCursor ? <Link to={`/admin/payments?${nextQuery}`}>Older →</Link> : null}
        </nav>
      </div>
      {can("payments.reconcile") ? <BulkReconcile /> : null}
    </>
  );
}
