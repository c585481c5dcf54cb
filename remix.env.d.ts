/// <reference types="@remix-run/dev" />
/// <reference types="@remix-run/node" />
import type { RemixLoadContext } from "./server/remix/services";

// What every loader and action receives: the services of server/remix and the client's IP
// (built per request in server/runtime/http-app.ts). app/ imports only their types.
declare module "@remix-run/node" {
  interface AppLoadContext extends RemixLoadContext {}
}
