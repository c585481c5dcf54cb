import { z } from "zod";

export const environmentSchema = z.enum(["sandbox", "production"]);
export type Environment = z.infer<typeof environmentSchema>;

/** `{store_slug}` must appear exactly once; the rest is a fixed http(s) URL. */
export const storeUrlTemplateSchema = z
  .string()
  .trim()
  .max(500)
  .refine((t) => t.split("{store_slug}").length === 2, "must contain {store_slug} exactly once")
  .refine((t) => {
    try {
      const u = new URL(t.replace("{store_slug}", "slug"));
      return u.protocol === "https:" || u.protocol === "http:";
    } catch {
      return false;
    }
  }, "must be an http(s) URL");

/** The form of a webhook URL; where it may point is the destination rule (server/webhooks/endpoints.ts). */
export const webhookUrlSchema = z
  .string()
  .trim()
  .max(2000)
  .refine((t) => {
    try {
      const u = new URL(t);
      return u.protocol === "https:" || u.protocol === "http:";
    } catch {
      return false;
    }
  }, "must be an http(s) URL");

/**
 * A new project. `webhook_urls`: the URL of each environment's endpoint, already checked against
 * the destination rule (checkWebhookDestination); a missing one means none yet.
 */
export interface CreateProjectInput {
  name: string;
  store_url_template?: string | null;
  webhook_urls?: Partial<Record<Environment, string | null>>;
}

export interface ProjectRow {
  id: string;
  name: string;
  store_url_template: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface CredentialRow {
  id: string;
  project_id: string;
  environment: Environment;
  client_id: string;
  secret_hash: string;
  secret_last4: string;
  created_at: Date;
  revoked_at: Date | null;
  /** Set by a rotation with an overlap: the credential stops working then (null: no expiry). */
  expires_at: Date | null;
  last_used_at: Date | null;
}
