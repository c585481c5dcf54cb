import { once } from "node:events";
import type { Request, Response } from "express";
import { DomainError } from "../lib/errors";
import type { PlatformContext } from "../platform/context";
import { sendError } from "../http/errors";
import { exportPaymentsCsv } from "../admin/payments-csv.service";
import { filtersFromSearchParams, parseFilters } from "../payments/payment-list.schema";
import { resolveSession } from "../admin/sessions.service";
import { can } from "../admin/permissions";
import { readSessionToken } from "../http/session-cookie";

/**
 * GET /admin/export.csv?…filters: the filtered payment list as CSV, for a signed-in admin whose
 * role may export (`payments.export`: owner, finance; others get 403 `forbidden`).
 * Streamed with backpressure from a server-side cursor (1000 rows at a time), so 100 k rows
 * never sit in memory. A UTF-8 BOM lets spreadsheets read non-ASCII names correctly.
 */
export function adminCsvExport(ctx: PlatformContext) {
  return async (req: Request, res: Response) => {
    let rows = 0;
    try {
      const admin = await resolveSession(ctx, readSessionToken(req.get("cookie")));
      if (!admin) throw new DomainError("unauthorized", "Sign in to the admin console");
      // The same permission module as every tRPC procedure (docs/decisions/0017-roles.md).
      if (!can(admin.role, "payments.export")) throw new DomainError("forbidden", "Your role does not allow exports");
      if (admin.twoFactorEnrolmentRequired) throw new DomainError("two_factor_enrolment_required", "Set up two-factor sign-in first: your role requires it.");
      const query = new URLSearchParams(req.originalUrl.split("?")[1] ?? "");
      const filters = parseFilters(filtersFromSearchParams(query));
      const csv = await exportPaymentsCsv(ctx, { adminId: admin.adminId, email: admin.email, ip: req.ip ?? null }, filters);

      const stamp = new Date(ctx.now().getTime() + 7 * 3600_000).toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
      res.status(200);
      res.setHeader("Content-Type", "text/csv; charset=utf-8");
      res.setHeader("Content-Disposition", `attachment; filename="astapa-payments-${stamp}.csv"`);
      res.setHeader("Cache-Control", "no-store");
      res.setHeader("X-Content-Type-Options", "nosniff");
      let closed = false;
      res.on("close", () => (closed = true));
      res.write("\ufeff");
      for await (const chunk of csv) {
        if (closed) break; // the client went away: leaving the loop closes the cursor
        rows++;
        if (!res.write(chunk)) await Promise.race([once(res, "drain"), once(res, "close")]);
      }
      res.end();
    } catch (err) {
      if (res.headersSent) {
        ctx.logger.error({ err: err instanceof Error ? err.message : String(err), chunks: rows }, "csv export failed mid-stream");
        res.destroy(err instanceof Error ? err : undefined);
      } else {
        sendError(res, err);
      }
    }
  };
}
