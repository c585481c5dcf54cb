/** The demo store's own catalog: a merchant keeps its products and prices itself (docs/api.md, Overview). */
export interface DemoProduct {
  id: string;
  name: string;
  /** IDR */
  price: number;
}

export interface DemoShop {
  slug: string;
  name: string;
  products: DemoProduct[];
}

/** The one demo shop; the demo project's store URL template is `{PUBLIC_URL}/demo-store/{store_slug}`. */
export const DEMO_SHOP: DemoShop = {
  slug: "warung-bu-sari",
  name: "Warung Bu Sari",
  products: [
    { id: "nasi-goreng-spesial", name: "Nasi Goreng Spesial", price: 25_000 },
    { id: "es-teh-manis", name: "Es Teh Manis", price: 5_000 },
    { id: "kopi-susu-gula-aren", name: "Kopi Susu Gula Aren", price: 18_000 },
  ],
};

export function findShop(slug: string): DemoShop | undefined {
  return slug === DEMO_SHOP.slug ? DEMO_SHOP : undefined;
}

/** The buyer every demo order is made for (the simulator's payment page shows it). */
export const DEMO_BUYER = { email: "pembeli@example.com", name: "Pembeli Demo" } as const;
