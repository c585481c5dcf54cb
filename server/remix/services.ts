import { filtersFromSearchParams } from "../payments/payment-list.schema";
import type { PlatformContext } from "../platform/context";
import { unavailableAsResponse } from "../http/errors";
import { acceptLinkFromForm, adminLinkInfo, adminPageSession, loginFromForm, logoutFromForm, type AcceptLinkResult, type AdminPageSession, type LoginResult } from "./admin";
import { createPendingStatusReader } from "../payments/instructions";
import { pendingSignInEmail, secondFactorFromForm, type SecondFactorResult } from "./two-factor";
import { lookupCallbackPayment, type CallbackLookup, type CallbackQuery, type PaymentInstructions } from "./callback";

/**
 * What Remix loaders and actions may call, handed to them in the load context
 * (server/runtime/http-app.ts). app/ imports only the types of this module, so the Remix
 * build holds no server code: one copy of every service, loaded once by the server.
 */
export interface RemixServices {
  /** The buyer's callback page. */
  callback: {
    /** `query`: what Snap's finish redirect said (a hint that triggers an early Get Status, never a fact). */
    lookup(orderId: string, query?: CallbackQuery): Promise<CallbackLookup>;
  };
  /** The admin console's pages. */
  admin: {
    /** The signed-in admin and a caller as them, or null. */
    session(request: Request, clientIp?: string): Promise<AdminPageSession | null>;
    login(request: Request, clientIp?: string): Promise<LoginResult>;
    /** A sign-in waiting for its second factor (docs/decisions/0019-two-factor.md): whose, or null. */
    pendingSignIn(request: Request): Promise<{ email: string; expiresAt: string } | null>;
    /** The second step of a sign-in: a TOTP or recovery code (same-origin form). */
    secondFactor(request: Request, clientIp?: string): Promise<SecondFactorResult>;
    /** The Set-Cookie that clears the session, or null when the form came from another site. */
    logout(request: Request, clientIp?: string): Promise<string | null>;
    /** The payment list's filters from a page's query string (the CSV export reads them the same way). */
    paymentFilters(sp: URLSearchParams): Record<string, unknown>;
    /** A one-time invitation or password-reset link: what it is for, or null when it no longer works. */
    linkInfo(token: string): Promise<Awaited<ReturnType<typeof adminLinkInfo>>>;
    /** Sets the password of an invitation or reset link (same-origin form). */
    acceptLink(request: Request, token: string, clientIp?: string): Promise<AcceptLinkResult>;
  };
}

/** Remix's load context (declared as AppLoadContext in remix.env.d.ts). */
export interface RemixLoadContext {
  services: RemixServices;
  /** The client's IP as Express saw it (login rate limiting, audit log). */
  clientIp?: string;
  /**
   * Logs a page's unexpected error (Remix's handleError, a render error) as one JSON line of the
   * server's logger: app/entry.server.tsx has no logger of its own (server/runtime/http-app.ts).
   */
  reportError?: (error: unknown, where: { method: string; path: string }) => void;
}

export function createRemixServices(platform: PlatformContext): RemixServices {
  // One Get Status cache per process for every buyer's callback page (server/payments/instructions.ts).
  const statusReader = createPendingStatusReader(platform);
  return {
    callback: {
      // A stalled database answers the page 503 with Retry-After (server/http/errors.ts), not 500.
      lookup: (orderId, query) => unavailableAsResponse(() => lookupCallbackPayment(platform, orderId, { statusReader, query })),
    },
    admin: {
      session: (request, clientIp) => unavailableAsResponse(() => adminPageSession(platform, request, clientIp)),
      login: (request, clientIp) => unavailableAsResponse(() => loginFromForm(platform, request, clientIp)),
      pendingSignIn: (request) => unavailableAsResponse(() => pendingSignInEmail(platform, request)),
      secondFactor: (request, clientIp) => unavailableAsResponse(() => secondFactorFromForm(platform, request, clientIp)),
      logout: (request, clientIp) => unavailableAsResponse(() => logoutFromForm(platform, request, clientIp)),
      paymentFilters: filtersFromSearchParams,
      linkInfo: (token) => unavailableAsResponse(() => adminLinkInfo(platform, token)),
      acceptLink: (request, token, clientIp) => unavailableAsResponse(() => acceptLinkFromForm(platform, request, token, clientIp)),
    },
  };
}

export type { AcceptLinkResult, AdminPageSession, CallbackLookup, CallbackQuery, LoginResult, PaymentInstructions, SecondFactorResult };
