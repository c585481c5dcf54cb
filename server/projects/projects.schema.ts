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

export const createProjectInput = z.object({
  name: z.string().trim().min(1).max(200),
  webhook_url: webhookUrlSchema.nullish(),
  store_url_template: storeUrlTemplateSchema.nullish(),
});
export type CreateProjectInput = z.infer<typeof createProjectInput>;

export interface ProjectRow {
  id: string;
  name: string;
  webhook_url: string | null;
  store_url_template: string | null;
  webhook_secret: string;
  webhook_secret_previous: string | null;
  webhook_secret_previous_expires_at: Date | null;
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
  last_used_at: Date | null;
}
