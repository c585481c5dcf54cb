import { filtersFromSearchParams } from "../payments/payment-list.schema";
import type { PlatformContext } from "../platform/context";
import { adminPageSession, loginFromForm, logoutFromForm, type AdminPageSession, type LoginResult } from "./admin";
import { lookupCallbackPayment, type CallbackLookup } from "./callback";

/**
 * What Remix loaders and actions may call, handed to them in the load context
 * (server/runtime/http-app.ts). app/ imports only the types of this module, so the Remix
 * build holds no server code: one copy of every service, loaded once by the server.
 */
export interface RemixServices {
  /** The buyer's callback page. */
  callback: {
    lookup(orderId: string): Promise<CallbackLookup>;
  };
  /** The admin console's pages. */
  admin: {
    /** The signed-in admin and a caller as them, or null. */
    session(request: Request, clientIp?: string): Promise<AdminPageSession | null>;
    login(request: Request, clientIp?: string): Promise<LoginResult>;
    /** The Set-Cookie that clears the session, or null when the form came from another site. */
    logout(request: Request, clientIp?: string): Promise<string | null>;
    /** The payment list's filters from a page's query string (the CSV export reads them the same way). */
    paymentFilters(sp: URLSearchParams): Record<string, unknown>;
  };
}

/** Remix's load context (declared as AppLoadContext in remix.env.d.ts). */
export interface RemixLoadContext {
  services: RemixServices;
  /** The client's IP as Express saw it (login rate limiting, audit log). */
  clientIp?: string;
}

export function createRemixServices(platform: PlatformContext): RemixServices {
  return {
    callback: {
      lookup: (orderId) => lookupCallbackPayment(platform, orderId),
    },
    admin: {
      session: (request, clientIp) => adminPageSession(platform, request, clientIp),
      login: (request, clientIp) => loginFromForm(platform, request, clientIp),
      logout: (request, clientIp) => logoutFromForm(platform, request, clientIp),
      paymentFilters: filtersFromSearchParams,
    },
  };
}

export type { AdminPageSession, CallbackLookup, LoginResult };
