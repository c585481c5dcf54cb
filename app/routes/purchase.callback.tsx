import { data, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData, useLocation } from "@remix-run/react";
import { PaymentCallback, type CallbackData } from "~/components/callback/PaymentCallback";
import { StatusIcon } from "~/components/callback/StatusIcon";
import { documentTitle, parsePollCount, refundInfoOf } from "~/lib/callback";
import { verifyPayment } from "~/services.server";

// The page depends on the moment it is asked: never cached, never indexed.
const HEADERS = { "Cache-Control": "no-store", "X-Robots-Tag": "noindex" };

/**
 * The buyer lands here from Snap: /purchase/callback?order_id=…&status_code=…&transaction_status=…,
 * with the Midtrans order id Astapa derived for the payment (never ambiguous; a merchant's own
 * order_id works while one payment uses it). The status always comes from verifyPayment; Snap's
 * query values are buyer-controlled: `transaction_status` only triggers an early Get Status.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  const orderId = params.get("order_id");
  const poll = parsePollCount(params.get("poll"));
  const none = { payment: null, pollOrderId: null, purchaseId: null, paymentType: null, instructions: null, poll, renderedAt: Date.now() };
  if (!orderId) {
    return data<CallbackData>({ ...none, state: "missing", orderId: null }, { status: 400, headers: HEADERS });
  }
  // Like GET …/verify: a value that can never be an order id is not a payment either, and
  // it is not echoed back (no free text from the URL on the page). Snap's transaction_status
  // only asks for an early check with Midtrans (a card just paid); it never decides.
  const found = await verifyPayment(context, orderId, { transactionStatus: params.get("transaction_status") });
  if (!found.found) {
    return data<CallbackData>({ ...none, state: "notfound", orderId: found.plausible ? orderId : null }, { status: 404, headers: HEADERS });
  }
  return data<CallbackData>(
    {
      ...none,
      state: found.payment.status,
      payment: found.payment,
      orderId,
      pollOrderId: found.pollOrderId,
      purchaseId: found.purchaseId,
      paymentType: found.paymentType,
      instructions: found.instructions,
    },
    { headers: HEADERS },
  );
}

/** Rendered on the server only: no Remix scripts, the page's own small script instead (app/root.tsx). */
export const handle = { hydrate: false };

export const headers = () => HEADERS;

// No /favicon.ico round trip on a slow phone connection.
export const links: LinksFunction = () => [{ rel: "icon", href: "data:," }];

export const meta: MetaFunction = ({ data }) => {
  const d = data as CallbackData | undefined;
  return [
    { title: d ? documentTitle(d.state, d.payment?.store_name, d.state === "refund" ? refundInfoOf(d.payment) : null) : "Status pembayaran — Astapa" },
    { name: "robots", content: "noindex" },
  ];
};

export default function PurchaseCallback() {
  return <PaymentCallback data={useLoaderData<CallbackData>()} />;
}

/** Anything unexpected (the database unreachable…): calm, and a way to try again. */
export function ErrorBoundary() {
  const location = useLocation();
  // Remix logs the error server-side; the buyer sees no technical detail.
  return (
    <main className="callback">
      <section className="card status tone-info" data-state="unavailable" data-polling="false" aria-labelledby="status-heading">
        <div className="status-head" aria-live="polite" aria-atomic="true">
          <StatusIcon tone="info" />
          <h1 id="status-heading">Status pembayaran belum dapat ditampilkan</h1>
          <p className="lead">Sedang ada gangguan sementara di sisi kami. Ini tidak mengubah pembayaran Anda.</p>
        </div>
        <p className="steps">Coba muat ulang halaman ini dalam beberapa saat.</p>
        <div className="actions">
          {/* The same URL again: a plain link works with or without JavaScript. */}
          <a className="button" href={`${location.pathname}${location.search}`}>
            Coba lagi
          </a>
        </div>
      </section>
    </main>
  );
}
