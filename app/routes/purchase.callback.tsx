import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { isDomainError, verifyPayment } from "~/services.server";

// Minimal callback page; the full page (polling, redirect, states) is its own issue.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const orderId = new URL(request.url).searchParams.get("order_id");
  if (!orderId) return { state: "missing" as const };
  try {
    // Never the query string's transaction_status: the buyer controls it.
    return { state: "found" as const, payment: await verifyPayment(context.platform, orderId) };
  } catch (e) {
    if (isDomainError(e) && e.code === "not_found") return { state: "notfound" as const, orderId };
    throw e;
  }
}

export const meta: MetaFunction = () => [{ title: "Status pembayaran — Astapa" }];

export default function PurchaseCallback() {
  const data = useLoaderData<typeof loader>();
  if (data.state !== "found") {
    return (
      <main>
        <div className="card state-notfound" data-state={data.state}>
          <h1>{data.state === "missing" ? "Nomor pesanan tidak ada" : "Pesanan tidak ditemukan"}</h1>
        </div>
      </main>
    );
  }
  const p = data.payment;
  return (
    <main>
      <div className="card" data-state={p.status}>
        <h1>{p.status === "settlement" ? "Pembayaran berhasil" : p.status === "pending" ? "Menunggu pembayaran" : "Pembayaran tidak berhasil"}</h1>
        <dl>
          <dt>Nomor pesanan</dt>
          <dd>{p.order_id}</dd>
        </dl>
      </div>
    </main>
  );
}
