import { z } from "zod";
import { procedureFor, router } from "./trpc";
import { isoInstantSchema, storable } from "../lib/validation";
import { pingDatabase } from "../db/health.queries";
import { listAdmins } from "../admin/admin-users.service";
import { permissionsOf } from "../admin/permissions";
import {
  adminRefInput,
  changeOwnPassword,
  changeOwnPasswordInput,
  disablePerson,
  enablePerson,
  invitePerson,
  inviteInput,
  inviteRefInput,
  listPeople,
  resetPersonPassword,
  revokeInvite,
  setPersonRole,
  setRoleInput,
} from "../admin/people.service";
import { auditListInput, listAudit } from "../admin/audit.service";
import { listOwnSessions, revokeOtherOwnSessions, revokeOwnSession } from "../admin/sessions.service";
import {
  beginEnrolment,
  confirmEnrolment,
  disableOwnTwoFactor,
  regenerateRecoveryCodes,
  resetPersonTwoFactor,
  resetTwoFactorInput,
  twoFactorCodeInput,
  twoFactorStatus,
} from "../admin/two-factor.service";
import { dashboardInput, dashboardStats } from "../admin/dashboard.service";
import { bulkReconcileBatch, bulkReconcileInput, countStalePending, reconcilePayment, refundInput, refundPayment, resendWebhook } from "../admin/payment-actions.service";
import { getPaymentDetail } from "../admin/payment-detail.service";
import { listPayments } from "../payments/payment-list.service";
import { paymentListInput } from "../payments/payment-list.schema";
import {
  createProjectAsAdmin,
  credentialRotateInput,
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
import {
  getWebhookEventDetail,
  listDisabledWebhookEndpoints,
  listWebhookEvents,
  retryBatchInput,
  retryTroubledBatch,
  webhookListInput,
} from "../admin/webhooks-admin.service";

const id = z.string().trim().min(1).max(100);
const projectRef = z.object({ projectId: id });
const credentialRef = z.object({ credentialId: id });

/**
 * The admin console's API. Every procedure is a procedureFor(permission) (signed-in admin whose
 * role grants the permission, server/admin/permissions.ts; mutations same-origin only) and a thin adapter: parse (zod), call one service function; domain
 * errors are mapped to tRPC codes in ./trpc. Every input is `storable`: no NUL or lone
 * surrogate reaches PostgreSQL (server/lib/validation.ts, a test walks every procedure).
 */
export const appRouter = router({
  health: procedureFor("console.read").query(async ({ ctx }) => {
    await pingDatabase(ctx.platform.sql);
    return { ok: true as const, database: ctx.platform.dbKind };
  }),

  me: procedureFor("account.self").query(({ ctx }) => ({
    email: ctx.admin.email,
    adminId: ctx.admin.adminId,
    role: ctx.admin.role,
    permissions: permissionsOf(ctx.admin.role),
    sessionExpiresAt: ctx.admin.expiresAt,
  })),
  admins: router({
    list: procedureFor("console.read").query(({ ctx }) => listAdmins(ctx.platform.sql)),
  }),

  dashboard: router({
    stats: procedureFor("console.read").input(storable(dashboardInput)).query(({ ctx, input }) => dashboardStats(ctx.platform, input)),
  }),

  payments: router({
    list: procedureFor("console.read").input(storable(paymentListInput)).query(({ ctx, input }) => listPayments(ctx.platform.sql, input, ctx.platform.now())),
    detail: procedureFor("console.read")
      .input(storable(z.union([z.object({ id }), z.object({ orderId: z.string().trim().min(1).max(100) })])))
      .query(({ ctx, input }) => getPaymentDetail(ctx.platform, input)),
    reconcile: procedureFor("payments.reconcile").input(storable(z.object({ purchaseId: id }))).mutation(({ ctx, input }) => reconcilePayment(ctx.platform, ctx.actor, input.purchaseId)),
    resendWebhook: procedureFor("webhooks.resend")
      .input(storable(z.object({ purchaseId: id.optional(), eventId: id.optional() }).refine((v) => v.purchaseId || v.eventId, "purchaseId or eventId")))
      .mutation(({ ctx, input }) => resendWebhook(ctx.platform, ctx.actor, input)),
    refund: procedureFor("payments.refund").input(storable(refundInput)).mutation(({ ctx, input }) => refundPayment(ctx.platform, ctx.actor, input)),
  }),

  reconcile: router({
    countPending: procedureFor("console.read")
      .input(storable(z.object({ olderThanMinutes: bulkReconcileInput.shape.olderThanMinutes })))
      .query(async ({ ctx, input }) => ({ total: await countStalePending(ctx.platform, input.olderThanMinutes) })),
    pendingBatch: procedureFor("payments.reconcile").input(storable(bulkReconcileInput)).mutation(({ ctx, input }) => bulkReconcileBatch(ctx.platform, ctx.actor, input)),
  }),

  projects: router({
    list: procedureFor("console.read").query(({ ctx }) => listProjects(ctx.platform.sql, ctx.platform.now())),
    get: procedureFor("console.read").input(storable(projectRef)).query(({ ctx, input }) => getProject(ctx.platform, input.projectId)),
    create: procedureFor("projects.manage").input(storable(projectCreateInput)).mutation(({ ctx, input }) => createProjectAsAdmin(ctx.platform, ctx.actor, input)),
    update: procedureFor("projects.manage").input(storable(projectUpdateInput)).mutation(({ ctx, input }) => updateProject(ctx.platform, ctx.actor, input)),
    // A project's webhook endpoints: one per environment, each with its own URL and signing secret.
    setWebhookUrl: procedureFor("projects.manage").input(storable(setWebhookUrlInput)).mutation(({ ctx, input }) => setProjectWebhookUrl(ctx.platform, ctx.actor, input)),
    revealWebhookSecret: procedureFor("credentials.manage").input(storable(endpointRef)).mutation(({ ctx, input }) => revealWebhookSecret(ctx.platform, ctx.actor, input)),
    rotateWebhookSecret: procedureFor("credentials.manage").input(storable(endpointRef)).mutation(({ ctx, input }) => rotateProjectWebhookSecret(ctx.platform, ctx.actor, input)),
    sendTestWebhook: procedureFor("projects.manage").input(storable(endpointRef)).mutation(({ ctx, input }) => sendTestWebhook(ctx.platform, ctx.actor, input)),
    // A disabled endpoint (every attempt failed for 5 days): re-enable it and replay what it missed.
    reenableWebhookEndpoint: procedureFor("projects.manage").input(storable(endpointRef)).mutation(({ ctx, input }) => reenableProjectWebhookEndpoint(ctx.platform, ctx.actor, input)),
    setWebhookEventTypes: procedureFor("projects.manage").input(storable(setWebhookEventTypesInput)).mutation(({ ctx, input }) => setProjectWebhookEventTypes(ctx.platform, ctx.actor, input)),
  }),

  items: router({
    list: procedureFor("console.read").input(storable(itemListInput)).query(({ ctx, input }) => listItemsAsAdmin(ctx.platform.sql, input)),
    create: procedureFor("projects.manage").input(storable(itemCreateInput)).mutation(({ ctx, input }) => createItemAsAdmin(ctx.platform, ctx.actor, input)),
    update: procedureFor("projects.manage").input(storable(itemUpdateInput)).mutation(({ ctx, input }) => updateItemAsAdmin(ctx.platform, ctx.actor, input)),
  }),

  credentials: router({
    create: procedureFor("credentials.manage")
      .input(storable(z.object({ projectId: id, environment: z.enum(["sandbox", "production"]) })))
      .mutation(({ ctx, input }) => issueCredentialAsAdmin(ctx.platform, ctx.actor, input)),
    // The old secret keeps working for the chosen overlap (default 24 h; "now" revokes it at once).
    rotate: procedureFor("credentials.manage").input(storable(credentialRotateInput)).mutation(({ ctx, input }) => rotateCredential(ctx.platform, ctx.actor, input)),
    revoke: procedureFor("credentials.manage").input(storable(credentialRef)).mutation(({ ctx, input }) => revokeCredentialAsAdmin(ctx.platform, ctx.actor, input.credentialId)),
  }),

  webhooks: router({
    // Every webhook (outbox events and test webhooks), filtered, and one with its attempts (docs/api.md#console-webhooks).
    list: procedureFor("console.read").input(storable(webhookListInput)).query(({ ctx, input }) => listWebhookEvents(ctx.platform.sql, input)),
    event: procedureFor("console.read").input(storable(z.object({ id }))).query(({ ctx, input }) => getWebhookEventDetail(ctx.platform.sql, input.id)),
    retry: procedureFor("webhooks.resend").input(storable(z.object({ eventId: id }))).mutation(({ ctx, input }) => resendWebhook(ctx.platform, ctx.actor, { eventId: input.eventId })),
    retryBatch: procedureFor("webhooks.resend").input(storable(retryBatchInput.extend({ before: isoInstantSchema("before") }))).mutation(({ ctx, input }) => retryTroubledBatch(ctx.platform, ctx.actor, input)),
    disabledEndpoints: procedureFor("console.read").query(({ ctx }) => listDisabledWebhookEndpoints(ctx.platform.sql)),
  }),

  // People of the console (owners), and one's own password (everyone): server/admin/people.service.ts.
  people: router({
    list: procedureFor("people.manage").query(({ ctx }) => listPeople(ctx.platform)),
    invite: procedureFor("people.manage").input(storable(inviteInput)).mutation(({ ctx, input }) => invitePerson(ctx.platform, ctx.actor, input)),
    revokeInvite: procedureFor("people.manage").input(storable(inviteRefInput)).mutation(({ ctx, input }) => revokeInvite(ctx.platform, ctx.actor, input.inviteId)),
    setRole: procedureFor("people.manage").input(storable(setRoleInput)).mutation(({ ctx, input }) => setPersonRole(ctx.platform, ctx.actor, input)),
    disable: procedureFor("people.manage").input(storable(adminRefInput)).mutation(({ ctx, input }) => disablePerson(ctx.platform, ctx.actor, input.adminId)),
    enable: procedureFor("people.manage").input(storable(adminRefInput)).mutation(({ ctx, input }) => enablePerson(ctx.platform, ctx.actor, input.adminId)),
    resetPassword: procedureFor("people.manage").input(storable(adminRefInput)).mutation(({ ctx, input }) => resetPersonPassword(ctx.platform, ctx.actor, input.adminId)),
    changeOwnPassword: procedureFor("account.self")
      .input(storable(changeOwnPasswordInput))
      .mutation(({ ctx, input }) => changeOwnPassword(ctx.platform, ctx.actor, ctx.admin, input)),
    resetTwoFactor: procedureFor("people.manage").input(storable(resetTwoFactorInput)).mutation(({ ctx, input }) => resetPersonTwoFactor(ctx.platform, ctx.actor, input.adminId)),
  }),

  // One's own account (docs/decisions/0019-two-factor.md): two-factor sign-in and sessions.
  // The three enrolment procedures stay open to an owner or finance person who has not enrolled yet.
  account: router({
    twoFactor: router({
      status: procedureFor("account.self", { openBeforeEnrolment: true }).query(({ ctx }) => twoFactorStatus(ctx.platform, ctx.admin)),
      begin: procedureFor("account.self", { openBeforeEnrolment: true }).mutation(({ ctx }) => beginEnrolment(ctx.platform, ctx.admin)),
      confirm: procedureFor("account.self", { openBeforeEnrolment: true })
        .input(storable(twoFactorCodeInput))
        .mutation(({ ctx, input }) => confirmEnrolment(ctx.platform, ctx.actor, ctx.admin, input)),
      regenerateRecoveryCodes: procedureFor("account.self")
        .input(storable(twoFactorCodeInput))
        .mutation(({ ctx, input }) => regenerateRecoveryCodes(ctx.platform, ctx.actor, ctx.admin, input)),
      disable: procedureFor("account.self").input(storable(twoFactorCodeInput)).mutation(({ ctx, input }) => disableOwnTwoFactor(ctx.platform, ctx.actor, ctx.admin, input)),
    }),
    sessions: router({
      list: procedureFor("account.self").query(({ ctx }) => listOwnSessions(ctx.platform, ctx.admin)),
      revoke: procedureFor("account.self")
        .input(storable(z.object({ sessionId: id })))
        .mutation(({ ctx, input }) => revokeOwnSession(ctx.platform, ctx.actor, ctx.admin, input.sessionId)),
      revokeOthers: procedureFor("account.self").mutation(({ ctx }) => revokeOtherOwnSessions(ctx.platform, ctx.actor, ctx.admin)),
    }),
  }),

  audit: router({
    list: procedureFor("console.read").input(storable(auditListInput)).query(({ ctx, input }) => listAudit(ctx.platform.sql, input)),
  }),
});

export type AppRouter = typeof appRouter;
