import type { Db } from "../db/connect";
import { countProjects, createProject, issueCredential } from "./projects.service";

/**
 * On an empty database, a demo project with sandbox credentials, so that a newcomer can
 * try the API right after `npm start`. Returns the credentials (shown once), or null.
 */
export async function ensureDemoProject(db: Db, publicUrl: string) {
  if ((await countProjects(db)) > 0) return null;
  const project = await createProject(db, {
    name: "Demo store",
    store_url_template: `${publicUrl}/demo-store/{store_slug}`,
  });
  const cred = await issueCredential(db, project.id, "sandbox");
  return { project, client_id: cred.client_id, client_secret: cred.client_secret };
}
