/**
 * Who may do what in the admin console: the one place (docs/decisions/0017-roles.md).
 * Every tRPC procedure names one permission (server/trpc/trpc.ts `procedureFor`), the console's
 * pages reach data only through those procedures, and the CSV export checks `payments.export`
 * here too. A role's permissions are code, not data: adding a permission means deciding here,
 * once, which roles hold it.
 */
export const roles = ["owner", "finance", "operator", "viewer"] as const;
export type Role = (typeof roles)[number];

export const permissions = [
  /** Read the console: dashboard, payments (buyer e-mails masked unless `buyers.read`), projects, webhooks, audit log. */
  "console.read",
  /** See buyers' e-mail addresses unmasked. */
  "buyers.read",
  /** Refund a payment. */
  "payments.refund",
  /** Download the payment list as CSV. */
  "payments.export",
  /** Ask Midtrans for a payment's status (one, or the stale-pending sweep). */
  "payments.reconcile",
  /** Send a webhook event again. */
  "webhooks.resend",
  /** Create and edit projects, their items and webhook endpoints (URL, event types, test sends, re-enable). */
  "projects.manage",
  /** Issue, rotate and revoke API credentials; reveal and rotate webhook signing secrets. */
  "credentials.manage",
  /** Invite people, change roles, disable, reset another person's password. */
  "people.manage",
  /** One's own account: who am I, change my password. */
  "account.self",
] as const;
export type Permission = (typeof permissions)[number];

const everyone: Permission[] = ["console.read", "account.self"];

/** The role → permissions map. `owner` holds every permission. */
export const rolePermissions: Record<Role, readonly Permission[]> = {
  owner: permissions,
  finance: [...everyone, "buyers.read", "payments.refund", "payments.export"],
  operator: [...everyone, "buyers.read", "payments.reconcile", "webhooks.resend", "projects.manage", "credentials.manage"],
  viewer: everyone,
};

/**
 * Roles that move money or manage people sign in with a second factor (TOTP): without one enrolled,
 * their session can do nothing but enrol (docs/decisions/0019-two-factor.md). Optional for others.
 */
export const twoFactorRequiredRoles: readonly Role[] = ["owner", "finance"];
export const requiresTwoFactor = (role: string): boolean => (twoFactorRequiredRoles as readonly string[]).includes(role);

export const isRole = (v: unknown): v is Role => typeof v === "string" && (roles as readonly string[]).includes(v);

/** Whether `role` grants `permission`. An unknown role (a row written by a newer version) grants nothing. */
export function can(role: string, permission: Permission): boolean {
  return isRole(role) && rolePermissions[role].includes(permission);
}

/** The permissions of a role, for the console's pages (which buttons to show). */
export const permissionsOf = (role: string): Permission[] => (isRole(role) ? [...rolePermissions[role]] : []);

/** What the console says about each role (People page). */
export const roleDescriptions: Record<Role, string> = {
  owner: "Everything, including people and roles",
  finance: "Read, refunds and CSV exports",
  operator: "Read, reconcile, resend webhooks, projects, endpoints and credentials",
  viewer: "Read only; buyers' e-mails masked",
};

// ── Masking buyers' e-mail addresses for roles without `buyers.read` ────────────────────────

const EMAIL_RE = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;

/** `budi.santoso@example.com` → `b***@example.com`. */
export const maskEmail = (email: string): string => email.replace(EMAIL_RE, "$1***@$2");

/** Fields that name an admin, not a buyer: shown as they are (the audit log's who). */
const ADMIN_FIELDS = new Set(["admin_email", "adminEmail"]);

/**
 * A procedure's answer with every e-mail address a buyer gave masked: `buyer_email` fields and
 * any address inside other text (a notification's raw body, a webhook payload, a CSV-like
 * detail), at any depth. Admins' own addresses (`admin_email`) are left as they are.
 */
export function maskBuyerEmails<T>(value: T): T {
  return maskValue(value, 0) as T;
}

function maskValue(v: unknown, depth: number): unknown {
  if (typeof v === "string") return v.includes("@") ? maskEmail(v) : v;
  if (v === null || typeof v !== "object" || depth > 64) return v;
  if (v instanceof Date) return v;
  if (Array.isArray(v)) return v.map((x) => maskValue(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = ADMIN_FIELDS.has(k) ? x : maskValue(x, depth + 1);
  return out;
}
