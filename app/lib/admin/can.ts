import { useRouteLoaderData } from "@remix-run/react";
import type { Permission } from "../../../server/admin/permissions";

/**
 * Whether the signed-in admin's role grants a permission: the console's layout loader
 * (app/routes/admin.tsx) hands down the role's permissions, computed by the server's one
 * permission module. Pages use it only to leave out buttons the role cannot use; the
 * procedures refuse such calls anyway (docs/decisions/0017-roles.md).
 */
export function useCan(): (permission: Permission) => boolean {
  const data = useRouteLoaderData<{ permissions?: Permission[] }>("routes/admin");
  const granted = data?.permissions ?? [];
  return (permission) => granted.includes(permission);
}
