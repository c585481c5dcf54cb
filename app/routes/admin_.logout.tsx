import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { logoutAction } from "~/admin.server";

export async function loader() {
  throw redirect("/admin");
}

export async function action({ request, context }: ActionFunctionArgs) {
  const headers = await logoutAction(request, context);
  if (!headers) throw new Response("Cross-origin request refused", { status: 403 });
  throw redirect("/admin/login", { headers });
}
