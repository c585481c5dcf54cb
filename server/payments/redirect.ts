/** A plain slug: letters, digits, '-' and '_', starting and ending alphanumeric. */
const SLUG = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,98}[A-Za-z0-9])?$/;
const MARK = "astapaslugmark0";

/**
 * The buyer's way back to the store: the project's template with the payment's
 * metadata.store_slug. Only a plain slug is accepted, and the result must have exactly
 * the host the template gives it (the slug may sit in the path or in a subdomain), so no
 * crafted slug can make an open redirect.
 */
export function buildStoreRedirectUrl(template: string | null | undefined, slug: unknown): string | null {
  if (!template || typeof slug !== "string" || !SLUG.test(slug)) return null;
  try {
    const shape = new URL(template.replace("{store_slug}", MARK));
    const url = new URL(template.replace("{store_slug}", slug));
    const expectedHost = shape.host.replace(MARK, slug.toLowerCase());
    if (url.protocol !== shape.protocol || url.host !== expectedHost) return null;
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    return url.toString();
  } catch {
    return null;
  }
}
