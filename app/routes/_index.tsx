import type { MetaFunction } from "@remix-run/node";

export const meta: MetaFunction = () => [{ title: "Astapa — Midtrans checkout for Indonesian merchants" }];

export default function Index() {
  return (
    <main>
      <div className="card">
        <h1>Astapa</h1>
        <p>Pembayaran Midtrans untuk toko Anda. Lihat README untuk API Shop Payments.</p>
        <p>
          <code>POST /api/platform/shop-payment</code> · <code>GET /api/platform/shop-payment/verify?order_id=…</code>
        </p>
      </div>
    </main>
  );
}
