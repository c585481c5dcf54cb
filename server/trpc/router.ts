import { z } from "zod";
import { adminProcedure, router } from "./trpc";
import { pingDatabase } from "../db/health.queries";
import { listAdmins } from "../admin/admin-users.service";
import { auditListInput, listAudit } from "../admin/audit.service";
import { dashboardStats } from "../admin/dashboard.service";
import { bulkReconcileBatch, bulkReconcileInput, countStalePending, reconcilePayment, refundInput, refundPayment, resendWebhook } from "../admin/payment-actions.service";
import { getPaymentDetail } from "../admin/payment-detail.service";
import { listPayments } from "../payments/payment-list.service";
import { paymentListInput } from "../payments/payment-list.schema";
import {
  createProjectAsAdmin,
  endpointRef,
  getProject,
  issueCredentialAsAdmin,
  listProjects,
  projectCreateInput,
  projectUpdateInput,
  revealWebhookSecret,
  revokeCredentialAsAdmin,
  rotateCredential,
  rotateProjectWebhookSecret,
  sendTestWebhook,
  setProjectWebhookUrl,
  setWebhookUrlInput,
  reenableProjectWebhookEndpoint,
  setProjectWebhookEventTypes,
  setWebhookEventTypesInput,
  updateProject,
} from "../admin/projects-admin.service";
import { createItemAsAdmin, itemCreateInput, itemListInput, itemUpdateInput, listItemsAsAdmin, updateItemAsAdmin } from "../admin/items-admin.service";
import { listDisabledWebhookEndpoints, listTroubledEvents, retryBatchInput, retryTroubledBatch, troubledListInput } from "../admin/webhooks-admin.service";

const id = z.string().trim().min(1).max(100);
const projectRef = z.object({ projectId: id });
const credentialRef = z.object({ credentialId: id });

/**
 * The admin console's API. Every procedure is an adminProcedure (signed-in admin; mutations
 * same-origin only) and a thin adapter: parse (zod), call one service function; domain
 * errors are mapped to tRPC codes in ./trpc.
 */
export const appRouter = router({
  health: adminProcedure.query(async ({ ctx }) => {
    await pingDatabase(ctx.platform.sql);
    return { ok: true as const, database: ctx.platform.dbKind };
  }),

  me: adminProcedure.query(({ ctx }) => ({ email: ctx.admin.email, adminId: ctx.admin.adminId, sessionExpiresAt: ctx.admin.expiresAt })),
  admins: router({
    list: adminProcedure.query(({ ctx }) => listAdmins(ctx.platform.sql)),
  }),

  dashboard: router({
    stats: adminProcedure.query(({ ctx }) => dashboardStats(ctx.platform)),
  }),

  payments: router({
    list: adminProcedure.input(paymentListInput).query(({ ctx, input }) => listPayments(ctx.platform.sql, input)),
    detail: adminProcedure
      .input(z.union([z.object({ id }), z.object({ orderId: z.string().trim().min(1).max(100) })]))
      .query(({ ctx, input }) => getPaymentDetail(ctx.platform, input)),
    reconcile: adminProcedure.input(z.object({ purchaseId: id })).mutation(({ ctx, input }) => reconcilePayment(ctx.platform, ctx.actor, input.purchaseId)),
    resendWebhook: adminProcedure
      .input(z.object({ purchaseId: id.optional(), eventId: id.optional() }).refine((v) => v.purchaseId || v.eventId, "purchaseId or eventId"))
      .mutation(({ ctx, input }) => resendWebhook(ctx.platform, ctx.actor, input)),
    refund: adminProcedure.input(refundInput).mutation(({ ctx, input }) => refundPayment(ctx.platform, ctx.actor, input)),
  }),

  reconcile: router({
    countPending: adminProcedure
      .input(z.object({ olderThanMinutes: bulkReconcileInput.shape.olderThanMinutes }))
      .query(async ({ ctx, input }) => ({ total: await countStalePending(ctx.platform, input.olderThanMinutes) })),
    pendingBatch: adminProcedure.input(bulkReconcileInput).mutation(({ ctx, input }) => bulkReconcileBatch(ctx.platform, ctx.actor, input)),
  }),

  projects: router({
    list: adminProcedure.query(({ ctx }) => listProjects(ctx.platform.sql)),
    get: adminProcedure.input(projectRef).query(({ ctx, input }) => getProject(ctx.platform, input.projectId)),
    create: adminProcedure.input(projectCreateInput).mutation(({ ctx, input }) => createProjectAsAdmin(ctx.platform, ctx.actor, input)),
    update: adminProcedure.input(projectUpdateInput).mutation(({ ctx, input }) => updateProject(ctx.platform, ctx.actor, input)),
    // A project's webhook endpoints: one per environment, each with its own URL and signing secret.
    setWebhookUrl: adminProcedure.input(setWebhookUrlInput).mutation(({ ctx, input }) => setProjectWebhookUrl(ctx.platform, ctx.actor, input)),
    revealWebhookSecret: adminProcedure.input(endpointRef).mutation(({ ctx, input }) => revealWebhookSecret(ctx.platform, ctx.actor, input)),
    rotateWebhookSecret: adminProcedure.input(endpointRef).mutation(({ ctx, input }) => rotateProjectWebhookSecret(ctx.platform, ctx.actor, input)),
    sendTestWebhook: adminProcedure.input(endpointRef).mutation(({ ctx, input }) => sendTestWebhook(ctx.platform, ctx.actor, input)),
    // A disabled endpoint (every attempt failed for 5 days): re-enable it and replay what it missed.
    reenableWebhookEndpoint: adminProcedure.input(endpointRef).mutation(({ ctx, input }) => reenableProjectWebhookEndpoint(ctx.platform, ctx.actor, input)),
    setWebhookEventTypes: adminProcedure.input(setWebhookEventTypesInput).mutation(({ ctx, input }) => setProjectWebhookEventTypes(ctx.platform, ctx.actor, input)),
  }),

  items: router({
    list: adminProcedure.input(itemListInput).query(({ ctx, input }) => listItemsAsAdmin(ctx.platform.sql, input)),
    create: adminProcedure.input(itemCreateInput).mutation(({ ctx, input }) => createItemAsAdmin(ctx.platform, ctx.actor, input)),
    update: adminProcedure.input(itemUpdateInput).mutation(({ ctx, input }) => updateItemAsAdmin(ctx.platform, ctx.actor, input)),
  }),

  credentials: router({
    create: adminProcedure
      .input(z.object({ projectId: id, environment: z.enum(["sandbox", "production"]) }))
      .mutation(({ ctx, input }) => issueCredentialAsAdmin(ctx.platform, ctx.actor, input)),
    rotate: adminProcedure.input(credentialRef).mutation(({ ctx, input }) => rotateCredential(ctx.platform, ctx.actor, input.credentialId)),
    revoke: adminProcedure.input(credentialRef).mutation(({ ctx, input }) => revokeCredentialAsAdmin(ctx.platform, ctx.actor, input.credentialId)),
  }),

  webhooks: router({
    troubled: adminProcedure.input(troubledListInput).query(({ ctx, input }) => listTroubledEvents(ctx.platform.sql, input)),
    retry: adminProcedure.input(z.object({ eventId: id })).mutation(({ ctx, input }) => resendWebhook(ctx.platform, ctx.actor, { eventId: input.eventId })),
    retryBatch: adminProcedure.input(retryBatchInput).mutation(({ ctx, input }) => retryTroubledBatch(ctx.platform, ctx.actor, input)),
    disabledEndpoints: adminProcedure.query(({ ctx }) => listDisabledWebhookEndpoints(ctx.platform.sql)),
  }),

  audit: router({
    list: adminProcedure.input(auditListInput).query(({ ctx, input }) => listAudit(ctx.platform.sql, input)),
  }),
});

export type AppRouter = typeof appRouter;
